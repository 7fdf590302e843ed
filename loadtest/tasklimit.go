package loadtest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Task-limit defaults (AMB.10: 10 unfinished tasks per app; the 11th answers 200/105001).
const (
	DefaultTaskLimit       = 10
	DefaultRaceConcurrency = 50
	// DefaultRaceRuns is how many races run on a target with a control API; a target without
	// one allows a single race (nothing can empty its task slots between races).
	DefaultRaceRuns = 3
	// DefaultDrainTimeout bounds the wait for a race's admitted tasks to finish on a target
	// without a control API: on the fixture's fast device they finish in seconds.
	DefaultDrainTimeout = 3 * time.Minute
	// DefaultDrainPoll is how often a drain asks after the unfinished tasks.
	DefaultDrainPoll = 2 * time.Second
)

// Readiness waits until an app can take a probe: no unfinished task of its holds a slot and
// its throttle quota is whole. A run budget that knows the app's tasks and calls (the suite's
// ledger) can stand in for WindowWait.
type Readiness interface {
	// WaitReady blocks until app is ready, writing a progress line that says what it waits
	// for and for how long; it returns ctx's error if ctx ends first.
	WaitReady(ctx context.Context, app string, progress io.Writer) error
}

// WindowWait is the Readiness of a target without a control API whose other unfinished tasks
// are unknown: it waits one whole throttle window, so calls made just before (the throttle
// probe's) no longer count, on Clock (nil: real time).
type WindowWait struct {
	Window time.Duration
	Clock  apiclient.Clock
}

var _ Readiness = WindowWait{}

// WaitReady implements Readiness.
func (w WindowWait) WaitReady(ctx context.Context, app string, progress io.Writer) error {
	if w.Window <= 0 {
		return nil
	}
	clock := w.Clock
	if clock == nil {
		clock = apiclient.RealClock{}
	}
	fmt.Fprintf(progress, "tasklimit: waiting %s for app %s's throttle window to refill before the race\n",
		batchcert.FormatDuration(w.Window), app)
	return clock.Sleep(ctx, w.Window)
}

// ErrNotReady is a readiness wait longer than its bound: the race is not run (its checks
// are SKIPPED with the reason), never judged on slots the run's own tasks hold.
var ErrNotReady = errors.New("the app is not ready for the race")

// SlotsWait is the Readiness of a target without a control API on whose app the run still
// holds tasks it knows of (its suite's, from the run budget's ledger): it waits until the last
// of them has certainly ended, then one throttle window (WindowWait). A wait longer than
// MaxWait is not begun: WaitReady returns ErrNotReady.
type SlotsWait struct {
	// Held is how many of the app's tasks may still be unfinished; Until is the real time by
	// which the last has certainly ended.
	Held    int
	Until   time.Time
	MaxWait time.Duration
	WindowWait
}

var _ Readiness = SlotsWait{}

// WaitReady implements Readiness.
func (w SlotsWait) WaitReady(ctx context.Context, app string, progress io.Writer) error {
	clock := w.Clock
	if clock == nil {
		clock = apiclient.RealClock{}
	}
	if d := w.Until.Sub(clock.Now()); w.Held > 0 && d > 0 {
		if w.MaxWait > 0 && d > w.MaxWait {
			return fmt.Errorf("%w: %d task(s) this run created hold app %s's slots until %s, %s away, longer than -max-wait %s",
				ErrNotReady, w.Held, app, w.Until.Format(time.RFC3339), batchcert.FormatDuration(d), batchcert.FormatDuration(w.MaxWait))
		}
		fmt.Fprintf(progress, "tasklimit: waiting %s for %d task(s) this run created on app %s to end before the race (the last by %s)\n",
			batchcert.FormatDuration(d), w.Held, app, w.Until.Format("15:04:05"))
		if err := clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
	return w.WindowWait.WaitReady(ctx, app, progress)
}

// TaskLimitConfig configures RaceTaskLimit. Zero values take the defaults above.
type TaskLimitConfig struct {
	// App is the Target.Apps alias that creates the tasks.
	App string
	// Limit is the declared number of unfinished tasks per app.
	Limit int
	// Concurrency is how many creates are fired at once.
	Concurrency int
	// Runs is how many races are run; each starts with no unfinished task.
	Runs int
	// Body builds the create body of the i-th create of a run; the task's timeout must be
	// 10+i minutes (the default slot-return phase finishes the shortest one). Nil: a
	// DeviceList task on the target's Fixture.
	Body func(appID string, run, i int) []byte
	// Ready, when set, is waited on before each race that has no Reset (a real platform).
	Ready Readiness
	// DrainTimeout bounds the wait, after a race with no Finish, for its admitted tasks to
	// finish (0: DefaultDrainTimeout); what is still unfinished then is reported.
	DrainTimeout time.Duration
	// DrainPoll is how often the drain asks after the unfinished tasks (0: DefaultDrainPoll);
	// DrainPollFor derives one that keeps the polls within half the declared throttle.
	DrainPoll time.Duration
	// Clock paces the drain's polls (nil: real time).
	Clock apiclient.Clock
	// TimeScale is the target's platform seconds per real second (limits.timeScale; 0 or 1:
	// a real platform). On a scaled clock a fast device's few seconds pass within the burst
	// itself, and slots would come back during the race: the race then uses the profile's
	// noanswer device, whose tasks all end by the minimum timeout (10 minutes of platform
	// time, seconds of real time), when that ends within half of DrainTimeout.
	TimeScale float64
	// Reset empties the app's unfinished tasks before each run. Nil: the control API's reset
	// when the target has one; otherwise Runs must be 1 and the app must have none.
	Reset func(ctx context.Context) error
	// Finish makes exactly the task with the shortest timeout finish. Nil: the control API's
	// advance past that timeout; without a control URL the slot-return phase is skipped.
	Finish func(ctx context.Context, shortest time.Duration) error
	// Progress receives one line per run (nil: none).
	Progress io.Writer
	// Unfinished, when set, is told, as the race returns, every task it admitted and did not
	// see finish: those its drain still found unfinished, those of a run cut short, and with
	// Finish those of the last run (its next Reset would drop them). Each holds a slot of its
	// app until it ends.
	Unfinished func(Task)
}

func (c TaskLimitConfig) withDefaults(s *Session, t Target) (TaskLimitConfig, error) {
	if c.App == "" {
		c.App = "primary"
	}
	if c.Limit <= 0 {
		c.Limit = DefaultTaskLimit
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultRaceConcurrency
	}
	if c.Runs <= 0 {
		c.Runs = DefaultRaceRuns
		if c.Reset == nil && t.Control == "" {
			c.Runs = 1
		}
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = DefaultDrainTimeout
	}
	if c.DrainPoll <= 0 {
		c.DrainPoll = DefaultDrainPoll
	}
	if c.Clock == nil {
		c.Clock = apiclient.RealClock{}
	}
	if c.Concurrency <= c.Limit {
		return c, fmt.Errorf("concurrency %d must exceed the limit %d", c.Concurrency, c.Limit)
	}
	if c.Finish == nil && t.Control != "" && (c.Body != nil || t.Fixture.NoAnswerDevice != "") {
		c.Finish = func(ctx context.Context, shortest time.Duration) error {
			return s.ControlAdvance(ctx, shortest+time.Second)
		}
	}
	if c.Body == nil {
		if err := t.Fixture.Err(); err != nil {
			return c, err
		}
		fx := t.Fixture
		step := 1 // the i-th create's timeout is 10+i minutes: the slot-return phase finishes the shortest
		if c.Finish != nil && fx.NoAnswerDevice != "" {
			fx.Devices = []string{fx.NoAnswerDevice} // tasks that finish one at a time, by their timeouts
		} else if c.scaledTimeouts() && fx.NoAnswerDevice != "" {
			// Tasks that outlast the burst and all end by the documented minimum timeout,
			// seconds of real time: nothing finishes them one at a time.
			fx.Devices, step = []string{fx.NoAnswerDevice}, 0
		}
		c.Body = func(appID string, run, i int) []byte {
			return fx.body(appID, fmt.Sprintf("batchcert-race-%d-%d-%d", time.Now().UnixNano(), run, i), 10+step*i)
		}
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.Reset == nil && t.Control != "" {
		c.Reset = s.ControlReset
	}
	if c.Reset == nil && c.Runs > 1 {
		return c, fmt.Errorf("%d runs need a reset between them: the target has no control URL and no Reset was given", c.Runs)
	}
	return c, nil
}

// raceNote is what the plan of a race without a control API says of its tasks.
func raceNote(c TaskLimitConfig) string {
	if c.scaledTimeouts() {
		return "creates real tasks on the profile's noanswer device with the minimum timeout of 10 minutes: on this scaled clock (" +
			strconv.FormatFloat(c.TimeScale, 'g', -1, 64) + " platform seconds per second) they end in seconds; the slot-return phase needs clock control"
	}
	return "creates real tasks on the profile's first fixtures.deviceIds device: on a fast device they finish in seconds; the slot-return phase needs clock control"
}

// scaledTimeouts reports whether the target's clock is fast enough that tasks with the
// documented minimum timeout (10 minutes of platform time, a minute more for the last
// answers) end within half of the drain's wait.
func (c TaskLimitConfig) scaledTimeouts() bool {
	if c.TimeScale <= 1 || c.Finish != nil {
		return false
	}
	longest := time.Duration(float64(11*time.Minute) / c.TimeScale)
	return longest <= cmp.Or(c.DrainTimeout, DefaultDrainTimeout)/2
}

// DrainPollFor is the drain's poll interval that spends at most half of a declared throttle
// (limit calls per window) on queries of limit-many tasks, and never less than DefaultDrainPoll.
func DrainPollFor(throttleLimit int, window time.Duration, tasks int) time.Duration {
	if throttleLimit <= 0 || window <= 0 {
		return DefaultDrainPoll
	}
	return max(DefaultDrainPoll, window*time.Duration(2*tasks)/time.Duration(throttleLimit))
}

// DescribeTaskLimit returns the race's plan.
func DescribeTaskLimit(cfg TaskLimitConfig) Plan {
	c := cfg
	if c.Limit <= 0 {
		c.Limit = DefaultTaskLimit
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultRaceConcurrency
	}
	if c.Runs <= 0 {
		c.Runs = DefaultRaceRuns
	}
	maxDur := time.Duration(c.Runs) * time.Minute
	maxReq := c.Runs * (2*c.Concurrency + c.Limit + 1)
	if c.Ready != nil { // a target without a control API: a window wait, then the drain
		drain, poll := cmp.Or(c.DrainTimeout, DefaultDrainTimeout), cmp.Or(c.DrainPoll, DefaultDrainPoll)
		switch w := c.Ready.(type) {
		case WindowWait:
			maxDur += w.Window
		case SlotsWait:
			maxDur += w.Window
			if d := time.Until(w.Until); w.Held > 0 && d > 0 && (w.MaxWait <= 0 || d <= w.MaxWait) {
				maxDur += d
			}
		}
		maxDur += drain
		maxReq += c.Limit * int(drain/poll+1)
	}
	if c.Ready != nil {
		return Plan{Probe: "tasklimit", MaxInFlight: c.Concurrency, MaxDuration: maxDur, MaxRequests: maxReq,
			Steps: []string{
				"wait until the app is ready: its throttle window refilled",
				fmt.Sprintf("race: %d concurrent creates; want exactly %d admitted, the rest 200/105001", c.Concurrency, c.Limit),
				"query every admitted taskID",
				fmt.Sprintf("wait up to %s for the admitted tasks to finish; report any left", batchcert.FormatDuration(cmp.Or(c.DrainTimeout, DefaultDrainTimeout))),
			},
			Note: raceNote(c)}
	}
	return Plan{
		Probe:       "tasklimit",
		MaxInFlight: c.Concurrency,
		MaxDuration: maxDur,
		MaxRequests: maxReq,
		Steps: []string{
			"reset: no unfinished task (control reset on the reference)",
			fmt.Sprintf("race: %d concurrent creates; want exactly %d admitted, the rest 200/105001", c.Concurrency, c.Limit),
			"query every admitted taskID",
			fmt.Sprintf("finish the shortest task, %d concurrent creates again: want exactly one admitted", c.Concurrency),
			fmt.Sprintf("repeat %d times", c.Runs),
		},
		Note: "creates real tasks: against a real platform use an app with no unfinished tasks, one run, and expect them to run until their timeout",
	}
}

// raceOutcome is what one burst of creates got.
type raceOutcome struct {
	admitted []string // taskIDs
	timeouts []int    // the admitted creates' indices (their timeout is 10+i minutes)
	tasks    []Task   // the admitted tasks, for Unfinished
	rejected int
	other    []string // "status/code" of anything else
}

// add counts the i-th create's answer and returns the taskID it admitted, "" for none.
func (r *raceOutcome) add(i int, resp Response, err error) string {
	switch {
	case err != nil:
		r.other = append(r.other, "transport: "+err.Error())
	case resp.Code == CodeTaskLimit && resp.Status == http.StatusOK:
		r.rejected++
	case resp.Status == http.StatusOK && resp.Code == "":
		var body struct {
			TaskID string `json:"taskID"`
		}
		if json.Unmarshal(resp.Body, &body) != nil || body.TaskID == "" {
			r.other = append(r.other, "200 without taskID")
			return ""
		}
		r.admitted = append(r.admitted, body.TaskID)
		r.timeouts = append(r.timeouts, i)
		return body.TaskID
	default:
		r.other = append(r.other, fmt.Sprintf("%d/%s", resp.Status, resp.Code))
	}
	return ""
}

// burst fires n creates at once and collects their answers.
func burst(ctx context.Context, s *Session, cfg TaskLimitConfig, appID string, run, n int) raceOutcome {
	var (
		mu  sync.Mutex
		out raceOutcome
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range n {
		body := cfg.Body(appID, run, i)
		wg.Go(func() {
			<-start
			resp, err := s.Create(ctx, cfg.App, body)
			at := time.Now()
			mu.Lock()
			if id := out.add(i, resp, err); id != "" {
				out.tasks = append(out.tasks, Task{Alias: cfg.App, App: appID, ID: id, Created: at, Timeout: apiclient.CreateTimeout(body)})
			}
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return out
}

// RaceTaskLimit races the unfinished-task limit (RULE.tasklimit): per run, Concurrency
// concurrent creates with no unfinished task must admit exactly Limit and answer the rest
// 200/105001; every admitted task must be queryable; when one finishes, exactly one slot must
// come back. A cancelled context returns the runs done so far with an ErrPartial error.
func RaceTaskLimit(ctx context.Context, t Target, cfg TaskLimitConfig) (*batchcert.TaskLimitResult, []batchcert.Check, error) {
	s := NewSession(t)
	if err := s.Err(); err != nil {
		return nil, nil, fmt.Errorf("task-limit race: %w", err)
	}
	cfg, err := cfg.withDefaults(s, t)
	if err != nil {
		return nil, nil, batchcert.Usagef("task-limit race: %w", err)
	}
	app, err := s.App(cfg.App)
	if err != nil {
		return nil, nil, batchcert.Usagef("task-limit race: %w", err)
	}
	if _, err := s.Token(ctx, cfg.App); err != nil {
		return nil, nil, fmt.Errorf("task-limit race: %w", err)
	}
	res := &batchcert.TaskLimitResult{Limit: cfg.Limit, Concurrency: cfg.Concurrency}
	held := &heldTasks{}
	if cfg.Unfinished != nil {
		defer held.tell(cfg.Unfinished)
	}
	var (
		badRuns, badCodes, unqueryable, slotFails []string
		slotRuns                                  int
		runErr                                    error
	)
	for run := range cfg.Runs {
		if runErr = ctx.Err(); runErr != nil {
			break
		}
		if cfg.Reset != nil {
			if runErr = cfg.Reset(ctx); runErr != nil {
				break
			}
			held.reset() // the reset dropped every earlier run's tasks
		} else if cfg.Ready != nil {
			if runErr = cfg.Ready.WaitReady(ctx, app.AppID, cfg.Progress); runErr != nil {
				break
			}
		}
		if _, runErr = s.Token(ctx, cfg.App); runErr != nil {
			break
		}
		out := burst(ctx, s, cfg, app.AppID, run, cfg.Concurrency)
		held.add(out.tasks...)
		if runErr = ctx.Err(); runErr != nil {
			break
		}
		res.Runs++
		res.Admitted = append(res.Admitted, len(out.admitted))
		res.Rejected = append(res.Rejected, out.rejected)
		res.Other = append(res.Other, len(out.other))
		fmt.Fprintf(cfg.Progress, "tasklimit: run %d/%d admitted %d rejected(105001) %d other %d\n",
			run+1, cfg.Runs, len(out.admitted), out.rejected, len(out.other))
		if len(out.admitted) != cfg.Limit {
			badRuns = append(badRuns, fmt.Sprintf("run %d: %d admitted, %d answered 105001, %d other", run+1, len(out.admitted), out.rejected, len(out.other)))
		}
		if len(out.other) > 0 {
			badCodes = append(badCodes, fmt.Sprintf("run %d: %s", run+1, summarize(out.other)))
		}
		for _, id := range out.admitted {
			resp, err := queryFresh(ctx, s, cfg.App, id)
			if err != nil || resp.Status != http.StatusOK || resp.Code != "" {
				unqueryable = append(unqueryable, fmt.Sprintf("run %d: %s answered %d/%s", run+1, id, resp.Status, resp.Code))
			}
		}
		if cfg.Finish == nil {
			left := drain(ctx, s, cfg, out.admitted)
			if len(left) > 0 {
				res.Leftover = append(res.Leftover, left...)
			}
			held.keep(out.admitted, left)
			continue
		}
		if len(out.admitted) == 0 {
			continue
		}
		shortest := time.Duration(10+slices.Min(out.timeouts)) * time.Minute
		if runErr = cfg.Finish(ctx, shortest); runErr != nil {
			break
		}
		again := burst(ctx, s, cfg, app.AppID, run+cfg.Runs, cfg.Concurrency)
		held.add(again.tasks...)
		slotRuns++
		if len(again.admitted) != 1 {
			slotFails = append(slotFails, fmt.Sprintf("run %d: %d admitted after one task finished", run+1, len(again.admitted)))
		}
	}
	if slotRuns > 0 {
		ok := len(slotFails) == 0
		res.SlotReturn = &ok
	}
	res.Connections = s.Connections()
	checks := raceChecks(cfg, res, badRuns, badCodes, unqueryable, slotFails)
	if errors.Is(runErr, ErrNotReady) && res.Runs == 0 {
		fmt.Fprintf(cfg.Progress, "tasklimit: the race is not run: %v\n", runErr)
		return res, notReadyChecks(runErr), nil
	}
	if runErr != nil {
		return res, checks, fmt.Errorf("task-limit race: %w", partial(runErr))
	}
	return res, checks, nil
}

// heldTasks are the tasks a race admitted and has not seen finish, in the order admitted.
type heldTasks struct{ tasks []Task }

func (h *heldTasks) add(ts ...Task) { h.tasks = append(h.tasks, ts...) }

func (h *heldTasks) reset() { h.tasks = nil }

// keep drops those of ids that are not in left: a drain saw them finish.
func (h *heldTasks) keep(ids, left []string) {
	drop := map[string]bool{}
	for _, id := range ids {
		drop[id] = !slices.Contains(left, id)
	}
	h.tasks = slices.DeleteFunc(h.tasks, func(t Task) bool { return drop[t.ID] })
}

func (h *heldTasks) tell(to func(Task)) {
	for _, t := range h.tasks {
		to(t)
	}
}

func raceCheck(id, okMsg string, fails []string, reqs ...string) batchcert.Check {
	c := batchcert.Check{
		ID:           id,
		Scenario:     "load/tasklimit",
		Requirements: append([]string{ReqTaskLimit}, reqs...),
		Severity:     batchcert.Must,
		Outcome:      batchcert.Pass,
		Message:      okMsg,
	}
	if len(fails) > 0 {
		c.Outcome = batchcert.Fail
		c.Message = strings.Join(fails, "; ")
	}
	return c
}

func raceChecks(cfg TaskLimitConfig, res *batchcert.TaskLimitResult, badRuns, badCodes, unq, slot []string) []batchcert.Check {
	if res.Runs == 0 {
		return nil
	}
	if len(badRuns) > 0 {
		badRuns[0] = fmt.Sprintf("limit %d, %d concurrent creates: %s", cfg.Limit, cfg.Concurrency, badRuns[0])
	}
	cs := []batchcert.Check{
		raceCheck("tasklimit.admitted", fmt.Sprintf("%s of %d concurrent creates: exactly %d admitted each time", batchcert.Plural(res.Runs, "run"), cfg.Concurrency, cfg.Limit), badRuns),
		raceCheck("tasklimit.rejected-code", "every create over the limit answered 200/105001", badCodes, "ERR.create.200.105001"),
		raceCheck("tasklimit.queryable", "every admitted taskID is queryable", unq),
	}
	if res.SlotReturn != nil {
		cs = append(cs, raceCheck("tasklimit.slot-return", "when one task finished, exactly one create was admitted", slot))
	} else {
		cs = append(cs, batchcert.Check{ID: "tasklimit.slot-return", Scenario: "load/tasklimit", Requirements: []string{ReqTaskLimit},
			Severity: batchcert.Must, Outcome: batchcert.Skip, Message: "no way to finish a task (no control URL, no Finish)"})
	}
	return cs
}

// notReadyChecks are the race's checks when it was not run: SKIPPED, with why.
func notReadyChecks(err error) []batchcert.Check {
	var cs []batchcert.Check
	for _, id := range []string{"tasklimit.admitted", "tasklimit.rejected-code", "tasklimit.queryable", "tasklimit.slot-return"} {
		cs = append(cs, batchcert.Check{ID: id, Scenario: "load/tasklimit", Requirements: []string{ReqTaskLimit},
			Severity: batchcert.Must, Outcome: batchcert.Skip, Message: "not run: " + err.Error()})
	}
	return cs
}

// summarize counts equal strings: "403/1010009 x3, 500/50252 x1".
func summarize(xs []string) string {
	n := map[string]int{}
	var order []string
	for _, x := range xs {
		if n[x] == 0 {
			order = append(order, x)
		}
		n[x]++
	}
	parts := make([]string, len(order))
	for i, x := range order {
		parts[i] = fmt.Sprintf("%s x%d", x, n[x])
	}
	return strings.Join(parts, ", ")
}

// drain waits, polling, until every admitted task of a race has finished (Complete or
// Timeout), so the race leaves no task holding a slot; it returns the ids still unfinished
// when DrainTimeout (or ctx) ends the wait. Each poll prints what is left and for how long
// the race will still wait.
func drain(ctx context.Context, s *Session, cfg TaskLimitConfig, ids []string) []string {
	left := slices.Clone(ids)
	deadline := cfg.Clock.Now().Add(cfg.DrainTimeout)
	for len(left) > 0 {
		var still []string
		for _, id := range left {
			resp, err := queryFresh(ctx, s, cfg.App, id)
			if err != nil || !finished(resp) {
				still = append(still, id)
			}
		}
		left = still
		if len(left) == 0 {
			fmt.Fprintf(cfg.Progress, "tasklimit: every admitted task has finished\n")
			return nil
		}
		wait := deadline.Sub(cfg.Clock.Now())
		if wait <= 0 || ctx.Err() != nil {
			break
		}
		fmt.Fprintf(cfg.Progress, "tasklimit: waiting for %d admitted tasks to finish (up to %s more)\n",
			len(left), batchcert.FormatDuration(wait))
		if cfg.Clock.Sleep(ctx, min(cfg.DrainPoll, wait)) != nil {
			break
		}
	}
	fmt.Fprintf(cfg.Progress, "tasklimit: %d admitted tasks still unfinished after %s; they hold their app's slots until their timeout: %s\n",
		len(left), batchcert.FormatDuration(cfg.DrainTimeout), strings.Join(left, ", "))
	return left
}

// queryFresh queries taskID as alias and, when the platform answers that the token is no
// longer valid (1010005: it expired during the drain's wait, whose minutes a scaled clock
// makes hours, or another login superseded it), logs in again once and asks again: an
// expired token is the harness's, never a task that did not finish.
func queryFresh(ctx context.Context, s *Session, alias, taskID string) (Response, error) {
	resp, err := s.Query(ctx, alias, taskID)
	if err != nil || resp.Code != apiclient.CodeTokenInvalid {
		return resp, err
	}
	if tok, terr := s.Token(ctx, alias); terr == nil {
		s.auth.Invalidate(alias, tok)
	}
	return s.Query(ctx, alias, taskID)
}

// finished reports whether a query answer shows a task in a final status.
func finished(r Response) bool {
	var t struct {
		Status string `json:"status"`
	}
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &t) != nil {
		return false
	}
	return t.Status == "Complete" || t.Status == "Timeout"
}
