package certify

import (
	"context"
	"testing"
	"time"

	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
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

// TestPlatformClockOverControl: the probes against a reference served with its control API
// (a profile naming control.url) wait on its clock, advanced over that API, instead of in real
// time; without control they wait in real time.
func TestPlatformClockOverControl(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv, err := refplatform.New(refplatform.WithClock(refplatform.NewManualClock(at)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tg := scenarios.ReferenceTarget()
	tg.Control = &scenarios.Control{URL: srv.ControlURL()}
	var reported []error
	clock := (&Platform{Target: tg}).Clock(func(err error) { reported = append(reported, err) })
	if err := clock.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := clock.Now(); !got.Equal(at.Add(time.Hour)) || len(reported) > 0 {
		t.Errorf("after an hour's sleep the served clock reads %s (errors %v), want %s", got, reported, at.Add(time.Hour))
	}
	tg.Control = nil
	if _, ok := (&Platform{Target: tg}).Clock(nil).(apiclient.RealClock); !ok {
		t.Error("without control the probes do not wait in real time")
	}
}
