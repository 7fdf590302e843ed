package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

func newTestPacer(f *fakeClock, limit int, window time.Duration) *pacer {
	return &pacer{limit: limit, window: window, platformWindow: window, clock: f,
		say: func(string, ...any) {}, maxWait: time.Hour, calls: map[string][]time.Time{}}
}

// TestPacerSlidingLog: the pacer admits limit-margin calls per window, then waits until the
// oldest leave it; a burst larger than the room waits for an empty window.
func TestPacerSlidingLog(t *testing.T) {
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := newTestPacer(f, 100, time.Minute)
	ctx := context.Background()
	for i := 0; i < 95; i++ {
		if err := p.wait(ctx, "app", 1); err != nil {
			t.Fatal(err)
		}
	}
	if f.slept != 0 {
		t.Fatalf("slept %s within the room of one window", f.slept)
	}
	if err := p.wait(ctx, "app", 1); err != nil {
		t.Fatal(err)
	}
	if f.slept != time.Minute {
		t.Fatalf("the 96th call slept %s, want a window (1m)", f.slept)
	}
	if err := p.wait(ctx, "other", 1); err != nil || f.slept != time.Minute {
		t.Fatalf("another app's call waited (%v, slept %s): the quota is per app", err, f.slept)
	}
	f.slept = 0
	if err := p.wait(ctx, "app", 110); err != nil {
		t.Fatal(err)
	}
	if f.slept != time.Minute {
		t.Fatalf("a burst of 110 slept %s, want until the window was empty (1m)", f.slept)
	}
}

// TestStateCarriesTheBudget: a run's calls of the last window and its unfinished tasks reach
// the next run through its state, so the next run waits instead of meeting 1010009 or 105001.
func TestStateCarriesTheBudget(t *testing.T) {
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	tg := &Target{BaseURL: "http://127.0.0.1:1"}
	tg.Limits.Throttle.Limit, tg.Limits.Throttle.Window, tg.Limits.TaskLimit = 100, "60s", 10
	mk := func() *Suite {
		s := &Suite{target: tg, clock: f}
		s.pacer = newTestPacer(f, 100, time.Minute)
		s.budget = &budget{limit: 10, tasks: map[string]*ledgerTask{}, scale: 1, clock: f,
			say: func(string, ...any) {}, maxWait: time.Hour}
		return s
	}
	first := mk()
	first.pacer.record("app", 90)
	for i := 0; i < 10; i++ {
		first.budget.created("app", "primary", "t"+string(rune('a'+i)), 10)
	}
	first.budget.observe("ta", "Complete")
	data, err := json.Marshal(first.snapshot())
	if err != nil {
		t.Fatal(err)
	}
	f.Sleep(context.Background(), 10*time.Second)
	st, err := loadState(bytes.NewReader(data), tg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	next := mk()
	next.cfg.Progress = nil
	next.budget.say = func(format string, args ...any) { said = append(said, format) }
	next.restore(context.Background(), st)
	if got := next.budget.free("app"); got != 1 {
		t.Errorf("%d free slots after the earlier run left 9 unfinished tasks, want 1", got)
	}
	if left := next.budget.leftovers(); len(left) != 9 {
		t.Errorf("%d leftovers reported, want 9", len(left))
	}
	before := f.slept
	for i := 0; i < 6; i++ {
		if err := next.pacer.wait(context.Background(), "app", 1); err != nil {
			t.Fatal(err)
		}
	}
	if f.slept == before {
		t.Error("the next run's calls did not wait, though the earlier run used 90 of the window's 100 calls 10 s ago")
	}
	other, err := loadState(bytes.NewReader(data), "http://elsewhere")
	if err != nil || len(other.Calls)+len(other.Tasks) != 0 {
		t.Errorf("a state of another target was taken over: %+v, %v", other, err)
	}
	if _, err := loadState(strings.NewReader("not json"), tg.BaseURL); err == nil {
		t.Error("a corrupt state file was read as a state")
	}
}

// TestLedgerWaitsForASlot: with every slot held by the run's own tasks, a create waits, asking
// the platform for their status, until one has finished.
func TestLedgerWaitsForASlot(t *testing.T) {
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b := &budget{limit: 2, tasks: map[string]*ledgerTask{}, scale: 1, clock: f,
		say: func(string, ...any) {}, maxWait: time.Hour}
	b.created("app", "primary", "t1", 10)
	b.created("app", "primary", "t2", 10)
	queries := 0
	b.query = func(_ context.Context, task *ledgerTask) string {
		queries++
		if task.ID == "t1" && f.slept >= 20*time.Second {
			return "Complete"
		}
		return "Running"
	}
	if err := b.acquire(context.Background(), "app", 1); err != nil {
		t.Fatal(err)
	}
	if f.slept < 20*time.Second || queries == 0 {
		t.Errorf("acquired after %s and %d queries, want a wait until t1 finished", f.slept, queries)
	}
	b.maxWait = time.Second
	err := b.acquire(context.Background(), "app", 2)
	var be *budgetError
	if !asBudgetError(err, &be) {
		t.Fatalf("a slot wait past -max-wait gave %v, want a not-run budget error", err)
	}
}

func asBudgetError(err error, be **budgetError) bool {
	e, ok := err.(*budgetError)
	if ok {
		*be = e
	}
	return ok
}

// TestUnprovokedLimitsAreRetried: a platform answering 1010009 or 105001 to calls the run did
// not mean to throttle or to fill the task limit with is enforcing its limits on other
// clients' account: the run backs off, says so, retries, and the check passes.
func TestUnprovokedLimitsAreRetried(t *testing.T) {
	var throttled, full atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		switch {
		case strings.HasSuffix(r.URL.Path, "/login"):
			io.WriteString(w, `{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":"a1","refreshToken":"r1"}`)
		case r.Method == http.MethodPost && throttled.Add(1) == 1:
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error_code":"1010009","error_desc":"app throttle exceed."}`)
		case r.Method == http.MethodPost && full.Add(1) <= 2:
			io.WriteString(w, `{"error_code":"105001","error_desc":"The batchTask count has reached the limit."}`)
		case r.Method == http.MethodPost:
			io.WriteString(w, `{"taskID":"t-1"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tg := ReferenceTarget()
	tg.BaseURL, tg.Control, tg.GraphQL = srv.URL, nil, nil
	sc, err := ParseScenario("limits.yaml", []byte(`name: limits
description: one create, which the platform first throttles, then finds at its task limit
steps:
  - name: create
    request:
      method: POST
      path: /iocm/app/batchtask/v1.1.0/tasks
      body: {appId: "{{.primaryAppId}}", taskName: "n-{{uniq}}", taskType: DeviceCmd, timeout: 10,
             param: {type: DeviceList, deviceList: ["d1"], command: {serviceId: s, method: m}}}
    expect:
      - {status: 200, success: true, requirements: [RSP.create.taskID]}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var mu sync.Mutex
	var progress bytes.Buffer
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Scenarios: []*Scenario{sc},
		Clock: f, Progress: lockedWriter{&mu, &progress}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Scenario == "limits" && c.Outcome != batchcert.Pass {
			t.Errorf("%s: %s %s", c.ID, c.Outcome, c.Message)
		}
	}
	out := progress.String()
	for _, want := range []string{"met 1010009", "met 105001"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr does not say the run %s:\n%s", want, out)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
