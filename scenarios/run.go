package scenarios

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// Run plays the suite against target as Go subtests, one per check, named by scenario and
// check id, so `go test -run` selects them. Secrets come from the environment. A FAIL or ERROR
// check fails its subtest with its message, violations and evidence; SKIP and KNOWN-FAIL skip.
func Run(t *testing.T, target *Target) {
	t.Helper()
	RunWith(t, Config{Target: target, Secrets: os.LookupEnv})
}

// RunWith is Run with a full Config.
func RunWith(t *testing.T, cfg Config) {
	t.Helper()
	res, err := Check(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run the suite: %v", err)
	}
	for _, c := range res.Checks {
		t.Run(strings.ReplaceAll(c.ID, " ", "_"), func(t *testing.T) {
			switch c.Outcome {
			case batchcert.Pass:
			case batchcert.Skip, batchcert.KnownFail:
				t.Skip(c.Message)
			default:
				t.Errorf("%s %s %v: %s", c.Outcome, c.Severity, c.Requirements, c.Message)
				for _, v := range c.Violations {
					t.Errorf("  %s", v)
				}
				for _, e := range c.Evidence {
					t.Logf("request:\n%s\nresponse:\n%s\nreproduce: %s", e.Request, e.Response, e.Curl)
				}
			}
		})
	}
}
