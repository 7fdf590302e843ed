package scenarios

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestGraphQLReference plays the whole suite over the reference's GraphQL facade: every check
// passes or is skipped with a reason, parity passes, and every error code a GraphQL client can
// provoke is exercised as it is over REST.
func TestGraphQLReference(t *testing.T) {
	res, err := Check(context.Background(), Config{Target: startReference(t), Secrets: lookupSecret, Transport: TransportGraphQL})
	if err != nil {
		t.Fatal(err)
	}
	if res.Target.Transport != TransportGraphQL {
		t.Errorf("results transport %q", res.Target.Transport)
	}
	n := map[batchcert.Outcome]int{}
	skips := map[string]int{}
	parity := 0
	for _, c := range res.Checks {
		n[c.Outcome]++
		if c.Scenario == "parity" && c.Outcome == batchcert.Pass {
			parity++
		}
		switch c.Outcome {
		case batchcert.Pass:
		case batchcert.Skip:
			if c.Message == "" {
				t.Errorf("%s skipped without a reason", c.ID)
			}
			skips[c.Message]++
			t.Logf("skip %s: %s", c.ID, c.Message)
		default:
			t.Errorf("%s: %s: %s %v", c.ID, c.Outcome, c.Message, c.Violations)
			for _, e := range c.Evidence {
				t.Logf("  request: %s\n  response: %s", e.Request, e.Response)
			}
		}
	}
	t.Logf("%d checks %v", len(res.Checks), n)
	if parity == 0 {
		t.Error("the parity scenario passed no check")
	}
	if res.Verdict != "CONFORMANT" {
		t.Errorf("verdict %s", res.Verdict)
	}
	codes := map[string]bool{}
	for _, cc := range res.Coverage.ErrorCodes {
		if cc.Exercised {
			codes[cc.Code] = true
		}
	}
	// Every batch-task code of the REST run (TestReferencePassesEverything) is reachable over
	// GraphQL too: 100019 through a missing header, 50400 through an out-of-range value.
	for _, c := range strings.Fields("100019 100022 100028 100203 100217 101001 105001 105002 105005 105201 105202 1010005 1010009 50252 50400") {
		if !codes[c] {
			t.Errorf("error code %s never exercised over graphql", c)
		}
	}
}

func TestGraphQLNeedsEndpoint(t *testing.T) {
	t.Parallel()
	tg := ReferenceTarget()
	tg.BaseURL, tg.GraphQL = "http://127.0.0.1:1", nil
	_, err := NewSuite(context.Background(), Config{Target: tg, Secrets: lookupSecret, Transport: TransportGraphQL})
	var ee *batchcert.ExitError
	if !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage || !strings.Contains(err.Error(), "graphql.url") {
		t.Fatalf("error %v, want a usage error naming graphql.url", err)
	}
	_, err = NewSuite(context.Background(), Config{Target: tg, Secrets: lookupSecret, Transport: "soap"})
	if !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage {
		t.Fatalf("error %v, want a usage error for an unknown transport", err)
	}
}

// TestBrokenOperationIsUsageError: an operation file that does not validate stops the run
// before it starts, naming the file and gqlparser's message.
func TestBrokenOperationIsUsageError(t *testing.T) {
	t.Parallel()
	tg := ReferenceTarget()
	tg.BaseURL = "http://127.0.0.1:1"
	_, err := NewSuite(context.Background(), Config{Target: tg, Secrets: lookupSecret, Transport: TransportGraphQL,
		Operations: os.DirFS("testdata/graphql-broken")})
	var ee *batchcert.ExitError
	if !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage {
		t.Fatalf("error %v, want a usage error", err)
	}
	for _, want := range []string{"batchTask.graphql", `Cannot query field "progres" on type "BatchTask"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestEmbeddedOperationsValidate(t *testing.T) {
	t.Parallel()
	ops, err := LoadOperations(OperationsFS, "graphql")
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != len(operationFiles) {
		t.Fatalf("%d operations", len(ops))
	}
}
