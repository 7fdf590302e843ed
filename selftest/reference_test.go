package selftest_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
	"github.com/batchcert/batchcert/selftest"
)

// referenceSecrets are the default world's secrets (refplatform/world.yaml), under the names
// the embedded reference target refers to.
var referenceSecrets = map[string]string{
	"BATCHCERT_SECRET_PRIMARY": "primary-secret", "BATCHCERT_SECRET_SECONDARY": "secondary-secret",
	"BATCHCERT_SECRET_OTHER": "other-secret", "BATCHCERT_SECRET_NORIGHTS": "norights-secret",
	"BATCHCERT_SECRET_FROZEN": "frozen-secret",
}

// certifyReference is the real Certify: the whole suite against a fresh reference platform on
// loopback with the faults on and a clock that only the suite moves.
func certifyReference(ctx context.Context, faults []string) (*batchcert.Results, error) {
	srv, err := refplatform.New(refplatform.WithFaults(faults...),
		refplatform.WithClock(refplatform.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
	if err != nil {
		return nil, fmt.Errorf("start reference: %w", err)
	}
	if err := srv.Open(); err != nil {
		return nil, fmt.Errorf("start reference: %w", err)
	}
	defer srv.Close()
	tg := scenarios.ReferenceTarget()
	tg.BaseURL = srv.URL()
	tg.Control = &scenarios.Control{URL: srv.ControlURL()}
	return scenarios.Check(ctx, scenarios.Config{Target: tg, Secrets: func(name string) (string, bool) {
		s, ok := referenceSecrets[name]
		return s, ok
	}})
}

// TestReferenceKillMatrix runs the real self-test: the clean reference must be CONFORMANT and
// every named fault must be caught by a MUST check (kill rate 100 %).
func TestReferenceKillMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite once per fault")
	}
	if raceDetector {
		// 105 runs of the whole suite under the race detector take minutes of CPU and find no
		// race the suite's own -race tests miss; .ci/run runs this test without it.
		t.Skip("the kill matrix runs without -race (.ci/run's selftest step)")
	}
	// Every run's failing checks are recorded, so that the same runs also prove the converse of
	// the kill rate: every check of the clean run fails against some broken reference.
	var mu sync.Mutex
	var cleanIDs []string
	failedSomewhere := map[string]bool{}
	record := func(ctx context.Context, faults []string) (*batchcert.Results, error) {
		res, err := certifyReference(ctx, faults)
		if err != nil {
			return res, err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, c := range res.Checks {
			if len(faults) == 0 {
				cleanIDs = append(cleanIDs, c.ID)
			} else if c.Outcome == batchcert.Fail { // an ERROR (its setup broke) proves nothing of the check
				failedSomewhere[c.ID] = true
			}
		}
		return res, nil
	}
	st, err := selftest.Run(context.Background(), selftest.Config{Certify: record})
	if err != nil {
		t.Fatal(err)
	}
	var blind []string
	for _, id := range cleanIDs {
		if !failedSomewhere[id] && !notYetProven[id] {
			blind = append(blind, id)
		}
	}
	if len(blind) > 0 {
		t.Errorf("%d of %d checks fail against no faulty reference (a check that cannot fail proves nothing; add a fault that breaks its rule):\n%s",
			len(blind), len(cleanIDs), strings.Join(blind, "\n"))
	}
	var proven []string
	for id := range notYetProven {
		if failedSomewhere[id] {
			proven = append(proven, id)
		}
	}
	sort.Strings(proven)
	if len(proven) > 0 {
		t.Errorf("now proven by a fault, remove from notYetProven: %v", proven)
	}
	var buf bytes.Buffer
	if err := selftest.WriteMatrix(&buf, st); err != nil {
		t.Fatal(err)
	}
	t.Logf("kill matrix:\n%s", buf.String())
	var lost []string
	for _, k := range st.Faults {
		if !k.Killed {
			lost = append(lost, k.Fault)
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("faults the suite does not catch: %v", lost)
	}
}

// notYetProven lists checks no fault of the reference breaks yet. It is a ratchet: it may only
// shrink, and the test fails when an entry becomes proven.
var notYetProven = map[string]bool{}
