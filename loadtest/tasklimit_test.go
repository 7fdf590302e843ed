package loadtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

func TestRaceTaskLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string
		fake   *fakeTasks
		want   map[string]batchcert.Outcome
		msg    string
	}{
		{"atomic", "a server that checks and inserts atomically admits exactly 10 every run",
			&fakeTasks{Limit: 10},
			map[string]batchcert.Outcome{"tasklimit.admitted": batchcert.Pass, "tasklimit.rejected-code": batchcert.Pass,
				"tasklimit.queryable": batchcert.Pass, "tasklimit.slot-return": batchcert.Pass}, ""},
		{"racy", "check-then-insert in two critical sections over-admits under 50 concurrent creates",
			&fakeTasks{Limit: 10, Racy: true},
			map[string]batchcert.Outcome{"tasklimit.admitted": batchcert.Fail}, "limit 10, 50 concurrent creates: run 1:"},
		{"admits-11", "an off-by-one limit admits 11 and frees two slots' worth",
			&fakeTasks{Limit: 10, Extra: 1},
			map[string]batchcert.Outcome{"tasklimit.admitted": batchcert.Fail, "tasklimit.rejected-code": batchcert.Pass},
			"run 1: 11 admitted, 39 answered 105001, 0 other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tgt := startFake(t, tc.fake)
			tgt.Control = tgt.BaseURL
			var progress strings.Builder
			res, checks, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Progress: &progress})
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if res.Runs != DefaultRaceRuns || len(res.Admitted) != DefaultRaceRuns {
				t.Errorf("%s: %d runs recorded, want %d", tc.reason, res.Runs, DefaultRaceRuns)
			}
			for id, want := range tc.want {
				c, _ := checkByID(checks, id)
				if c.Outcome != want {
					t.Errorf("%s: %s = %s (%s), want %s", tc.reason, id, c.Outcome, c.Message, want)
				}
			}
			if c, _ := checkByID(checks, "tasklimit.admitted"); tc.msg != "" && !strings.Contains(c.Message, tc.msg) {
				t.Errorf("%s: message %q lacks %q", tc.reason, c.Message, tc.msg)
			}
			if strings.Count(progress.String(), "tasklimit: run") != DefaultRaceRuns {
				t.Errorf("%s: progress %q, want a line per run", tc.reason, progress.String())
			}
		})
	}
}

func TestRaceTaskLimitNeedsReset(t *testing.T) {
	t.Parallel()
	tgt := startFake(t, &fakeTasks{Limit: 10})
	_, _, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Runs: 2})
	var ee *batchcert.ExitError
	if !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage {
		t.Fatalf("err = %v, want a usage error: two runs without a way to reset", err)
	}
	var progress strings.Builder
	clock := NewManualClock(epoch)
	res, checks, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Clock: clock, DrainTimeout: 10 * time.Second, Progress: &progress})
	if err != nil || res.Runs != 1 || res.Admitted[0] != 10 {
		t.Fatalf("one run (the default) without control: %v %+v", err, res)
	}
	if c, _ := checkByID(checks, "tasklimit.slot-return"); c.Outcome != batchcert.Skip {
		t.Errorf("slot-return %s, want SKIP without a way to finish a task", c.Outcome)
	}
	if len(res.Leftover) != 10 || !strings.Contains(progress.String(), "10 admitted tasks still unfinished after 10s") {
		t.Errorf("tasks that never finish are reported as left behind: leftover %v, progress %q", res.Leftover, progress.String())
	}
}

// TestRaceTaskLimitDrains: without a control API the race waits, with progress lines, until
// its admitted tasks have finished, and waits for the throttle window to refill first.
func TestRaceTaskLimitDrains(t *testing.T) {
	t.Parallel()
	tgt := startFake(t, &fakeTasks{Limit: 10, FinishAfter: 3})
	var progress strings.Builder
	clock := NewManualClock(epoch)
	res, _, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Clock: clock, Progress: &progress,
		Ready: WindowWait{Window: time.Minute, Clock: clock}})
	if err != nil || res.Admitted[0] != 10 {
		t.Fatalf("%v %+v", err, res)
	}
	out := progress.String()
	for _, want := range []string{"waiting 1m for app app-primary's throttle window to refill", "waiting for 10 admitted tasks to finish", "every admitted task has finished"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	if len(res.Leftover) != 0 {
		t.Errorf("leftover %v, want none: every task finished", res.Leftover)
	}
	if got := clock.Now().Sub(epoch); got < time.Minute {
		t.Errorf("the clock moved %s, want at least the 1m window wait", got)
	}
}

// TestRaceNeedsFixture: a profile without devices or a command names the fields it lacks.
func TestRaceNeedsFixture(t *testing.T) {
	t.Parallel()
	tgt := startFake(t, &fakeTasks{Limit: 10})
	tgt.Fixture = Fixture{Devices: []string{"d"}}
	_, _, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{})
	if err == nil || !strings.Contains(err.Error(), "fixtures.serviceId and fixtures.method") {
		t.Fatalf("err %v, want one naming fixtures.serviceId and fixtures.method", err)
	}
}

func TestRaceTaskLimitCancelled(t *testing.T) {
	t.Parallel()
	tgt := startFake(t, &fakeTasks{Limit: 10})
	tgt.Control = tgt.BaseURL
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	cfg := TaskLimitConfig{Reset: func(ctx context.Context) error {
		if runs++; runs == 2 {
			cancel()
		}
		return nil
	}}
	res, _, err := RaceTaskLimit(ctx, tgt, cfg)
	if !errors.Is(err, ErrPartial) || res == nil || res.Runs != 1 {
		t.Fatalf("err %v, result %+v: want a partial result with the first run", err, res)
	}
}

func TestDrainPollFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		limit  int
		window time.Duration
		tasks  int
		want   time.Duration
		why    string
	}{
		{100, time.Minute, 10, 12 * time.Second, "10 tasks every 12 s spend half of 100 per minute"},
		{100, 10 * time.Second, 10, DefaultDrainPoll, "a short window still polls no faster than DefaultDrainPoll"},
		{0, time.Minute, 10, DefaultDrainPoll, "no declared throttle"},
	} {
		if got := DrainPollFor(tc.limit, tc.window, tc.tasks); got != tc.want {
			t.Errorf("%s: DrainPollFor(%d, %s, %d) = %s, want %s", tc.why, tc.limit, tc.window, tc.tasks, got, tc.want)
		}
	}
}
