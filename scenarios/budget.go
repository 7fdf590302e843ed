package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

// The run budget: what the suite knows of its own footprint on the target's declared limits.
// A platform that correctly enforces its limits must never be reported as failing because the
// suite itself filled them: the suite counts its unfinished tasks per application and waits for
// a slot before a create that needs one, and paces its calls under the declared throttle, across
// process boundaries (runState).

// Defaults of the budget.
const (
	// DefaultMaxWait bounds one wait of the budget (a task slot, a throttle window, a real-time
	// step) in real time; past it the step is not run, and says why.
	DefaultMaxWait = 15 * time.Minute
	// slotRefresh is the least real time between two refreshes of the ledger's unfinished tasks.
	slotRefresh = 5 * time.Second
)

// NeededMaxWait is the -max-wait that runs a wait of d real time: d plus a minute for the
// calls around it, rounded up to whole minutes.
func NeededMaxWait(d time.Duration) time.Duration {
	return (d + time.Minute).Truncate(time.Minute) + time.Minute
}

// ledgerTask is a task the suite created (this run or an earlier one, from the state file).
type ledgerTask struct {
	ID       string    `json:"id"`
	App      string    `json:"app"`   // the appId the task belongs to
	Alias    string    `json:"alias"` // the profile's application that created it
	Created  time.Time `json:"created"`
	Due      time.Time `json:"due"` // real time by which its timeout has certainly passed
	Finished bool      `json:"finished,omitempty"`
	Earlier  bool      `json:"-"` // left by an earlier run
}

// budget is the ledger of the suite's unfinished tasks per application, against the declared
// task limit (reading AMB.10: per app, Pending and Running tasks count).
type budget struct {
	mu    sync.Mutex
	limit int
	tasks map[string]*ledgerTask
	// scale is platform seconds per real second (limits.timeScale), to turn task timeouts into
	// real time.
	scale float64
	clock apiclient.Clock // real time
	say   func(format string, args ...any)
	// query reads a task's status through the client; "" when the answer said nothing usable.
	query   func(ctx context.Context, t *ledgerTask) string
	maxWait time.Duration
	last    time.Time // last refresh
	// racing holds the apps a burst of creates has every slot of, from its acquire until its
	// creates are in the ledger (raced): in real-time mode scenarios run in parallel, and a
	// create of another one in between would take a slot the race counts on.
	racing map[string]bool
	// driven is set when the run drives the platform (the control API): it is reset for every
	// scenario and its clock moves only when advanced, so a slot never frees in real time and
	// acquire does not wait (a task the ledger still counts is the platform's finding to make).
	driven bool
}

func (b *budget) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tasks = map[string]*ledgerTask{}
}

// created records a task a create answered.
func (b *budget) created(app, alias, id string, timeoutMinutes int) {
	if id == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tasks == nil {
		b.tasks = map[string]*ledgerTask{}
	}
	now := b.clock.Now()
	b.tasks[id] = &ledgerTask{ID: id, App: app, Alias: alias, Created: now, Due: taskDue(b.scale, now, timeoutMinutes)}
}

// taskDue is the real time by which a task created at created (real time) with a timeout of
// timeoutMinutes (platform time; 0 or less: unknown, the documented maximum of 2880) has
// certainly ended: its timeout and a minute for the last answers (AMB.R8), in real time on a
// clock of scale platform seconds per real second (limits.timeScale).
func taskDue(scale float64, created time.Time, timeoutMinutes int) time.Time {
	if timeoutMinutes <= 0 {
		timeoutMinutes = 2880
	}
	return created.Add(realDuration(scale, time.Duration(timeoutMinutes)*time.Minute) + realDuration(scale, time.Minute))
}

// observe records a status a query answered for a task.
func (b *budget) observe(id, status string) {
	if status != "Complete" && status != "Timeout" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.tasks[id]; t != nil {
		t.Finished = true
	}
}

// real turns a platform duration into real time.
func (b *budget) real(d time.Duration) time.Duration { return realDuration(b.scale, d) }

// realDuration turns a platform duration into real time on a clock of scale platform seconds
// per real second (limits.timeScale; 0 or 1: a real platform's own).
func realDuration(scale float64, d time.Duration) time.Duration {
	if scale > 0 && scale != 1 {
		return time.Duration(float64(d) / scale)
	}
	return d
}

// unfinished returns copies of the app's tasks not known to be finished, oldest first.
func (b *budget) unfinished(app string) []*ledgerTask {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.unfinishedLocked(app)
}

func (b *budget) unfinishedLocked(app string) []*ledgerTask {
	now := b.clock.Now()
	var out []*ledgerTask
	for _, t := range b.tasks {
		if t.App != app || t.Finished {
			continue
		}
		if !now.Before(t.Due) {
			t.Finished = true // past its timeout: Timeout at the latest (AMB.R8)
			continue
		}
		cp := *t // a copy: the ledger's own entries change under its lock only
		out = append(out, &cp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// free returns how many of the app's slots the ledger does not hold.
func (b *budget) free(app string) int {
	if b == nil || b.limit <= 0 {
		return 0
	}
	return b.limit - len(b.unfinished(app))
}

// refresh asks the platform for the status of the app's unfinished tasks.
func (b *budget) refresh(ctx context.Context, app string) {
	if b.query == nil {
		return
	}
	for _, t := range b.unfinished(app) {
		if ctx.Err() != nil {
			return
		}
		b.observe(t.ID, b.query(ctx, t))
	}
	b.mu.Lock()
	b.last = b.clock.Now()
	b.mu.Unlock()
}

// acquire waits until the app has at least need slots the ledger does not hold; need 0 means
// every slot (a race on the task limit). It refreshes the ledger from the platform while it
// waits and says on stderr what it waits for.
func (b *budget) acquire(ctx context.Context, app string, need int) error {
	if b == nil || b.limit <= 0 || b.driven {
		return nil
	}
	race := need <= 0
	if need <= 0 || need > b.limit {
		need = b.limit
	}
	start := b.clock.Now()
	said := false
	for {
		if b.holdFor(app, race, need) {
			return nil
		}
		if b.isRacing(app) {
			// Another scenario's burst holds the app's slots until its creates are counted.
			if waited := b.clock.Now().Sub(start); waited > b.maxWait {
				return &budgetError{fmt.Sprintf("waited %s for another scenario's race on the task slots of %s", roundDur(waited), app)}
			}
			if err := b.clock.Sleep(ctx, racePoll); err != nil {
				return err
			}
			continue
		}
		held := b.unfinished(app)
		b.mu.Lock()
		stale := b.clock.Now().Sub(b.last) >= slotRefresh
		b.mu.Unlock()
		if stale {
			b.refresh(ctx, app)
			if b.holdFor(app, race, need) {
				return nil
			}
			held = b.unfinished(app)
		}
		if len(held) == 0 {
			continue // a race that held the app ended meanwhile
		}
		waited := b.clock.Now().Sub(start)
		if waited > b.maxWait {
			return &budgetError{fmt.Sprintf("waited %s for %d free task slot(s) of %s; this run still holds %d unfinished task(s) (the first due by %s)",
				roundDur(waited), need, app, len(held), held[0].Due.Format(time.RFC3339))}
		}
		d := slotRefresh
		if until := held[0].Due.Sub(b.clock.Now()); until < d {
			d = max(until, 10*time.Millisecond)
		}
		if !said {
			b.say("budget: waiting for %d free task slot(s) of %s: this run holds %d unfinished task(s) of its %d (the first due by %s); checking every %s",
				need, app, len(held), b.limit, held[0].Due.Format("15:04:05"), roundDur(slotRefresh))
			said = true
		}
		if err := b.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// racePoll is how often a create waiting for another scenario's race looks again.
const racePoll = 50 * time.Millisecond

// holdFor reports whether the app has need slots the ledger does not hold and no race holds
// it; for a race (every slot) it then holds the app until raced.
func (b *budget) holdFor(app string, race bool, need int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.racing[app] || b.limit-len(b.unfinishedLocked(app)) < need {
		return false
	}
	if race {
		if b.racing == nil {
			b.racing = map[string]bool{}
		}
		b.racing[app] = true
	}
	return true
}

func (b *budget) isRacing(app string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.racing[app]
}

// raced lets other creates on app go on: a race's creates are in the ledger now.
func (b *budget) raced(app string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.racing, app)
}

// budgetError is a wait of the budget that ran out: the step is not run, and the platform is
// not blamed for it.
type budgetError struct{ msg string }

func (e *budgetError) Error() string { return "not run: " + e.msg }

// leftovers returns the tasks of earlier runs the ledger still counts as unfinished.
func (b *budget) leftovers() []*ledgerTask {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*ledgerTask
	for _, app := range b.appsLocked() {
		for _, t := range b.unfinishedLocked(app) {
			if t.Earlier {
				out = append(out, t)
			}
		}
	}
	return out
}

func (b *budget) appsLocked() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range b.tasks {
		if !seen[t.App] {
			seen[t.App] = true
			out = append(out, t.App)
		}
	}
	sort.Strings(out)
	return out
}

// pacer keeps the suite's calls under the target's declared throttle (RULE.throttle), so that
// only the throttle scenarios meet 1010009. It keeps a log of every batch-task call the run made
// per application (paced or not: the platform counts them all), and before a paced call waits
// until the last window holds fewer than limit-margin of them. A sliding log is the cautious
// reading of every window the docs allow (AMB.9): calls that fit a sliding window of that size
// fit any fixed window too. On the reference it advances the clock instead of waiting.
type pacer struct {
	mu     sync.Mutex
	limit  int
	window time.Duration // real time, margin included
	// platformWindow is the declared window in platform time (what platform advances).
	platformWindow time.Duration
	// platform, on a reference with a control API, is its clock: a full window is advanced
	// instead of waited for. clock is real time.
	platform apiclient.Clock
	clock    apiclient.Clock
	say      func(format string, args ...any)
	maxWait  time.Duration
	calls    map[string][]time.Time
}

// pacerMargin is how many calls of a window the pacer leaves unused (user calls, skew).
func (p *pacer) margin() int {
	return max(1, min(5, p.limit/20))
}

func (p *pacer) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = map[string][]time.Time{}
}

// pruneLocked drops the calls that left the window.
func (p *pacer) pruneLocked(app string, now time.Time) []time.Time {
	log := p.calls[app]
	i := 0
	for i < len(log) && now.Sub(log[i]) >= p.window {
		i++
	}
	log = log[i:]
	if p.calls == nil {
		p.calls = map[string][]time.Time{}
	}
	p.calls[app] = log
	return log
}

// record logs n calls of app sent now without waiting (a burst meant to meet the throttle).
func (p *pacer) record(app string, n int) {
	if p == nil || p.limit <= 0 || app == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	log := p.pruneLocked(app, now)
	for i := 0; i < n; i++ {
		log = append(log, now)
	}
	p.calls[app] = log
}

// wait blocks until n more calls of app fit the window under the margin (n above that: until
// the window is empty), then logs them.
func (p *pacer) wait(ctx context.Context, app string, n int) error {
	return p.waitRoom(ctx, app, n, true)
}

// waitRoom is wait; logged false leaves the calls to be logged as they are sent (record).
func (p *pacer) waitRoom(ctx context.Context, app string, n int, logged bool) error {
	if p == nil || p.limit <= 0 || app == "" {
		return nil
	}
	room := p.limit - p.margin()
	start := p.clock.Now()
	said := false
	for {
		p.mu.Lock()
		now := p.clock.Now()
		log := p.pruneLocked(app, now)
		fits := len(log)+n <= room || len(log) == 0
		if fits {
			for i := 0; logged && i < n; i++ {
				log = append(log, now)
			}
			p.calls[app] = log
			p.mu.Unlock()
			return nil
		}
		if p.platform != nil {
			p.mu.Unlock()
			secs := int(p.platformWindow/time.Second) + 1
			if err := p.platform.Sleep(ctx, time.Duration(secs)*time.Second); err != nil {
				return err
			}
			p.mu.Lock()
			p.calls = map[string][]time.Time{}
			p.mu.Unlock()
			continue
		}
		// Sleep until enough calls leave the window.
		need := len(log) + n - room
		if need > len(log) || need <= 0 {
			need = len(log)
		}
		d := p.window - now.Sub(log[need-1])
		p.mu.Unlock()
		if waited := p.clock.Now().Sub(start); waited+d > p.maxWait && p.maxWait > 0 {
			return &budgetError{fmt.Sprintf("the throttle budget of %s would take %s more (limit -max-wait %s)", app, roundDur(d), roundDur(p.maxWait))}
		}
		if !said && d >= time.Second {
			p.say("budget: pausing %s for %s's throttle window: %d of its %d calls per %s were made by this run in the last window",
				roundDur(d), app, len(log), p.limit, roundDur(p.window))
			said = true
		}
		if err := p.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// exhausted marks the app's window as used up now: the platform answered 1010009 to a call
// the run did not mean to throttle (another client, or the user's own calls).
func (p *pacer) exhausted(app string) {
	if p == nil || p.limit <= 0 {
		return
	}
	p.record(app, p.limit)
}

// roundDur rounds a duration for people: 41s, 1m30s, 250ms.
func roundDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Millisecond).String()
	}
}

// runState is what a run leaves for the next one against the same target (Config.StateFile):
// its calls of the last throttle window per application and its tasks that may still be
// unfinished. A run right after another one is neither throttled into failures nor surprised by
// a full task limit.
type runState struct {
	Version int                    `json:"version"`
	Target  string                 `json:"target"`
	Saved   time.Time              `json:"saved"`
	Calls   map[string][]time.Time `json:"calls"`
	Tasks   []*ledgerTask          `json:"tasks"`
}

const stateVersion = 1

// maxStateBytes caps the state file read back.
const maxStateBytes = 4 << 20

// loadState reads the state a previous run against target left; a missing file is no state,
// a file of another target is ignored.
func loadState(r io.Reader, target string) (*runState, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxStateBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStateBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxStateBytes)
	}
	var st runState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("not a batchcert state file: %w", err)
	}
	if st.Version != stateVersion || st.Target != target {
		return &runState{}, nil
	}
	return &st, nil
}

// snapshot is the state to save now.
func (s *Suite) snapshot() *runState {
	st := &runState{Version: stateVersion, Target: s.target.BaseURL, Saved: time.Now(), Calls: map[string][]time.Time{}}
	s.pacer.mu.Lock()
	now := s.pacer.clock.Now()
	for app := range s.pacer.calls {
		if log := s.pacer.pruneLocked(app, now); len(log) > 0 {
			st.Calls[app] = append([]time.Time(nil), log...)
		}
	}
	s.pacer.mu.Unlock()
	s.budget.mu.Lock()
	for _, app := range s.budget.appsLocked() {
		st.Tasks = append(st.Tasks, s.budget.unfinishedLocked(app)...)
	}
	s.budget.mu.Unlock()
	return st
}

// restore takes over an earlier run's state and reports the tasks it left unfinished.
func (s *Suite) restore(ctx context.Context, st *runState) {
	if st == nil {
		return
	}
	now := s.clock.Now()
	s.pacer.mu.Lock()
	if s.pacer.calls == nil {
		s.pacer.calls = map[string][]time.Time{}
	}
	for app, log := range st.Calls {
		for _, t := range log {
			if now.Sub(t) < s.pacer.window && !t.After(now) {
				s.pacer.calls[app] = append(s.pacer.calls[app], t)
			}
		}
		sort.Slice(s.pacer.calls[app], func(i, j int) bool { return s.pacer.calls[app][i].Before(s.pacer.calls[app][j]) })
	}
	s.pacer.mu.Unlock()
	s.budget.mu.Lock()
	if s.budget.tasks == nil {
		s.budget.tasks = map[string]*ledgerTask{}
	}
	for _, t := range st.Tasks {
		if t == nil || t.ID == "" || t.Finished || !now.Before(t.Due) {
			continue
		}
		cp := *t
		cp.Earlier = true
		s.budget.tasks[cp.ID] = &cp
	}
	s.budget.mu.Unlock()
	for _, app := range s.budgetApps() {
		s.budget.refresh(ctx, app)
	}
	left := s.budget.leftovers()
	if len(left) == 0 {
		return
	}
	byApp := map[string][]string{}
	last := map[string]time.Time{}
	for _, t := range left {
		byApp[t.App] = append(byApp[t.App], t.ID)
		if t.Due.After(last[t.App]) {
			last[t.App] = t.Due
		}
	}
	for _, app := range sortedMapKeys(byApp) {
		ids := byApp[app]
		s.say("budget: %d unfinished task(s) of an earlier run hold task slots of %s (%s); they finish by %s at the latest. "+
			"The run waits for a slot when it needs one; to start with every slot free, wait until then.",
			len(ids), app, strings.Join(ids, ", "), last[app].Format(time.RFC3339))
	}
}

func (s *Suite) budgetApps() []string {
	s.budget.mu.Lock()
	defer s.budget.mu.Unlock()
	return s.budget.appsLocked()
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// queryTask reads a ledger task's status as the application that created it; it is the
// budget's own call, paced like any other.
func (s *Suite) queryTask(ctx context.Context, t *ledgerTask) string {
	alias := s.aliasOf(t)
	a, err := s.client.auth.App(alias)
	if err != nil {
		return ""
	}
	tok, err := s.client.auth.Token(ctx, alias)
	if err != nil {
		return ""
	}
	if err := s.pacer.wait(ctx, a.AppID, 1); err != nil {
		return ""
	}
	h := http.Header{}
	setHeader(h, "app_key", a.AppID)
	h.Set("Authorization", "Bearer "+tok)
	q := url.Values{}
	if t.App != a.AppID {
		q.Set("appId", t.App)
	}
	ex := s.client.do(ctx, http.MethodGet, "/iocm/app/batchtask/v1.1.0/tasks/"+url.PathEscape(t.ID), q, h, nil)
	if ex.Err != nil {
		return ""
	}
	if code, isErr := s.contract.ErrorCode(ex.RespBody); isErr {
		if code == "105005" {
			return "Complete" // gone: it holds no slot
		}
		if code == "1010009" {
			s.pacer.exhausted(a.AppID)
		}
		return ""
	}
	var got struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(ex.RespBody, &got) != nil {
		return ""
	}
	return got.Status
}

// aliasOf is the application a ledger task is queried as: the one that created it, else
// (a probe's task, created as an alias the suite does not know, such as the capacity
// step's pool.0) one of the suite's applications with its appId, else its creator's alias.
func (s *Suite) aliasOf(t *ledgerTask) string {
	if s.client.auth.Has(t.Alias) {
		return t.Alias
	}
	for _, alias := range s.client.auth.Aliases() {
		if a, err := s.client.auth.App(alias); err == nil && a.AppID == t.App {
			return alias
		}
	}
	return t.Alias
}

// createPath is the path of createBatchTask.
const createPath = "/iocm/app/batchtask/v1.1.0/tasks"

// bodyAppID is the appId a create body names (the app the task belongs to, AMB.10), else def.
func bodyAppID(body []byte, def string) string {
	var b struct {
		AppID string `json:"appId"`
	}
	if json.Unmarshal(body, &b) == nil && b.AppID != "" {
		return b.AppID
	}
	return def
}

// createdID is the task id of a (doc-strict shaped) create answer.
func createdID(body []byte) string {
	var b struct {
		TaskID string `json:"taskID"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	return b.TaskID
}

// expectedCodes are the error codes a step's expectations (and tallies) name.
func expectedCodes(st Step) map[string]bool {
	m := map[string]bool{}
	for _, e := range st.Expect {
		if e.ErrorCode != "" {
			m[e.ErrorCode] = true
		}
	}
	if st.Concurrent != nil {
		for _, t := range st.Concurrent.Expect {
			m[t.ErrorCode] = true
		}
	}
	return m
}

// tolerated reports whether an expectation lets code pass (Expect.Tolerate).
func tolerated(e Expect, code string) bool {
	for _, c := range e.Tolerate {
		if c == code {
			return true
		}
	}
	return false
}

// requestApps renders which application a request is sent as (its app_key) and which app a
// create's task belongs to (its body's appId, else the sender).
func (r *scenarioRun) requestApps(req Request, v vars) (app, taskApp string, err error) {
	alias, err := render(req.As, v, r.funcs)
	if err != nil {
		return "", "", err
	}
	if alias == "" {
		alias = "primary"
	}
	a, err := r.s.client.auth.App(alias)
	if err != nil {
		return "", "", err
	}
	app, taskApp = a.AppID, a.AppID
	if m, ok := req.Body.(map[string]any); ok {
		if s, ok := m["appId"].(string); ok {
			if out, err := render(s, v, r.funcs); err == nil && out != "" {
				taskApp = out
			}
		}
	}
	return app, taskApp, nil
}

// paceMode is how a request meets the run's throttle budget.
type paceMode int

const (
	// paceWait waits for room in the window, then logs the call.
	paceWait paceMode = iota
	// paceRecord sends at once and logs the call (a step meant to meet the throttle).
	paceRecord
	// paceReserved sends at once: the burst it belongs to reserved its room beforehand.
	paceReserved
)

// maxConcurrent bounds the copies of one concurrent step.
const maxConcurrent = 1000

// authAppID is the appId a login (form) or refresh (JSON) request names.
func authAppID(req Request, body []byte) string {
	if req.Form != nil {
		if q, err := url.ParseQuery(string(body)); err == nil {
			return q.Get("appId")
		}
		return ""
	}
	return bodyAppID(body, "")
}

// RecordOutsideCalls adds to the run state in store (the state file a later run against
// target takes over) that each of apps (appIds) used its whole throttle quota at at: calls the
// suite's pacer did not see, such as the load probes'. A run right after then waits out that
// window before it paces those apps, instead of meeting a 1010009 it did not provoke inside a
// check that counts them (quick-throttle's burst). A state of another target, or none, is
// started afresh.
func RecordOutsideCalls(store StateStore, target string, limit int, at time.Time, apps ...string) error {
	if store == nil || limit <= 0 || len(apps) == 0 {
		return nil
	}
	return updateState(store, target, func(st *runState) {
		if st.Calls == nil {
			st.Calls = map[string][]time.Time{}
		}
		for _, app := range apps {
			if app == "" {
				continue
			}
			for range limit {
				st.Calls[app] = append(st.Calls[app], at)
			}
			sort.Slice(st.Calls[app], func(i, j int) bool { return st.Calls[app][i].Before(st.Calls[app][j]) })
		}
	})
}

// OutsideTask is a task created outside the suite (by a load probe) that may still be
// unfinished: until it ends, by its timeout at the latest, it holds one of its app's task
// slots (AMB.10).
type OutsideTask struct {
	// App is the appId the task belongs to; Alias the profile's application that created it
	// (the next run queries it as that application, or as one with the same appId).
	App, Alias string
	ID         string
	// Created is the real time it was created; Timeout its timeout in minutes of platform
	// time (0: not known, the documented maximum).
	Created time.Time
	Timeout int
}

// RecordOutsideTasks adds tasks to the run state in store (the state file a later run against
// target takes over) beside the suite's own: tasks the suite's ledger did not see created,
// such as the load probes'. scale is the target's platform seconds per real second
// (limits.timeScale; 0 or 1 for a real platform), which turns the tasks' timeouts into the
// real time by which each has ended. A run right after then counts them against the task
// limit (and asks after them) instead of meeting a 105001 it did not provoke; the race waits
// for them (HeldSlots). A task already in the state is kept once; a state of another target,
// or none, is started afresh; the file's format is the suite's own.
func RecordOutsideTasks(store StateStore, target string, scale float64, tasks ...OutsideTask) error {
	if store == nil || len(tasks) == 0 {
		return nil
	}
	return updateState(store, target, func(st *runState) {
		have := map[string]bool{}
		for _, t := range st.Tasks {
			if t != nil {
				have[t.ID] = true
			}
		}
		for _, t := range tasks {
			if t.ID == "" || t.App == "" || have[t.ID] {
				continue
			}
			have[t.ID] = true
			st.Tasks = append(st.Tasks, &ledgerTask{ID: t.ID, App: t.App, Alias: t.Alias, Created: t.Created,
				Due: taskDue(scale, t.Created, t.Timeout)})
		}
	})
}

// updateState changes the run state in store for target: the state a run against another
// target left, or an unreadable one, is started afresh.
func updateState(store StateStore, target string, change func(*runState)) error {
	st := &runState{}
	rc, err := store.Load()
	if err != nil {
		return err
	}
	if rc != nil {
		got, lerr := loadState(rc, target)
		rc.Close()
		if lerr == nil && got != nil {
			st = got
		}
	}
	st.Version, st.Target, st.Saved = stateVersion, target, time.Now()
	change(st)
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return store.Save(data)
}

// HeldSlots reads, from the run state in store, the tasks of app (an appId) that the runs
// against target created and that may still be unfinished: how many, and the real time by
// which the last of them has certainly ended. A probe that needs every slot of app (the
// task-limit race) waits for them instead of meeting its own suite's tasks. No state, or a
// state of another target, holds none.
func HeldSlots(store StateStore, target, app string) (n int, lastDue time.Time, err error) {
	if store == nil {
		return 0, time.Time{}, nil
	}
	rc, err := store.Load()
	if err != nil || rc == nil {
		return 0, time.Time{}, err
	}
	defer rc.Close()
	st, err := loadState(rc, target)
	if err != nil {
		return 0, time.Time{}, err
	}
	now := time.Now()
	for _, t := range st.Tasks {
		if t == nil || t.App != app || t.Finished || !now.Before(t.Due) {
			continue
		}
		n++
		if t.Due.After(lastDue) {
			lastDue = t.Due
		}
	}
	return n, lastDue, nil
}
