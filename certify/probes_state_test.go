package certify

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// memState is a scenarios.StateStore in memory.
type memState struct{ data []byte }

func (m *memState) Load() (io.ReadCloser, error) {
	if m.data == nil {
		return nil, nil
	}
	return io.NopCloser(bytes.NewReader(m.data)), nil
}

func (m *memState) Save(data []byte) error { m.data = append([]byte(nil), data...); return nil }

// TestCapacityTaskIsInTheState guards against a run right after certify undercounting a
// platform's unfinished tasks (it said "this run holds 9 of 10 slots" where the platform had
// 10: the capacity step's queried task was in no state). Against the reference as a real
// platform, the capacity step creates its queried task on the profile's load app, leaving
// primary's slots to the next run's suite, or on primary when the tasks the run knows of
// fill the load app; the state certify saves after the probes holds that task, so the next
// run counts it (HeldSlots, and the suite's budget as TestNextRunCountsTheProbesTasks shows).
func TestCapacityTaskIsInTheState(t *testing.T) {
	if testing.Short() {
		t.Skip("a real-time capacity step")
	}
	t.Parallel()
	for _, tc := range []struct {
		name, reason string
		held         *loadtest.SlotsWait
		app, notApp  string
	}{
		{"load-app", "the load app is there to be used up", nil, "app-other", "app-primary"},
		{"load-app-full", "the suite's tasks hold every slot of the load app: its create would meet 105001",
			&loadtest.SlotsWait{Held: 10, Until: time.Now().Add(time.Hour)}, "app-primary", "app-other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref, err := StartReference(refplatform.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = ref.Close() })
			target := *ref.Target
			target.Control = nil
			p := &Platform{Target: &target, Secrets: ref.Secrets}
			var progress strings.Builder
			l := Load{StepDuration: time.Second, SLOp99: 5 * time.Second, Progress: &progress, tasks: &probeTasks{}, held: tc.held}
			res := NewLoadResults(p, "certify")
			if err := Probe(context.Background(), p, ProbeCapacity, l, res); err != nil {
				t.Fatal(err)
			}
			if res.Load.Capacity == nil || len(res.Load.Capacity.Steps) != 1 {
				t.Fatalf("no capacity step:\n%s", progress.String())
			}
			state := &memState{}
			saveProbes(state, p.Target, l)
			n, until, err := scenarios.HeldSlots(state, target.BaseURL, tc.app)
			if err != nil || n != 1 || time.Until(until) < 10*time.Minute {
				t.Errorf("%s: the state holds %d task(s) of %s until %s (%v), want the queried task, due after its 10-minute timeout\n%s",
					tc.reason, n, tc.app, until, err, progress.String())
			}
			if n, _, _ := scenarios.HeldSlots(state, target.BaseURL, tc.notApp); n != 0 {
				t.Errorf("%s: the state holds %d task(s) of %s, want none", tc.reason, n, tc.notApp)
			}
		})
	}
}

// TestProbesTellTheirTasks: certify's race and capacity search tell their tasks to the run's
// collector when the run keeps a state, and to nothing otherwise.
func TestProbesTellTheirTasks(t *testing.T) {
	t.Parallel()
	target := scenarios.ReferenceTarget()
	l := Load{tasks: &probeTasks{}}
	cc, err := capacityConfig(target, false, l)
	if err != nil {
		t.Fatal(err)
	}
	if taskLimitConfig(target, false, l, nil).Unfinished == nil || cc.Unfinished == nil {
		t.Error("a probe's tasks are not collected for the run's state")
	}
	cc, _ = capacityConfig(target, false, Load{})
	if taskLimitConfig(target, false, Load{}, nil).Unfinished != nil || cc.Unfinished != nil {
		t.Error("a run without a state collects the probes' tasks")
	}
}
