package selftest_test

import (
	"context"
	"fmt"
	"os"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/selftest"
)

// Example runs a self-test of two faults with a stand-in for the suite: one fault fails a
// MUST check, the other passes everything and survives.
func Example() {
	certify := func(ctx context.Context, faults []string) (*batchcert.Results, error) {
		res := &batchcert.Results{Verdict: "CONFORMANT"}
		if len(faults) == 1 && faults[0] == refplatform.FaultProgressPercent {
			res.Verdict = "NONCONFORMANT"
			res.Checks = []batchcert.Check{{ID: "lifecycle/final", Severity: batchcert.Must, Outcome: batchcert.Fail}}
		}
		return res, nil
	}
	st, err := selftest.Run(context.Background(), selftest.Config{Certify: certify,
		Faults: []string{refplatform.FaultProgressPercent, refplatform.FaultThrottlePerToken}})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := selftest.WriteMatrix(os.Stdout, st); err != nil {
		fmt.Println(err)
	}
	// Output:
	// FAULT               RESULT    KILLS  CAUGHT BY
	// progress-percent    KILLED    1      lifecycle/final
	// throttle-per-token  SURVIVED  0      -
	//
	// clean reference: CONFORMANT
	// kill rate: 1/2 (50.0%)
	// killed by exactly one independent check: 1
	// killed in exactly one observation (one answer or burst): 1
	//
	// survivors (deviations the suite does not catch):
	//   throttle-per-token: the throttle counts per access token instead of per application, so a new login resets the quota (AMB.9)
}
