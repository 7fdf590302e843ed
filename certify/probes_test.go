package certify

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/scenarios"
)

// TestProbeErrorKeepsResults: a probe's error is recorded as an ERROR check in its own
// section and the results gathered so far are kept (issue 14: the capacity probe's 105001
// threw away 455 suite checks and every report); a usage error still stops the command; a
// probe cut off by the run's interruption is "not run (interrupted: ...)", never a FAIL.
func TestProbeErrorKeepsResults(t *testing.T) {
	t.Parallel()
	suite := batchcert.Check{ID: "happy/create/expect-1", Severity: batchcert.Must, Outcome: batchcert.Pass}
	res := &batchcert.Results{Checks: []batchcert.Check{suite}}
	if err := foldProbe(context.Background(), res, "capacity", Load{}, nil, errors.New("create answered 105001")); err != nil {
		t.Fatalf("a probe error stopped the run: %v", err)
	}
	if len(res.Checks) != 2 || res.Checks[0].ID != suite.ID {
		t.Fatalf("checks %v: the suite's check is lost or the probe's is missing", res.Checks)
	}
	pc := res.Checks[1]
	if pc.Scenario != "load/capacity" || pc.Outcome != batchcert.Errored || pc.Message == "" {
		t.Errorf("probe check %+v: want an ERROR in load/capacity saying why", pc)
	}
	if res.Verdict != batchcert.Incomplete {
		t.Errorf("verdict %s, want INCOMPLETE (the probe was not carried out)", res.Verdict)
	}

	usage := batchcert.Usagef("-rates: bad")
	if err := foldProbe(context.Background(), &batchcert.Results{}, "capacity", Load{}, nil, usage); !errors.Is(err, usage) {
		t.Errorf("a usage error was swallowed: %v", err)
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("signal interrupt"))
	res = &batchcert.Results{}
	cut := []batchcert.Check{{ID: "throttle.limit", Severity: batchcert.Must, Outcome: batchcert.Fail, Message: "no 1010009 after 20 calls"}}
	if err := foldProbe(ctx, res, "throttle", Load{}, cut, errors.New("throttle probe: context canceled")); err != nil {
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

// TestProbeRequirementsAreInTheCatalog: every requirement a probe's check names is a row of
// the catalog, so a probe's check traces to the docs and coverage counts it.
func TestProbeRequirementsAreInTheCatalog(t *testing.T) {
	t.Parallel()
	cat, err := contracts.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ReqThrottle, ReqTaskLimit, ReqQueryUnderLoad, ReqCreateUnderLoad} {
		if _, ok := cat.Get(id); !ok {
			t.Errorf("%s is not in contracts/requirements.yaml", id)
		}
	}
}

// TestUnknownProfileSurfaces: a reading profile that does not resolve is an error of the
// throttle probe and of the capacity validator, never a probe judged by a guessed reading
// (declareThrottle used to swallow it and judge by nothing).
func TestUnknownProfileSurfaces(t *testing.T) {
	t.Parallel()
	var cfg loadtest.ThrottleConfig
	if err := declareThrottle(&cfg, "no-such-profile"); err == nil {
		t.Error("declareThrottle accepted an unknown profile")
	}
	if _, err := Validator("no-such-profile", loadtest.OpQuery); err == nil {
		t.Error("Validator accepted an unknown profile")
	}
	target := scenarios.ReferenceTarget()
	target.Profile = "no-such-profile"
	if _, err := Plans(target, true, Load{}); err == nil {
		t.Error("Plans planned the probes under an unknown profile")
	}
	if err := declareThrottle(&cfg, "lenient+AMB.9=sliding"); err != nil {
		t.Errorf("a profile with a reading: %v", err)
	}
}

// TestProbesNotRunSaySo: when the suite did not finish, the probes are not run, and each
// probe's section says so and why (capacity used to be silently missing from such a run).
func TestProbesNotRunSaySo(t *testing.T) {
	t.Parallel()
	res := &batchcert.Results{Checks: []batchcert.Check{{ID: "happy/create/expect-1", Severity: batchcert.Must, Outcome: batchcert.Pass}}}
	res.MarkIncomplete("interrupted: signal interrupt")
	var progress strings.Builder
	probesNotRun(res, Load{Progress: &progress})
	seen := map[string]bool{}
	for _, c := range res.Checks[1:] {
		seen[c.Scenario] = true
		if !c.Interrupted() || !strings.Contains(c.Message, "the suite did not finish: interrupted: signal interrupt") {
			t.Errorf("%s: %s %q, want not run saying why", c.ID, c.Outcome, c.Message)
		}
	}
	for _, name := range Probes {
		if !seen[Section(name)] {
			t.Errorf("no %s section in an unfinished run", Section(name))
		}
	}
	if !strings.Contains(progress.String(), "load probes: not run") {
		t.Errorf("stderr does not say the probes were not run: %q", progress.String())
	}
	if res.Verdict != batchcert.Incomplete {
		t.Errorf("verdict %s, want INCOMPLETE", res.Verdict)
	}
}
