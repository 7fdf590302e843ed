package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestThrottleReadingGateway: a reference answering 1010009 in the gateway's shape
// {resultcode, resultmsg} (reading AMB.7=gateway) is still measured as throttling; the
// throttle.response check passes under gateway and lenient and names the reading under strict.
func TestThrottleReadingGateway(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		errorBody string
		pass      bool
		why       string
	}{
		{"lenient", true, "lenient accepts every defensible error shape"},
		{"gateway", true, "gateway accepts exactly the gateway's codes in its shape"},
		{"strict", false, "doc-strict wants {error_code, error_desc} and names AMB.7"},
	} {
		t.Run(tc.errorBody, func(t *testing.T) {
			t.Parallel()
			_, tgt, clock := startReference(t, refplatform.WithReading("AMB.7", "gateway"),
				refplatform.WithThrottle(refplatform.ThrottleConfig{Limit: 100, Window: 2 * time.Second, Type: refplatform.ThrottleFixed}))
			res, checks, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{
				DeclaredLimit: 100, DeclaredWindow: 2 * time.Second, DeclaredType: WindowFixed,
				DeclaredRejectedCount: ptr(false), Clock: clock, ErrorBody: tc.errorBody})
			if err != nil {
				t.Fatalf("%s: %v", tc.why, err)
			}
			if res.MeasuredLimit != 100 {
				t.Errorf("%s: measured limit %d, want 100 (1010009 in the gateway's shape not recognised?)", tc.why, res.MeasuredLimit)
			}
			for _, c := range checks {
				if c.ID != "throttle.response" {
					continue
				}
				if got := c.Outcome == batchcert.Pass; got != tc.pass {
					t.Errorf("%s: throttle.response %s: %s", tc.why, c.Outcome, c.Message)
				}
				if !tc.pass && !strings.Contains(c.Message, "AMB.7") {
					t.Errorf("%s: the failure does not name AMB.7: %s", tc.why, c.Message)
				}
			}
		})
	}
}
