package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

// TestRaceWaitsForTheRunsTasks: on a target without control, the race first waits until the
// tasks the run's suite left on its app have ended (SlotsWait), saying so, then the window.
func TestRaceWaitsForTheRunsTasks(t *testing.T) {
	t.Parallel()
	tgt := startFake(t, &fakeTasks{Limit: 10, FinishAfter: 3})
	var progress strings.Builder
	clock := NewManualClock(epoch)
	ready := SlotsWait{Held: 10, Until: epoch.Add(11 * time.Minute), MaxWait: 15 * time.Minute, WindowWait: WindowWait{Window: time.Minute, Clock: clock}}
	res, _, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Clock: clock, Progress: &progress, Ready: ready})
	if err != nil || res.Runs != 1 || res.Admitted[0] != 10 {
		t.Fatalf("%v %+v", err, res)
	}
	if !strings.Contains(progress.String(), "waiting 11m for 10 task(s) this run created on app app-primary to end before the race") {
		t.Errorf("progress does not say what the race waits for:\n%s", progress.String())
	}
	if got := clock.Now().Sub(epoch); got < 12*time.Minute {
		t.Errorf("the clock moved %s, want the 11m of the run's tasks and the 1m window", got)
	}
}

// TestRaceNotReadyIsNotRun: when the run's own tasks hold the app's slots past -max-wait,
// the race is not run: its checks are SKIPPED with the reason, never failed on slots the
// harness holds, and no create is sent.
func TestRaceNotReadyIsNotRun(t *testing.T) {
	t.Parallel()
	f := &fakeTasks{Limit: 10}
	tgt := startFake(t, f)
	clock := NewManualClock(epoch)
	ready := SlotsWait{Held: 10, Until: epoch.Add(11 * time.Minute), MaxWait: 30 * time.Second, WindowWait: WindowWait{Window: time.Minute, Clock: clock}}
	res, checks, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Clock: clock, Ready: ready})
	if err != nil || res.Runs != 0 {
		t.Fatalf("err %v, %+v: want no run and no error", err, res)
	}
	if len(checks) == 0 {
		t.Fatal("no checks: the race must say it was not run")
	}
	for _, c := range checks {
		if c.Outcome != batchcert.Skip || !strings.Contains(c.Message, "longer than -max-wait 30s") {
			t.Errorf("%s: %s %q, want SKIP naming -max-wait", c.ID, c.Outcome, c.Message)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.next != 0 {
		t.Errorf("%d creates sent by a race that was not run", f.next)
	}
}

// TestScaledRaceUsesNoAnswerDevice: on a scaled clock the race's tasks go to the noanswer
// device with the minimum timeout, so that none ends inside the burst; on a real clock they go
// to the fast device, with the 10+i-minute timeouts.
func TestScaledRaceUsesNoAnswerDevice(t *testing.T) {
	t.Parallel()
	tgt := Target{Fixture: Fixture{Devices: []string{"fast"}, NoAnswerDevice: "mute", ServiceID: "S", Method: "M"}}
	for _, c := range []struct {
		scale   float64
		device  string
		timeout string
	}{{60, `"mute"`, `"timeout":10`}, {1, `"fast"`, `"timeout":13`}} {
		cfg, err := TaskLimitConfig{TimeScale: c.scale, Runs: 1}.withDefaults(NewSession(tgt), tgt)
		if err != nil {
			t.Fatal(err)
		}
		body := string(cfg.Body("app", 0, 3))
		if !strings.Contains(body, c.device) || !strings.Contains(body, c.timeout) {
			t.Errorf("scale %g: body %s, want device %s and %s", c.scale, body, c.device, c.timeout)
		}
	}
}
