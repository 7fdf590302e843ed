package scenarios

import (
	"context"
	"regexp"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestReferenceFaultsAreCaught runs the suite against the reference with each of its named
// faults: every fault must fail at least one MUST check, or the suite cannot tell it apart
// from a conformant platform.
func TestReferenceFaultsAreCaught(t *testing.T) {
	// run names the scenarios expected to catch the fault, to keep the test short.
	faults := []struct {
		fault, run, reason string
	}{
		{refplatform.FaultCreateTaskIDLowercase, "errors-query", "create answers taskId, not taskID (AMB.1)"},
		{refplatform.FaultProgressPercent, "lifecycle", "progress in percent, not permille (AMB.3)"},
		{refplatform.FaultTaskLimit11, "quick-tasklimit", "the 11th unfinished task is admitted (AMB.10)"},
		{refplatform.FaultTaskLimitNonAtomic, "quick-tasklimit", "concurrent creates overshoot the limit"},
		{refplatform.FaultThrottle110, "quick-throttle", "110 calls per window admitted (AMB.9)"},
		{refplatform.FaultStartTimeRFC3339, "happy-paths", "startTime in RFC 3339 (AMB.11)"},
		{refplatform.FaultTokenNotSuperseded, "security", "an old token keeps working (AMB.R10)"},
		{refplatform.FaultErrorBodyResultCode, "errors-query", "error bodies as resultcode/resultmsg (AMB.7)"},
	}
	for _, f := range faults {
		t.Run(f.fault, func(t *testing.T) {
			tg := startReference(t, refplatform.WithFaults(f.fault))
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret,
				Run: regexp.MustCompile("^(" + f.run + ")$")})
			if err != nil {
				t.Fatal(err)
			}
			var caught []string
			for _, c := range res.Checks {
				if c.Severity == batchcert.Must && c.Outcome == batchcert.Fail {
					caught = append(caught, c.ID)
				}
			}
			if len(caught) == 0 {
				t.Fatalf("fault %s (%s) passed every MUST check", f.fault, f.reason)
			}
			if res.Verdict != "NONCONFORMANT" {
				t.Errorf("verdict %s, want NONCONFORMANT", res.Verdict)
			}
			t.Logf("caught by %d checks, e.g. %v", len(caught), caught[:min(3, len(caught))])
		})
	}
}
