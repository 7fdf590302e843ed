package certify

import (
	"testing"

	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/scenarios"
)

// TestThrottleConfigTimeScale: the throttle probe learns the target's clock scale, so that its
// results give the windows in platform time too (the rule's time), not only in real time.
func TestThrottleConfigTimeScale(t *testing.T) {
	t.Parallel()
	tg := scenarios.ReferenceTarget()
	tg.Limits.TimeScale = 60
	cfg, err := throttleConfig(tg, Load{}, apiclient.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TimeScale != 60 {
		t.Errorf("TimeScale %g, want the target's 60", cfg.TimeScale)
	}
}
