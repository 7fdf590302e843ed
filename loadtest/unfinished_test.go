package loadtest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// told collects what a probe tells its Unfinished.
type told struct {
	mu    sync.Mutex
	tasks []Task
}

func (c *told) add(t Task) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tasks = append(c.tasks, t)
}

func (c *told) list() []Task {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Task(nil), c.tasks...)
}

// TestRaceTellsItsUnfinishedTasks guards the run ledger against the race's tasks: the tasks
// a race admitted and did not see finish are told to Unfinished, each with its app, alias and
// the timeout its create asked, so that certify can write them into the run's state; tasks
// its drain saw finish, and tasks a reset dropped, are not.
func TestRaceTellsItsUnfinishedTasks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, reason string
		fake         *fakeTasks
		control      bool
		want         int
	}{
		{"never-finish", "a drain that gives up leaves all 10 admitted tasks holding their slots", &fakeTasks{Limit: 10}, false, 10},
		{"drained", "tasks the drain saw finish hold no slot", &fakeTasks{Limit: 10, FinishAfter: 3}, false, 0},
		{"control", "with a control API each run's reset drops the runs before: the last run's 10 and its slot-return create are left",
			&fakeTasks{Limit: 10}, true, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tgt := startFake(t, tc.fake)
			if tc.control {
				tgt.Control = tgt.BaseURL
			}
			var got told
			before := time.Now()
			cfg := TaskLimitConfig{Clock: NewManualClock(epoch), DrainTimeout: 10 * time.Second, Unfinished: got.add}
			res, _, err := RaceTaskLimit(context.Background(), tgt, cfg)
			if err != nil {
				t.Fatal(err)
			}
			tasks := got.list()
			if len(tasks) != tc.want {
				t.Fatalf("%s: %d tasks told (leftover %v), want %d", tc.reason, len(tasks), res.Leftover, tc.want)
			}
			seen := map[string]bool{}
			for _, task := range tasks {
				if task.Alias != "primary" || task.App != "app-primary" || task.ID == "" || seen[task.ID] {
					t.Errorf("%s: task %+v: want a distinct id of primary's app-primary", tc.reason, task)
				}
				seen[task.ID] = true
				if task.Timeout < 10 || task.Timeout >= 10+DefaultRaceConcurrency || task.Created.Before(before) {
					t.Errorf("%s: task %+v: want the 10+i minutes its create asked, created during the race", tc.reason, task)
				}
			}
			if !tc.control {
				for _, id := range res.Leftover {
					if !seen[id] {
						t.Errorf("%s: leftover %s was not told", tc.reason, id)
					}
				}
			}
		})
	}
}

// TestCapacityTellsItsTasks guards the run ledger against the capacity search's tasks: the
// task it creates to query is told to Unfinished as soon as it is created, on the app the
// search loads, with the documented minimum timeout; a create search tells every create
// admitted.
func TestCapacityTellsItsTasks(t *testing.T) {
	t.Parallel()
	tgt := queryServer(t, 0, false)
	var got told
	cfg := CapacityConfig{App: "secondary", Rates: []float64{20}, StepDuration: 100 * time.Millisecond, SLOp99: 10 * time.Second,
		Unfinished: got.add}
	if _, _, err := SearchCapacity(context.Background(), tgt, cfg); err != nil {
		t.Fatal(err)
	}
	tasks := got.list()
	if len(tasks) != 1 {
		t.Fatalf("told %+v, want the one queried task", tasks)
	}
	if q := tasks[0]; q.Alias != "secondary" || q.App != "app-secondary" || q.ID != "task-1" || q.Timeout != 10 || q.Created.IsZero() {
		t.Errorf("queried task %+v: want task-1 of the loaded app secondary (app-secondary), timeout 10", q)
	}

	var created told
	cfg = CapacityConfig{Operation: OpCreate, Rates: []float64{20}, StepDuration: 250 * time.Millisecond, SLOp99: 10 * time.Second,
		Unfinished: created.add}
	res, _, err := SearchCapacity(context.Background(), tgt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tasks = created.list()
	if len(res.Steps) != 1 || res.Steps[0].Requests == 0 || len(tasks) != res.Steps[0].Requests {
		t.Fatalf("told %d tasks for steps %+v: want one per admitted create", len(tasks), res.Steps)
	}
	for _, c := range tasks {
		if c.App != "app-primary" || c.ID != "task-1" || c.Timeout != 10 {
			t.Errorf("created task %+v: want primary's, timeout 10", c)
		}
	}
}

// TestCapacityRefusedCreateTellsNothing: a queried task the platform refused holds no slot.
func TestCapacityRefusedCreateTellsNothing(t *testing.T) {
	t.Parallel()
	tgt := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		writeCode(w, 200, CodeTaskLimit, "full")
	}))
	var got told
	_, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{Rates: []float64{20}, StepDuration: 100 * time.Millisecond, Unfinished: got.add})
	if err == nil || len(got.list()) != 0 {
		t.Errorf("err %v, told %+v: want the refusal and nothing told", err, got.list())
	}
}
