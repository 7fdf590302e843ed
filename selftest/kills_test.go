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
