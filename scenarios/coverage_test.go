package scenarios

import (
	"context"
	"os"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// TestEveryMustIsCovered fails when a MUST entry of the catalog is not covered from evidence in a
// run against the reference: a new requirement needs a scenario (or a field constraint, which
// the boundaries generator turns into one) that provokes it.
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
	// Covered from evidence (coverage.go): a check judged the requirement in a situation that
	// could have broken it, and every check covering it passed.
	missing := map[string]bool{}
	for _, id := range res.Coverage.Requirements.Missing {
		missing[id] = true
	}
	failed := map[string]bool{}
	for _, c := range res.Checks {
		if c.Outcome != batchcert.Pass {
			for _, id := range c.Covers {
				failed[id] = true
			}
		}
	}
	for _, r := range cat.Musts() {
		if missing[r.ID] || failed[r.ID] {
			t.Errorf("MUST %s (%s) has no passing check that judged it (missing %v, failed %v)", r.ID, r.Summary, missing[r.ID], failed[r.ID])
		}
	}
	t.Logf("requirements covered %d/%d; missing %v", res.Coverage.Requirements.Covered, res.Coverage.Requirements.Total, res.Coverage.Requirements.Missing)
}
