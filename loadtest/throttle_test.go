package loadtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

func ptr[T any](v T) *T { return &v }

// epoch is a start time that is not on a window boundary.
var epoch = time.Date(2024, 3, 1, 10, 0, 7, 0, time.UTC)

func checkByID(cs []batchcert.Check, id string) (batchcert.Check, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return batchcert.Check{}, false
}

func TestProbeThrottle(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second
	tests := []struct {
		name     string
		reason   string
		fake     *fakeThrottle
		declared ThrottleConfig
		wantType string
		wantRej  *bool
		want     map[string]batchcert.Outcome
		wantMsg  map[string]string
		limit    int
		// windows bounds the probe's time in declared windows: about 3 for a target that
		// keeps its declaration, about 6 when rejected calls count or for a token bucket.
		windows float64
	}{
		{
			name: "fixed-100-per-2s", windows: 3.5, reason: "the documented throttle, time-scaled: everything passes",
			fake:     &fakeThrottle{Limit: 100, Window: window},
			declared: ThrottleConfig{DeclaredType: WindowFixed, DeclaredRejectedCount: ptr(false)},
			wantType: WindowFixed, wantRej: ptr(false), limit: 100,
			want: map[string]batchcert.Outcome{"throttle.threshold": batchcert.Pass, "throttle.concurrent": batchcert.Pass,
				"throttle.window": batchcert.Pass, "throttle.type": batchcert.Pass, "throttle.rejected-count": batchcert.Pass,
				"throttle.isolation": batchcert.Pass, "throttle.response": batchcert.Pass},
			wantMsg: map[string]string{"throttle.type": "aligned to the first-call"},
		},
		{
			name: "sliding", windows: 3.5, reason: "a sliding log is told from a fixed window by the split phase",
			fake:     &fakeThrottle{Limit: 100, Window: window, Sliding: true},
			declared: ThrottleConfig{DeclaredType: WindowFixed},
			wantType: WindowSliding, wantRej: ptr(false), limit: 100,
			want: map[string]batchcert.Outcome{"throttle.threshold": batchcert.Pass, "throttle.window": batchcert.Pass,
				"throttle.type": batchcert.Fail},
		},
		{
			name: "sliding-rejected-count", windows: 6, reason: "calls during the block keep a sliding log full: rejected calls count",
			fake:     &fakeThrottle{Limit: 100, Window: window, Sliding: true, RejectedCount: true},
			declared: ThrottleConfig{DeclaredRejectedCount: ptr(false)},
			wantType: WindowSliding, wantRej: ptr(true), limit: 100,
			want: map[string]batchcert.Outcome{"throttle.window": batchcert.Pass, "throttle.rejected-count": batchcert.Fail},
		},
		{
			name: "admits-110", windows: 3.5, reason: "a target admitting 110 while 100 is declared fails with both numbers",
			fake:     &fakeThrottle{Limit: 110, Window: window},
			declared: ThrottleConfig{},
			wantType: WindowFixed, wantRej: ptr(false), limit: 110,
			want:    map[string]batchcert.Outcome{"throttle.threshold": batchcert.Fail, "throttle.concurrent": batchcert.Fail},
			wantMsg: map[string]string{"throttle.threshold": "measured 110 sequential calls admitted before the first 1010009; declared 100"},
		},
		{
			name: "window-3s", windows: 4.5, reason: "a 3 s window declared as 2 s fails the ± 5 % check",
			fake:     &fakeThrottle{Limit: 100, Window: 3 * time.Second},
			declared: ThrottleConfig{},
			wantType: WindowFixed, limit: 100,
			want:    map[string]batchcert.Outcome{"throttle.window": batchcert.Fail},
			wantMsg: map[string]string{"throttle.window": "measured window 3s (+50.0 %)"},
		},
		{
			name: "wall-clock", windows: 3.5, reason: "a fixed window on wall-clock boundaries is still fixed, and says where it is aligned",
			fake:     &fakeThrottle{Limit: 100, Window: window, WallClock: true},
			declared: ThrottleConfig{DeclaredType: WindowFixed},
			wantType: WindowFixed, limit: 100,
			want:    map[string]batchcert.Outcome{"throttle.window": batchcert.Pass, "throttle.type": batchcert.Pass},
			wantMsg: map[string]string{"throttle.type": "aligned to the wall-clock"},
		},
		{
			name: "token-bucket", windows: 6, reason: "slots that come back a few at a time are a token bucket",
			fake:     &fakeThrottle{Limit: 100, Window: window, Bucket: true},
			declared: ThrottleConfig{DeclaredType: WindowFixed},
			wantType: WindowTokenBucket, limit: 100,
			want: map[string]batchcert.Outcome{"throttle.type": batchcert.Fail},
		},
		{
			name: "malformed-throttle", windows: 3.5, reason: "a 429 with a numeric code is a throttle, but not the documented answer",
			fake:     &fakeThrottle{Limit: 100, Window: window, BadBody: true},
			declared: ThrottleConfig{},
			wantType: WindowFixed, limit: 100,
			want: map[string]batchcert.Outcome{"throttle.threshold": batchcert.Pass, "throttle.response": batchcert.Fail},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := NewManualClock(epoch)
			tc.fake.Clock = clock
			tgt := startFake(t, tc.fake)
			cfg := tc.declared
			cfg.DeclaredLimit, cfg.DeclaredWindow, cfg.SecondApp, cfg.Clock = 100, window, "secondary", clock
			var progress strings.Builder
			cfg.Progress = &progress
			res, checks, err := ProbeThrottle(context.Background(), tgt, cfg)
			if err != nil {
				t.Fatalf("%s: ProbeThrottle: %v", tc.reason, err)
			}
			if res.MeasuredLimit != tc.limit || res.WindowType != tc.wantType {
				t.Errorf("%s: limit %d type %s, want %d %s", tc.reason, res.MeasuredLimit, res.WindowType, tc.limit, tc.wantType)
			}
			if tc.wantRej != nil && (res.RejectedCount == nil || *res.RejectedCount != *tc.wantRej) {
				t.Errorf("%s: rejectedCount %s, want %v", tc.reason, boolText(res.RejectedCount), *tc.wantRej)
			}
			for id, want := range tc.want {
				c, ok := checkByID(checks, id)
				if !ok || c.Outcome != want {
					t.Errorf("%s: check %s = %s (%s), want %s", tc.reason, id, c.Outcome, c.Message, want)
				}
			}
			for id, sub := range tc.wantMsg {
				if c, _ := checkByID(checks, id); !strings.Contains(c.Message, sub) {
					t.Errorf("%s: check %s message %q lacks %q", tc.reason, id, c.Message, sub)
				}
			}
			if took := clock.Now().Sub(epoch); took > time.Duration(tc.windows*float64(window)) {
				t.Errorf("%s: the probe took %s of the target's time, more than %.1f declared windows", tc.reason, took, tc.windows)
			}
			if !strings.Contains(progress.String(), "throttle: done") {
				t.Errorf("%s: progress lacks the last phase:\n%s", tc.reason, progress.String())
			}
		})
	}
}

func TestProbeThrottleMeasuresWindowWithin5Percent(t *testing.T) {
	t.Parallel()
	clock := NewManualClock(epoch)
	tgt := startFake(t, &fakeThrottle{Limit: 100, Window: 2 * time.Second, Clock: clock})
	res, _, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{DeclaredWindow: 2 * time.Second, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if d := absDur(res.MeasuredWindow - 2*time.Second); d > 100*time.Millisecond {
		t.Errorf("measured window %s, want 2s ± 5 %%", res.MeasuredWindow)
	}
	var acc, thr int
	for _, p := range res.Timeline {
		acc += p.Accepted
		thr += p.Throttled
	}
	if acc < 300 || thr == 0 {
		t.Errorf("timeline has %d accepted and %d throttled calls, want the probe's calls", acc, thr)
	}
}

func TestProbeThrottleIsolation(t *testing.T) {
	t.Parallel()
	// A throttle keyed on nothing (one quota for all apps) throttles the second app too.
	clock := NewManualClock(epoch)
	tgt := startFake(t, &fakeThrottle{Limit: 100, Window: 2 * time.Second, Clock: clock, Shared: true})
	res, checks, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{DeclaredWindow: 2 * time.Second, Clock: clock, SecondApp: "secondary"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Isolated == nil || *res.Isolated {
		t.Errorf("isolated = %s, want false for a shared quota", boolText(res.Isolated))
	}
	if c, _ := checkByID(checks, "throttle.isolation"); c.Outcome != batchcert.Fail {
		t.Errorf("isolation check %s, want FAIL", c.Outcome)
	}
}

func TestProbeThrottleCancelKeepsPartial(t *testing.T) {
	t.Parallel()
	clock := NewManualClock(epoch)
	tgt := startFake(t, &fakeThrottle{Limit: 100, Window: 2 * time.Second, Clock: clock})
	ctx, cancel := context.WithCancel(context.Background())
	cfg := ThrottleConfig{DeclaredWindow: 2 * time.Second, Clock: cancelAfterSleeps{ManualClock: clock, n: 4, cancel: cancel, count: new(int)}}
	res, _, err := ProbeThrottle(ctx, tgt, cfg)
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("err = %v, want ErrPartial", err)
	}
	if res == nil || res.MeasuredLimit != 100 {
		t.Fatalf("partial result %+v, want the threshold measured before the cancel", res)
	}
}

func TestProbeThrottleBudget(t *testing.T) {
	t.Parallel()
	clock := NewManualClock(epoch)
	fake := &fakeThrottle{Limit: 100, Window: 2 * time.Second, Clock: clock}
	tgt := startFake(t, fake)
	_, _, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{DeclaredWindow: 2 * time.Second, Clock: clock, MaxRequests: 50})
	if !errors.Is(err, ErrPartial) || !errors.Is(err, errBudget) {
		t.Fatalf("err = %v, want a partial result at the request bound", err)
	}
	if fake.calls > 50 {
		t.Errorf("the fake saw %d calls, more than the bound of 50", fake.calls)
	}
}

func TestDescribeThrottle(t *testing.T) {
	t.Parallel()
	p := DescribeThrottle(ThrottleConfig{})
	s := p.String()
	for _, want := range []string{"throttle probe: at most", "about 3 declared windows (3m0s)", "1010009"} {
		if !strings.Contains(s, want) {
			t.Errorf("plan %q lacks %q", s, want)
		}
	}
	if p.MaxRequests <= 0 || p.MaxDuration != 12*time.Minute {
		t.Errorf("plan bounds %d requests %s, want positive and 12 windows", p.MaxRequests, p.MaxDuration)
	}
}

// cancelAfterSleeps cancels the probe's context on its n-th sleep.
type cancelAfterSleeps struct {
	*ManualClock
	n      int
	cancel context.CancelFunc
	count  *int
}

func (c cancelAfterSleeps) Sleep(ctx context.Context, d time.Duration) error {
	if *c.count++; *c.count >= c.n {
		c.cancel()
	}
	return c.ManualClock.Sleep(ctx, d)
}

// TestProbeThrottlePlatformTime: on a scaled clock (limits.timeScale 300: a 10 min platform
// window passes in 2 s) the probe measures in real time and reports the windows in platform
// time too, labelled, in the result and in the window check; on a real clock it adds nothing.
func TestProbeThrottlePlatformTime(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second
	cases := []struct {
		name, reason string
		scale        float64
		wantPlatform bool
	}{
		{"scaled", "platform seconds per real second 300: the rule's 10 min window is 2 s of the probe's", 300, true},
		{"real", "no timeScale: the real-time figures are the platform's", 0, false},
		{"one", "timeScale 1 is a real clock", 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := NewManualClock(epoch)
			tgt := startFake(t, &fakeThrottle{Limit: 100, Window: window, Clock: clock})
			res, checks, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{DeclaredWindow: window, Clock: clock, TimeScale: tc.scale})
			if err != nil {
				t.Fatal(err)
			}
			if res.DeclaredWindow != window || absDur(res.MeasuredWindow-window) > window/20 {
				t.Errorf("%s: real-time windows declared %s measured %s, want 2s both", tc.reason, res.DeclaredWindow, res.MeasuredWindow)
			}
			c, _ := checkByID(checks, "throttle.window")
			if !tc.wantPlatform {
				if res.Scaled() || res.TimeScale != 0 || res.PlatformDeclaredWindow != 0 || res.PlatformMeasuredWindow != 0 {
					t.Errorf("%s: platform figures on a real clock: %+v", tc.reason, res)
				}
				if strings.Contains(c.Message, "platform") {
					t.Errorf("%s: window check speaks of platform time: %s", tc.reason, c.Message)
				}
				return
			}
			if !res.Scaled() || res.TimeScale != tc.scale {
				t.Errorf("%s: timeScale %g, want %g", tc.reason, res.TimeScale, tc.scale)
			}
			if res.PlatformDeclaredWindow != 10*time.Minute {
				t.Errorf("%s: platform declared window %s, want 10m0s", tc.reason, res.PlatformDeclaredWindow)
			}
			if want := time.Duration(float64(res.MeasuredWindow) * tc.scale).Round(time.Millisecond); res.PlatformMeasuredWindow != want {
				t.Errorf("%s: platform measured window %s, want %s (300 × %s)", tc.reason, res.PlatformMeasuredWindow, want, res.MeasuredWindow)
			}
			for _, want := range []string{"(real time; in platform time at timeScale 300: measured " + batchcert.FormatDuration(res.PlatformMeasuredWindow), "declared " + batchcert.FormatDuration(10*time.Minute) + ")"} {
				if !strings.Contains(c.Message, want) {
					t.Errorf("%s: window check %q lacks %q", tc.reason, c.Message, want)
				}
			}
		})
	}
}
