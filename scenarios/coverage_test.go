package scenarios

import (
	"context"
	"os"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// TestEveryMustIsCovered fails when a MUST entry of the catalog has no check in a run against
// the reference: a new requirement needs a scenario (or a field constraint, which the
// boundaries generator turns into one).
func TestEveryMustIsCovered(t *testing.T) {
	tg := startReference(t)
	var progress *os.File
	if testing.Verbose() {
		progress = os.Stdout
	}
	cfg := Config{Target: tg, Secrets: lookupSecret}
	if progress != nil {
		cfg.Progress = progress
	}
	res, err := Check(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := contracts.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range res.Checks {
		if c.Outcome == batchcert.Pass {
			for _, id := range c.Requirements {
				covered[id] = true
			}
		}
	}
	for _, r := range cat.Musts() {
		if !covered[r.ID] {
			t.Errorf("MUST %s (%s) has no passing check", r.ID, r.Summary)
		}
	}
	t.Logf("requirements covered %d/%d; missing %v", res.Coverage.Requirements.Covered, res.Coverage.Requirements.Total, res.Coverage.Requirements.Missing)
}
