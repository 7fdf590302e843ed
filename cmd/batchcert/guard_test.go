package main

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestProbeErrorKeepsResults: a probe's error is recorded as an ERROR check in its own
// section and the results gathered so far are kept (issue 14: the capacity probe's 105001
// threw away 455 suite checks and every report); a usage error still stops the command; a
// probe cut off by the run's interruption is "not run (interrupted: ...)", never a FAIL.
func TestProbeErrorKeepsResults(t *testing.T) {
	t.Parallel()
	suite := batchcert.Check{ID: "happy/create/expect-1", Severity: batchcert.Must, Outcome: batchcert.Pass}
	res := &batchcert.Results{Checks: []batchcert.Check{suite}}
	if err := probeOutcome(context.Background(), res, "capacity", nil, errors.New("create answered 105001"), io.Discard); err != nil {
		t.Fatalf("a probe error stopped the run: %v", err)
	}
	if len(res.Checks) != 2 || res.Checks[0].ID != suite.ID {
		t.Fatalf("checks %v: the suite's check is lost or the probe's is missing", res.Checks)
	}
	pc := res.Checks[1]
	if pc.Scenario != "load-capacity" || pc.Outcome != batchcert.Errored || pc.Message == "" {
		t.Errorf("probe check %+v: want an ERROR in load-capacity saying why", pc)
	}
	if res.Verdict != batchcert.Incomplete {
		t.Errorf("verdict %s, want INCOMPLETE (the probe was not carried out)", res.Verdict)
	}

	usage := batchcert.Usagef("-rates: bad")
	if err := probeOutcome(context.Background(), &batchcert.Results{}, "capacity", nil, usage, io.Discard); !errors.Is(err, usage) {
		t.Errorf("a usage error was swallowed: %v", err)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("signal interrupt"))
	res = &batchcert.Results{}
	cut := []batchcert.Check{{ID: "throttle.limit", Severity: batchcert.Must, Outcome: batchcert.Fail, Message: "no 1010009 after 20 calls"}}
	if err := probeOutcome(ctx, res, "throttle", cut, errors.New("throttle probe: context canceled"), io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored || !c.Interrupted() {
			t.Errorf("%s: %s %q after the interruption, want not run", c.ID, c.Outcome, c.Message)
		}
	}
	if !res.Incomplete {
		t.Error("an interrupted probe left the run complete")
	}
}
