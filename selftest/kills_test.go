package selftest

import "testing"

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
