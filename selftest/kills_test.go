package selftest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

func TestIndependentKills(t *testing.T) {
	failed := []string{"lifecycle/a/expect-1", "parity/rest query/expect-1", "lifecycle/a/expect-1", "lifecycle/b/contract"}
	if got := IndependentKills("totalcnt-plus-one", failed); got != 2 {
		t.Errorf("REST fault: kills = %d, want 2 (parity not counted, duplicates once)", got)
	}
	if got := IndependentKills("gql-data-disagrees", failed); got != 3 {
		t.Errorf("GraphQL fault: kills = %d, want 3 (parity counted)", got)
	}
	if got := IndependentKills("x", nil); got != 0 {
		t.Errorf("no failures: kills = %d, want 0", got)
	}
}

// TestObservations: the checks of one step judge one observation; two tallies of one burst
// are one witness, checks of two steps are two, and a probe's check is its own.
func TestObservations(t *testing.T) {
	failed := []string{"quick-tasklimit/race/admitted", "quick-tasklimit/race/refused", "parity/rest query/expect-1",
		"lifecycle/poll/until", "lifecycle/poll/contract", "throttle.threshold", "lifecycle/final/expect-1"}
	if got := Observations("tasklimit-11", failed); got != 4 {
		t.Errorf("observations = %d, want 4 (race, poll, final, probe)", got)
	}
	if got := Observations("tasklimit-11", failed[:2]); got != 1 {
		t.Errorf("two tallies of one race: observations = %d, want 1", got)
	}
	if got := Observations("gql-x", failed); got != 5 {
		t.Errorf("GraphQL fault: observations = %d, want 5 (parity counted)", got)
	}
}

// TestFaultTimeout: a faulted run that never ends by itself (it waits for its context) is an
// error naming the fault and the bound, not a hang.
func TestFaultTimeout(t *testing.T) {
	t.Parallel()
	certify := func(ctx context.Context, faults []string) (*batchcert.Results, error) {
		if len(faults) == 0 {
			return &batchcert.Results{Verdict: batchcert.Conformant}, nil
		}
		<-ctx.Done()
		return &batchcert.Results{Incomplete: true}, nil
	}
	_, err := Run(context.Background(), Config{Certify: certify, Faults: []string{refplatform.FaultProgressPercent}, FaultTimeout: time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), refplatform.FaultProgressPercent) || !strings.Contains(err.Error(), "took longer than 1ms") {
		t.Fatalf("error %v, want one naming the fault and its bound", err)
	}
}
