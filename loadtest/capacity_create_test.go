package loadtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

func TestSearchCapacityCreateOnReference(t *testing.T) {
	t.Parallel()
	// A task limit of 60 holds one step of 50 creates but not two: the search passes only
	// because it resets the reference between steps, and only with unique task names (a
	// repeated name answers 200/105002, counted as an error).
	_, tgt, _ := startReference(t, refplatform.WithTaskLimit(60), refplatform.WithThrottle(
		refplatform.ThrottleConfig{Limit: 1 << 30, Window: time.Second, Type: refplatform.ThrottleFixed}))
	var progress strings.Builder
	cfg := CapacityConfig{Operation: OpCreate, Rates: []float64{100, 100}, StepDuration: 500 * time.Millisecond,
		SLOp99: 10 * time.Second, TaskLimit: 60, Progress: &progress}
	res, _, err := SearchCapacity(context.Background(), tgt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Operation != OpCreate || len(res.Steps) == 0 {
		t.Fatalf("result %+v: want create steps", res)
	}
	for i, st := range res.Steps {
		if st.ErrorRate != 0 || st.Requests == 0 || st.Requests > 50 {
			t.Errorf("step %d: %+v: want up to 50 creates, none refused", i, st)
		}
	}
	if len(res.Steps) == 2 && res.Steps[0].OK && res.Steps[1].Requests > 10 && res.Steps[1].ErrorRate != 0 {
		t.Errorf("second step refused creates: the reset between steps did not happen: %+v", res.Steps[1])
	}
}

func TestSearchCapacityCreateCountsRefusals(t *testing.T) {
	t.Parallel()
	// Without the reset (no control URL, a limit declared large enough to plan) the fake's
	// real limit of 10 refuses creates with 200/105001: the step must not look sustained.
	fake := &fakeTasks{Limit: 10}
	tgt := startFake(t, fake)
	res, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{Operation: OpCreate,
		Rates: []float64{100}, StepDuration: 300 * time.Millisecond, SLOp99: 10 * time.Second, TaskLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Steps[0]
	if st.OK || st.ErrorRate < 0.5 || res.Sustained != 0 {
		t.Errorf("step %+v sustained: want the 105001 answers counted as errors", st)
	}
}

func TestDescribeCapacityCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reason  string
		cfg     CapacityConfig
		wantErr bool
	}{
		{"real-default-limit", "400 creates on a real platform exceed the documented 10 unfinished tasks",
			CapacityConfig{Operation: OpCreate, Rates: []float64{200}, StepDuration: 2 * time.Second}, true},
		{"real-fits", "a search of 10 creates fits the documented limit",
			CapacityConfig{Operation: OpCreate, Rates: []float64{5}, StepDuration: 2 * time.Second}, false},
		{"real-total", "two steps of 8 creates are 16 unfinished tasks without a reset",
			CapacityConfig{Operation: OpCreate, Rates: []float64{4, 4}, StepDuration: 2 * time.Second}, true},
		{"reset-per-step", "with a reset between steps only each step's 8 creates must fit",
			CapacityConfig{Operation: OpCreate, Rates: []float64{4, 4}, StepDuration: 2 * time.Second, ResetBetweenSteps: true}, false},
		{"raised-limit", "a profile declaring a large limit allows a large search",
			CapacityConfig{Operation: OpCreate, Rates: []float64{200}, StepDuration: 2 * time.Second, TaskLimit: 1000}, false},
		{"unknown-op", "only query and create are loaded",
			CapacityConfig{Operation: "delete", Rates: []float64{1}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := DescribeCapacity(tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err %v", tc.reason, err)
			}
			if err != nil {
				var ee *batchcert.ExitError
				if !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage {
					t.Errorf("%s: %v is not a usage error", tc.reason, err)
				}
				if tc.name != "unknown-op" && !errors.Is(err, ErrOverTaskLimit) {
					t.Errorf("%s: %v, want ErrOverTaskLimit", tc.reason, err)
				}
				return
			}
			if !strings.Contains(p.String(), "uniquely named task") {
				t.Errorf("%s: plan lacks the create step:\n%s", tc.reason, p)
			}
		})
	}
}

func TestInFlightBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reason  string
		rate    float64
		slo     time.Duration
		workers uint64
		want    uint64
	}{
		{"little", "200 req/s held to a 50 ms p99 needs at most 10 in flight", 200, 50 * time.Millisecond, 1, 10},
		{"ceiling", "10,000 req/s at a 500 ms SLO would be 5,000: the ceiling bounds memory", 10000, 500 * time.Millisecond, 10, MaxInFlightCeiling},
		{"workers", "never fewer than the initial workers", 1, time.Millisecond, 10, 10},
	}
	for _, tc := range tests {
		if got := InFlightBound(tc.rate, tc.slo, tc.workers); got != tc.want {
			t.Errorf("%s: InFlightBound = %d, want %d", tc.reason, got, tc.want)
		}
	}
}

func TestSearchCapacityCapsInFlight(t *testing.T) {
	t.Parallel()
	// A target that stalls 100 ms per query: vegeta alone would open a worker and a
	// connection per tick. The default bound (200 req/s × 50 ms = 10) holds, and the queueing
	// it causes shows in the latency from the intended send time.
	var mu sync.Mutex
	inFlight, peak := 0, 0
	tgt := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		writeJSON(w, 200, map[string]string{"taskId": "task-1", "status": "Running"})
	}))
	res, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{TaskID: "task-1", Rates: []float64{200},
		StepDuration: 500 * time.Millisecond, SLOp99: 50 * time.Millisecond, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > 10 || peak < 2 {
		t.Errorf("the target saw %d requests at once, want at most the bound of 10 (and some concurrency)", peak)
	}
	if st := res.Steps[0]; st.OK || st.P99 < 200*time.Millisecond {
		t.Errorf("step %+v: want it failed, its p99 showing the queueing behind the cap", st)
	}
}
