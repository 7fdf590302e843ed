package scenarios

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestEverywhereKills: each fault of a rule that binds at more than one operation or moment,
// and each fault of a refused call that still had an effect, fails at least two distinct MUST
// checks of the scenarios named, so one check's mistake never lets it through (issue 15,
// class 2). The scenarios run on the reference's controlled clock.
func TestEverywhereKills(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault, run, reason string
	}{
		{refplatform.FaultNoRightsAllowed, "errors-create|everywhere-rights", "the refused create and the pair it would have bound"},
		{refplatform.FaultRefreshAfterExpiry, "tokens", "the refresh and the token it answers"},
		{refplatform.FaultThrottleNeverResets, "quick-throttle", "query and details in the next window"},
		{refplatform.FaultThrottlePerToken, "quick-throttle", "query, details and create with a new token"},
		{refplatform.FaultTokenNeverExpires, "tokens", "query and details after expiry"},
		{refplatform.FaultTokenNotSuperseded, "security", "query, details and create with the superseded token"},
		{refplatform.FaultTaskLimitSlotKept, "quick-tasklimit", "two slots after the timeout"},
		{refplatform.FaultCreate50252LongName, "everywhere-names", "two creates with 200-character names"},
		{refplatform.FaultRefusedBindsTags, "everywhere-refused", "pairs of creates refused 50400, 105202 and 105201"},
		{refplatform.FaultRefusedTakesName, "everywhere-refused", "names of creates refused 101001 and 105201"},
		{refplatform.FaultThrottledCreateInserted, "quick-throttle", "names of two throttled creates"},
		{refplatform.FaultLimitRefusedInserted, "quick-tasklimit", "names of two creates refused 105001"},
		{refplatform.FaultDetailsExpiredToken, "tokens", "details after expiry, with and without appId"},
		{refplatform.FaultDetailsSupersededToken, "security", "details with the superseded token, with and without appId"},
		{refplatform.FaultTaskNameTruncated, "everywhere-names", "the second long name and query's answer"},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			tg := startReference(t, refplatform.WithFaults(c.fault))
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret,
				Run: regexp.MustCompile("^(" + c.run + ")$")})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, ch := range res.Checks {
				if ch.Severity == batchcert.Must && ch.Outcome == batchcert.Fail && !strings.HasPrefix(ch.ID, "parity/") {
					seen[ch.ID] = true
				}
			}
			if len(seen) < 2 {
				t.Errorf("fault %s (%s): %d failed MUST check(s) %v, want at least 2", c.fault, c.reason, len(seen), seen)
			}
		})
	}
}
