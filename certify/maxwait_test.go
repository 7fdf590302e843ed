package certify

import (
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert/scenarios"
)

// TestFitMaxWait: on the platform's own clock a run must be allowed to wait a token's hour (the
// tokens scenario waits expiresIn minus a slack, 3600 s by the docs); with the default 15m that
// step is left out, and a correct platform can never be CONFORMANT. On a clock 60 times faster
// the same wait is a minute and the default stands.
func TestFitMaxWait(t *testing.T) {
	t.Parallel()
	tg := scenarios.ReferenceTarget()
	tg.Control = nil
	d, why, err := FitMaxWait(&Platform{Target: tg}, scenarios.Config{RealTime: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := scenarios.NeededMaxWait(3590 * time.Second); d != want || d != 61*time.Minute {
		t.Errorf("max-wait %s, want %s", d, want)
	}
	if !strings.Contains(why, "59m50s") || !strings.Contains(why, "tokens") {
		t.Errorf("why %q does not name the wait and its scenario", why)
	}
	fast := *tg
	fast.Limits.TimeScale = 60
	d, why, err = FitMaxWait(&Platform{Target: &fast}, scenarios.Config{RealTime: true})
	if err != nil {
		t.Fatal(err)
	}
	if d != scenarios.DefaultMaxWait || why != "" {
		t.Errorf("on a 60x clock: max-wait %s (%q), want the default %s", d, why, scenarios.DefaultMaxWait)
	}
}
