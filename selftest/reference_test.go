package selftest_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
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
	st, err := selftest.Run(context.Background(), selftest.Config{Certify: certifyReference})
	if err != nil {
		t.Fatal(err)
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
