package scenarios

import (
	"context"
	"testing"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

// TestRecordOutsideTasks guards the run ledger against the load probes' tasks (a run right
// after certify said "this run holds 9 of 10 slots" when the platform had 10 unfinished: the
// capacity step's queried task was in no state). A state file as older versions wrote it
// loads and keeps its entries; the probes' tasks are added once each, due by their timeout
// and a minute in real time on the target's scaled clock; HeldSlots counts them, and the next
// run's budget holds their slots.
func TestRecordOutsideTasks(t *testing.T) {
	t.Parallel()
	now := time.Now()
	st := &memStore{}
	// Written by a batchcert before RecordOutsideTasks: the suite's calls and one task.
	st.data = []byte(`{"version":1,"target":"http://t","saved":"` + now.Format(time.RFC3339Nano) + `","calls":{"app-o":["` +
		now.Format(time.RFC3339Nano) + `"]},"tasks":[{"id":"suite-1","app":"app-o","alias":"load","created":"` +
		now.Format(time.RFC3339Nano) + `","due":"` + now.Add(time.Hour).Format(time.RFC3339Nano) + `"}]}`)
	probe := []OutsideTask{
		{App: "app-o", Alias: "load", ID: "cap-1", Created: now, Timeout: 10},
		{App: "app-o", Alias: "load", ID: "race-1", Created: now, Timeout: 12},
		{App: "app-o", Alias: "load", ID: "suite-1", Created: now, Timeout: 10}, // already the suite's: kept once
		{App: "app-p", Alias: "pool.0", ID: "cap-2", Created: now},              // no timeout known: the documented maximum
	}
	if err := RecordOutsideTasks(st, "http://t", 60, probe...); err != nil {
		t.Fatal(err)
	}
	got, err := loadState(st.reader(), "http://t")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Calls["app-o"]) != 1 || len(got.Tasks) != 4 {
		t.Fatalf("calls %v, tasks %d: want the older state's call and task kept and 3 tasks added", got.Calls, len(got.Tasks))
	}
	due := map[string]time.Time{}
	for _, task := range got.Tasks {
		due[task.ID] = task.Due
	}
	for id, want := range map[string]time.Duration{"cap-1": 11 * time.Second, "race-1": 13 * time.Second, "cap-2": 2881 * time.Second, "suite-1": time.Hour} {
		if d := due[id].Sub(now); d != want {
			t.Errorf("%s is due %s after its create, want %s (its timeout and a minute, at 60 platform seconds a second)", id, d, want)
		}
	}
	n, _, err := HeldSlots(st, "http://t", "app-o")
	if err != nil || n != 3 {
		t.Errorf("HeldSlots(app-o) = %d (%v), want the suite's task and the probes' two", n, err)
	}
	if err := RecordOutsideTasks(st, "http://other", 1, probe[0]); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := HeldSlots(st, "http://t", "app-o"); n != 0 {
		t.Errorf("a record for another target kept this one's %d tasks", n)
	}
}

// TestNextRunCountsTheProbesTasks: a suite run right after certify takes the probes' tasks
// over from the state and holds their slots, and asks after each as an application of its
// own with the task's appId when the probe created it as one it does not know (pool.0).
func TestNextRunCountsTheProbesTasks(t *testing.T) {
	t.Parallel()
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	st := &memStore{}
	var tasks []OutsideTask
	for i := range 10 {
		tasks = append(tasks, OutsideTask{App: "app-o", Alias: "load", ID: "race-" + string(rune('a'+i)), Created: f.Now(), Timeout: 10 + i})
	}
	if err := RecordOutsideTasks(st, "http://127.0.0.1:1", 1, tasks...); err != nil {
		t.Fatal(err)
	}
	if err := RecordOutsideTasks(st, "http://127.0.0.1:1", 1, OutsideTask{App: "app-o", Alias: "pool.0", ID: "cap", Created: f.Now(), Timeout: 10}); err != nil {
		t.Fatal(err)
	}
	rc, _ := st.Load()
	state, err := loadState(rc, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	s := &Suite{target: &Target{BaseURL: "http://127.0.0.1:1"}, clock: f, pacer: newTestPacer(f, 100, time.Minute),
		budget: &budget{limit: 10, tasks: map[string]*ledgerTask{}, scale: 1, clock: f, say: func(string, ...any) {}, maxWait: time.Hour},
		client: &client{auth: apiclient.NewAuth(nil, map[string]apiclient.App{"primary": {AppID: "app-p"}, "load": {AppID: "app-o"}}, nil)}}
	s.budget.say = func(string, ...any) {}
	f.Sleep(context.Background(), time.Minute)
	s.restore(context.Background(), state)
	if got := s.budget.free("app-o"); got != -1 {
		t.Errorf("%d free slots of app-o, want -1: the probes left 11 tasks on its 10", got)
	}
	if got := s.budget.free("app-p"); got != 10 {
		t.Errorf("%d free slots of app-p, want all 10", got)
	}
	var capTask *ledgerTask
	for _, task := range s.budget.unfinished("app-o") {
		if task.ID == "cap" {
			capTask = task
		}
	}
	if capTask == nil {
		t.Fatal("the capacity task is not in the next run's ledger")
	}
	if alias := s.aliasOf(capTask); alias != "load" {
		t.Errorf("the capacity task of pool.0 is queried as %q, want load (the suite's application with its appId)", alias)
	}
	if alias := s.aliasOf(&ledgerTask{App: "app-x", Alias: "pool.1"}); alias != "pool.1" {
		t.Errorf("a task of an app the suite does not know is queried as %q, want its creator pool.1", alias)
	}
}
