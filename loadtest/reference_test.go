package loadtest

import (
	"context"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
)

// The probes against the real reference platform on a manual clock: the probe's waits
// advance the platform's time, so a 2 s window (or a 10-minute task) takes no real time.

func startReference(t *testing.T, opts ...refplatform.Option) (*refplatform.Server, Target, apiclient.Clock) {
	t.Helper()
	opts = append([]refplatform.Option{refplatform.WithClock(refplatform.NewManualClock(epoch))}, opts...)
	srv, err := refplatform.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tgt := Target{BaseURL: srv.URL(), Control: srv.ControlURL(), Apps: testApps, Fixture: worldFixture(refplatform.DefaultWorld())}
	clock := apiclient.AdvanceClock{NowFunc: srv.Now, Advance: func(_ context.Context, d time.Duration) error { return srv.Advance(d) }}
	return srv, tgt, clock
}

func TestReferenceThrottle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reason    string
		throttle  refplatform.ThrottleConfig
		faults    []string
		wantType  string
		wantRej   bool
		wantLimit int
		failing   []string
	}{
		{"fixed", "the documented throttle, time-scaled to 100 per 2 s, passes every check",
			refplatform.ThrottleConfig{Limit: 100, Window: 2 * time.Second, Type: refplatform.ThrottleFixed},
			nil, WindowFixed, false, 100, nil},
		{"sliding", "a sliding reference is measured sliding, against a fixed declaration",
			refplatform.ThrottleConfig{Limit: 100, Window: 2 * time.Second, Type: refplatform.ThrottleSliding},
			nil, WindowSliding, false, 100, []string{"throttle.type"}},
		{"sliding-rejected", "rejected calls counting is told apart from not counting",
			refplatform.ThrottleConfig{Limit: 100, Window: 2 * time.Second, Type: refplatform.ThrottleSliding, RejectedCount: true},
			nil, WindowSliding, true, 100, []string{"throttle.type", "throttle.rejected-count"}},
		{"throttle-110", "the throttle-110 fault admits 110 while 100 is declared",
			refplatform.ThrottleConfig{Limit: 100, Window: 2 * time.Second, Type: refplatform.ThrottleFixed},
			[]string{refplatform.FaultThrottle110}, WindowFixed, false, 110, []string{"throttle.threshold", "throttle.concurrent"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, tgt, clock := startReference(t, refplatform.WithThrottle(tc.throttle), refplatform.WithFaults(tc.faults...))
			start := srv.Now()
			res, checks, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{
				DeclaredLimit: 100, DeclaredWindow: 2 * time.Second, DeclaredType: WindowFixed,
				DeclaredRejectedCount: ptr(false), SecondApp: "secondary", Clock: clock})
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if res.MeasuredLimit != tc.wantLimit || res.WindowType != tc.wantType ||
				res.RejectedCount == nil || *res.RejectedCount != tc.wantRej || res.Isolated == nil || !*res.Isolated {
				t.Errorf("%s: measured %+v", tc.reason, res)
			}
			// About three windows when rejected calls do not count, about six when they do.
			if took, most := srv.Now().Sub(start), map[bool]time.Duration{false: 7 * time.Second, true: 12 * time.Second}[tc.wantRej]; took > most {
				t.Errorf("%s: the probe took %s of the platform's time, want at most %s", tc.reason, took, most)
			}
			if absDur(res.MeasuredWindow-2*time.Second) > 100*time.Millisecond {
				t.Errorf("%s: window %s, want 2s ± 5 %%", tc.reason, res.MeasuredWindow)
			}
			failing := map[string]bool{}
			for _, id := range tc.failing {
				failing[id] = true
			}
			for _, c := range checks {
				if want := map[bool]batchcert.Outcome{true: batchcert.Fail, false: batchcert.Pass}[failing[c.ID]]; c.Outcome != want {
					t.Errorf("%s: %s = %s (%s), want %s", tc.reason, c.ID, c.Outcome, c.Message, want)
				}
			}
		})
	}
}

func TestReferenceTaskLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string
		faults []string
		pass   bool
	}{
		{"correct", "the reference admits exactly 10 in each of 50 runs and frees one slot per finished task", nil, true},
		{"tasklimit-11", "the off-by-one fault admits 11", []string{refplatform.FaultTaskLimit11}, false},
		{"tasklimit-nonatomic", "the non-atomic fault over-admits under 50 concurrent creates", []string{refplatform.FaultTaskLimitNonAtomic}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, tgt, _ := startReference(t, refplatform.WithFaults(tc.faults...))
			runs := DefaultRaceRuns
			if tc.pass {
				runs = 50 // a rare race must not hide: the acceptance is 50 of 50
			}
			res, checks, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Runs: runs})
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			c, _ := checkByID(checks, "tasklimit.admitted")
			if (c.Outcome == batchcert.Pass) != tc.pass {
				t.Errorf("%s: admitted %v: %s %s", tc.reason, res.Admitted, c.Outcome, c.Message)
			}
			if tc.pass {
				for _, c := range checks {
					if c.Outcome != batchcert.Pass {
						t.Errorf("%s: %s = %s (%s)", tc.reason, c.ID, c.Outcome, c.Message)
					}
				}
			}
		})
	}
}

// worldFixture is the probes' fixture a profile of w would name (as serve -profile-out
// writes it): its fastest device that answers at the first delivery, and a command. The
// probes know no world of their own; the tests take it from the reference's.
func worldFixture(w *refplatform.World) Fixture {
	var best *refplatform.Device
	for i, d := range w.Devices {
		if d.Online && d.Behaviour == refplatform.BehaviourSuccess && d.DropFirst == 0 && (best == nil || d.Latency < best.Latency) {
			best = &w.Devices[i]
		}
	}
	if best == nil {
		return Fixture{}
	}
	fx := Fixture{Devices: []string{best.ID}, ServiceID: "Switch", Method: "SET"}
	for _, d := range w.Devices {
		if d.Online && d.Behaviour == refplatform.BehaviourNoAnswer {
			fx.NoAnswerDevice = d.ID
			break
		}
	}
	return fx
}
