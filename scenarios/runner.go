package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// scenarioRun is one scenario being played: its variables, the tasks it made and its checks.
type scenarioRun struct {
	s      *Suite
	sc     *Scenario
	vars   vars
	funcs  template.FuncMap
	checks []batchcert.Check
	// expecting are the error codes the current step means to provoke: meeting 1010009 or
	// 105001 otherwise is the platform enforcing its limits on the run, not a finding.
	expecting map[string]bool
	// blocked, when set, says why the rest of the scenario is not run (a wait past -max-wait).
	blocked string
	// tasks maps a task id to what create was sent and the last query answer.
	mu    sync.Mutex
	tasks map[string]*taskTrace
	// replay is every call the scenario made, in order, for its reproducers (reproducer.go).
	replay []replayStep
	// broken maps a variable an earlier step failed to capture to why (cascade.go), under mu.
	broken map[string]string
	// obs is the observation each query answer was judged in (coverage.go), under mu.
	obs map[*Exchange]TaskObservation
	// ledgers judge each answer against the scenario's earlier ones (consistency.go), under mu.
	ledgers ledgers
}

type taskTrace struct {
	sent []byte
	prev []byte
	// from and to are the platform's time around create, skew the tolerance (createdWindow).
	from, to time.Time
	skew     time.Duration
}

func (s *Suite) newRunBare(sc *Scenario) *scenarioRun {
	return &scenarioRun{s: s, sc: sc, vars: vars{}, tasks: map[string]*taskTrace{}}
}

func (s *Suite) newRun(sc *Scenario) *scenarioRun {
	r := s.newRunBare(sc)
	for k, v := range s.baseVars {
		r.vars[k] = v
	}
	for k, v := range sc.Vars {
		r.vars[k] = jsonable(v)
	}
	r.funcs = template.FuncMap{}
	for k, f := range baseFuncs {
		r.funcs[k] = f
	}
	r.funcs["uniq"] = s.uniq
	r.funcs["secret"] = func(alias string) (string, error) {
		a, err := s.client.auth.App(alias)
		if err != nil {
			return "", err
		}
		return a.Secret, nil
	}
	r.funcs["token"] = func(alias string) (string, error) { return s.client.auth.Token(s.ctx, alias) }
	r.funcs["freshToken"] = func(alias string) (string, error) { return s.client.auth.Fresh(s.ctx, alias) }
	r.funcs["tokenTTL"] = func(alias string) (int, error) {
		if ttl := s.client.auth.Held(alias).ExpiresIn; ttl > 0 {
			return ttl, nil
		}
		return 0, fmt.Errorf("the login of %q answered no usable expiresIn", alias)
	}
	r.funcs["refreshToken"] = func(alias string) (string, error) {
		if _, err := s.client.auth.Token(s.ctx, alias); err != nil {
			return "", err
		}
		return s.client.auth.Held(alias).Refresh, nil
	}
	return r
}

// play runs every step; steps go on after a failure so every expectation gets a verdict.
func (r *scenarioRun) play(ctx context.Context) {
	if r.s.control != nil {
		if err := r.s.control.Reset(ctx); err != nil {
			r.errorCheck("setup/reset", nil, fmt.Errorf("reset the reference platform: %w", err))
			return
		}
		r.s.client.auth.Forget()
		r.s.pacer.reset()
		r.s.budget.reset()
	}
	for _, st := range r.sc.all() {
		if ctx.Err() != nil {
			return
		}
		if r.blocked != "" {
			r.skipStep(st, r.blocked)
			continue
		}
		r.step(ctx, st)
	}
}

// skipStep gives every expectation of a step that is not run a SKIP with the reason.
func (r *scenarioRun) skipStep(st Step, why string) {
	for i, e := range st.Expect {
		r.add(batchcert.Check{ID: r.id(st, expectID(e, i)), Requirements: e.Requirements, Outcome: batchcert.Skip, Message: why})
	}
	if st.Concurrent != nil {
		for i, t := range st.Concurrent.Expect {
			r.add(batchcert.Check{ID: r.id(st, tallyName(t, i)), Requirements: t.Requirements, Outcome: batchcert.Skip, Message: why})
		}
	}
}

func (r *scenarioRun) id(st Step, suffix string) string {
	return r.sc.Name + "/" + st.Name + "/" + suffix
}

func expectID(e Expect, i int) string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("expect-%d", i+1)
}

func (r *scenarioRun) step(ctx context.Context, st Step) {
	r.expecting = expectedCodes(st)
	switch {
	case st.Set != nil:
		for k, v := range st.Set {
			out, err := render(v, r.vars, r.funcs)
			if err != nil {
				r.errorCheck(r.id(st, "set"), nil, err)
				return
			}
			r.vars[k] = out
		}
	case st.Control != nil:
		r.recordControl(st, st.Control)
		if err := controlStep(ctx, r.s.control, st.Control); err != nil {
			r.errorCheck(r.id(st, "control"), nil, err)
		}
		if st.Control.Reset {
			r.s.client.auth.Forget()
			r.s.pacer.reset()
			r.s.budget.reset()
		}
	case st.Request != nil:
		start := time.Now()
		exs, sel, err := r.send(ctx, *st.Request, r.vars)
		if err != nil {
			r.sendFailed(st, st.Expect, err)
			return
		}
		last := exs[len(exs)-1]
		r.validation(ctx, st, exs, sel, time.Since(start))
		r.expectations(st, last, sel)
		r.capture(st, last)
	case st.Wait != nil:
		r.wait(ctx, st)
	case st.Poll != nil:
		r.poll(ctx, st)
	case st.Concurrent != nil:
		r.concurrent(ctx, st)
	}
}

// send makes one request (re-logging in once when a managed token was refused) and returns the
// exchanges it took and whether the query asked for tags.
func (r *scenarioRun) send(ctx context.Context, req Request, v vars) ([]*Exchange, bool, error) {
	return r.sendPaced(ctx, req, v, paceWait)
}

// sendPaced is send; pace false leaves the throttle pacer out (a concurrent burst is meant to
// meet the throttle).
func (r *scenarioRun) sendPaced(ctx context.Context, req Request, v vars, mode paceMode) ([]*Exchange, bool, error) {
	pace := mode == paceWait
	alias, err := render(req.As, v, r.funcs)
	if err != nil {
		return nil, false, err
	}
	if alias == "" {
		alias = "primary"
	}
	path, err := render(req.Path, v, r.funcs)
	if err != nil {
		return nil, false, err
	}
	q := url.Values{}
	for k, s := range req.Query {
		out, err := render(s, v, r.funcs)
		if err != nil {
			return nil, false, err
		}
		q.Set(k, out)
	}
	h := http.Header{}
	var body []byte
	switch {
	case req.Raw != nil:
		out, err := render(*req.Raw, v, r.funcs)
		if err != nil {
			return nil, false, err
		}
		body = []byte(out)
		h.Set("Content-Type", "application/json")
	case req.Form != nil:
		f := url.Values{}
		for k, s := range req.Form {
			out, err := render(s, v, r.funcs)
			if err != nil {
				return nil, false, err
			}
			f.Set(k, out)
		}
		body = []byte(f.Encode())
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	case req.Body != nil:
		val, err := renderValue(req.Body, v, r.funcs)
		if err != nil {
			return nil, false, err
		}
		if body, err = json.Marshal(val); err != nil {
			return nil, false, fmt.Errorf("encode body: %w", err)
		}
		h.Set("Content-Type", "application/json")
	}
	if req.ContentType != "" {
		h.Set("Content-Type", req.ContentType)
	}
	// The client sets app_key and Authorization unless the step omits or overrides them; it
	// re-logs in on 1010005 only when it chose both headers itself.
	managed := !req.OmitAuth && !strings.HasPrefix(path, "/iocm/app/sec/")
	retry := managed
	extra := http.Header{}
	for k, s := range req.Headers {
		out, err := render(s, v, r.funcs)
		if err != nil {
			return nil, false, err
		}
		if strings.EqualFold(k, "app_key") || strings.EqualFold(k, "Authorization") {
			retry = false
		}
		extra[k] = []string{out}
	}
	a, err := r.s.client.auth.App(alias)
	if err != nil {
		return nil, false, err
	}
	sel := q.Get("select") == "tags"
	pl, err := r.s.plan(req, path, q, body)
	if err != nil {
		return nil, sel, err
	}
	if req.Pace != nil && !*req.Pace && pace {
		pace, mode = false, paceRecord
	}
	batch := strings.HasPrefix(path, "/iocm/app/batchtask/")
	isCreate := batch && req.Method == http.MethodPost && path == createPath
	var exs []*Exchange
	relogged, backoffs := false, 0
	var slotWait time.Duration
	for attempt := 0; attempt < 64; attempt++ {
		var tok string
		if managed {
			if tok, err = r.s.client.auth.Token(ctx, alias); err != nil {
				return nil, sel, err
			}
			setHeader(h, "app_key", a.AppID)
			h.Set("Authorization", "Bearer "+tok)
		}
		for k, vs := range extra {
			setHeader(h, k, vs[0])
		}
		for _, o := range req.OmitHeaders {
			deleteHeader(h, o)
		}
		app := headerValue(h, "app_key")
		taskApp := bodyAppID(body, app)
		if isCreate && pace {
			if err := r.s.budget.acquire(ctx, taskApp, 1); err != nil {
				return nil, sel, err
			}
		}
		if batch {
			if pace {
				if err := r.s.pacer.wait(ctx, app, 1); err != nil {
					return nil, sel, err
				}
			} else if mode == paceRecord {
				r.s.pacer.record(app, 1)
			}
		}
		var ex *Exchange
		auth := path == loginPath || path == refreshPath
		var adopt func(int, []byte)
		callCtx := ctx
		if auth {
			// A scenario's own login holds the app's token store until its answer is adopted:
			// a concurrent scenario refused for the superseded token then takes the new one
			// instead of logging in again over it. Nothing between Own and adopt asks the
			// store for a token, so the call cannot wait for the lock it holds: a login or
			// refresh is never managed (no Token above, no relogin below) and has no GraphQL
			// counterpart (plan gives it no operation, so it goes over REST, and gqlDo only
			// sends the headers set above); client.do asks the store for nothing. Were that to
			// change, callCtx makes the store answer apiclient.ErrOwned at once instead of
			// hanging (TestOwnedLoginOverGraphQL, TestAuthOwnedCallAsksItsApp).
			if callCtx, adopt, err = r.s.client.auth.Own(ctx, authAppID(req, body)); err != nil {
				return nil, sel, err
			}
		}
		if pl != nil {
			ex = r.s.gqlDo(callCtx, pl, req.Method, path, q, h, body)
		} else {
			ex = r.s.client.do(callCtx, req.Method, path, q, h, body)
		}
		if adopt != nil {
			if _, isErr := r.s.contract.ErrorCode(ex.RespBody); ex.Err == nil && ex.Status == http.StatusOK && !isErr {
				adopt(ex.Status, ex.RespBody)
			} else {
				adopt(ex.Status, nil)
			}
		}
		exs = append(exs, ex)
		r.record(ex, alias, managed)
		if ex.Err != nil {
			break
		}
		code, isErr := r.s.contract.ErrorCode(ex.RespBody)
		if isCreate && !isErr && ex.Status == http.StatusOK {
			r.s.budget.created(taskApp, alias, createdID(r.view(ex)), apiclient.CreateTimeout(body))
		}
		switch {
		case retry && !relogged && isErr && code == "1010005":
			// A managed token was refused: log in again once.
			relogged = true
			r.s.client.auth.Invalidate(alias, tok)
			continue
		// With control the run is the platform's only client and its ledger exact: an
		// unprovoked 1010009 or 105001 there is a finding, not somebody else's load.
		case pace && batch && isErr && code == "1010009" && !r.expecting["1010009"] && backoffs < 2 && r.s.control == nil:
			// The platform throttled a call the run did not mean to throttle: other clients
			// (or the user's own calls) share the app's quota. Enforcing it is no failure.
			backoffs++
			r.s.say("budget: %s met 1010009 (throttled) that this run did not provoke: another client shares %s's quota; backing off one throttle window and retrying",
				r.sc.Name, app)
			r.s.pacer.exhausted(app)
			continue
		case pace && isCreate && isErr && code == "105001" && !r.expecting["105001"] && r.s.control == nil:
			// The task limit is full although the ledger has a free slot: tasks of other
			// clients or of an earlier run without a state file hold the rest.
			step := max(r.s.realDuration(30*time.Second), 100*time.Millisecond)
			if slotWait+step > r.s.pacer.maxWait {
				return nil, sel, &budgetError{fmt.Sprintf("%s stayed at its task limit for %s although this run holds only %d of its %d slots: other clients or earlier runs hold the rest (105001 is the platform enforcing its limit, not a finding)",
					taskApp, roundDur(slotWait), r.s.budget.limit-r.s.budget.free(taskApp), r.s.budget.limit)}
			}
			if slotWait == 0 {
				r.s.say("budget: %s met 105001 (task limit) although this run holds only %d of %s's %d task slots: other clients or an earlier run hold the rest; retrying every %s for up to %s",
					r.sc.Name, r.s.budget.limit-r.s.budget.free(taskApp), taskApp, r.s.budget.limit, roundDur(step), roundDur(r.s.pacer.maxWait))
			}
			if err := r.s.clock.Sleep(ctx, step); err != nil {
				return nil, sel, err
			}
			slotWait += step
			continue
		}
		break
	}
	return exs, sel, nil
}

// setHeader sets a header keeping the name's case (app_key is not canonical).
func setHeader(h http.Header, k, v string) {
	deleteHeader(h, k)
	h[k] = []string{v}
}

// headerValue reads a header whatever the case of its name (app_key is not canonical).
func headerValue(h http.Header, k string) string {
	for name, vs := range h {
		if strings.EqualFold(name, k) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func deleteHeader(h http.Header, k string) {
	for name := range h {
		if strings.EqualFold(name, k) {
			delete(h, name)
		}
	}
}

// validate checks one exchange whatever the scenario expected, and traces tasks for the
// invariants of later answers.
func (r *scenarioRun) validate(ctx context.Context, ex *Exchange, sel bool) (string, batchcert.Violations) {
	if ex.Err != nil {
		return "", batchcert.Violations{{Source: "transport", Message: ex.Err.Error()}}
	}
	op := ""
	if ex.request != nil {
		op = r.s.contract.Operation(ex.request)
	}
	vs := r.s.contract.ValidateExchange(ctx, op, ex)
	if ex.GraphQL != nil {
		for _, v := range ex.GraphQL.Violations {
			v.Operation = op
			vs = append(vs, v)
		}
	}
	_, isErr := r.s.contract.ErrorCode(ex.RespBody)
	if ex.Status != http.StatusOK || isErr {
		return op, vs
	}
	switch op {
	case "createBatchTask":
		id := r.s.contract.Field(ex.RespBody, "taskID")
		if id == "" {
			id = r.s.contract.Field(ex.RespBody, "taskId") // the lenient reading (AMB.1)
		}
		if id != "" {
			r.mu.Lock()
			tr := &taskTrace{sent: ex.ReqBody}
			tr.from, tr.to, tr.skew = r.s.createdWindow(ex)
			r.tasks[id] = tr
			r.mu.Unlock()
		}
	case "queryBatchTask":
		got := struct{ TaskID, Status string }{r.s.contract.Field(ex.RespBody, "taskId"), r.s.contract.Field(ex.RespBody, "status")}
		if got.TaskID == "" {
			break
		}
		r.s.budget.observe(got.TaskID, got.Status)
		r.mu.Lock()
		tr := r.tasks[got.TaskID]
		if tr == nil {
			tr = &taskTrace{}
			r.tasks[got.TaskID] = tr
		}
		obs := TaskObservation{Raw: ex.RespBody, Prev: tr.prev, Sent: tr.sent, SelectTags: sel, CreatedFrom: tr.from, CreatedTo: tr.to, CreatedSkew: tr.skew}
		tr.prev = ex.RespBody
		r.observe(ex, obs)
		r.mu.Unlock()
		vs = append(vs, r.s.contract.Task(obs)...)
	}
	return op, vs
}

// validation records the check that every exchange of a step met the contract.
func (r *scenarioRun) validation(ctx context.Context, st Step, exs []*Exchange, sel bool, d time.Duration) {
	var all batchcert.Violations
	var failed *Exchange
	reqs, covers := map[string]bool{}, map[string]bool{}
	hard := false
	for _, ex := range exs {
		op, vs := r.validate(ctx, ex, sel)
		vs = append(vs, r.consistency(st, op, ex, reqs, covers)...)
		for _, id := range r.s.responseRequirements(op, ex) {
			reqs[id] = true
		}
		for _, id := range r.judged(op, ex) {
			covers[id] = true
		}
		if len(vs) > 0 {
			all = append(all, vs...)
			if failed == nil {
				failed = ex
			}
		}
		if ex.Err != nil && ex.Status == 0 && !isHostile(ex.Err) {
			hard = true
		}
	}
	for _, v := range all {
		if v.Requirement != "" {
			reqs[v.Requirement], covers[v.Requirement] = true, true
		}
	}
	c := batchcert.Check{ID: r.id(st, "contract"), Requirements: sortedKeys(reqs), Covers: sortedKeys(covers),
		Outcome: batchcert.Pass, Duration: d}
	switch {
	case hard:
		c.Outcome, c.Message = batchcert.Errored, all.Error()
	case len(all) > 0:
		c.Outcome = batchcert.Fail
		c.Violations = limitViolations(all)
		c.Message = fmt.Sprintf("%d contract violation(s), %d distinct, in %d exchange(s)", len(all), len(c.Violations), len(exs))
	}
	if failed != nil {
		c.Evidence = []batchcert.Evidence{r.s.redact.evidence(failed)}
	}
	if len(c.Requirements) == 0 {
		c.Requirements = []string{"RULE.error-body"}
	}
	r.exchangeReadings(&c, exs)
	r.add(c)
}

// isHostile tells a target's misbehaviour (too slow, too big) from the harness failing to reach it.
func isHostile(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrBodyTooLarge)
}

// limitViolations folds repeats (same rule, same pointer) into one with a count, then caps
// what is left.
func limitViolations(vs batchcert.Violations) []batchcert.Violation {
	vs = vs.Dedup()
	const max = 50
	if len(vs) > max {
		return append(append([]batchcert.Violation{}, vs[:max]...), batchcert.Violation{
			Source: "runner", Message: fmt.Sprintf("%d more violations left out", len(vs)-max)})
	}
	return vs
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expectations judges every expectation of a step on its last exchange.
func (r *scenarioRun) expectations(st Step, ex *Exchange, sel bool) {
	var doc any
	docOK := ex.Err == nil && json.Unmarshal(r.view(ex), &doc) == nil
	for i, e := range st.Expect {
		c := batchcert.Check{ID: r.id(st, expectID(e, i)), Requirements: e.Requirements, Covers: r.covers(e, ex), Outcome: batchcert.Pass}
		problems, readings := r.judgeReadings(e, ex, doc, docOK, sel)
		c.Readings = readings
		if msg, ok := r.setupFailures(problems); ok {
			c.Outcome, c.Message, c.Covers = batchcert.NotRun, msg, []string{}
		} else if len(problems) > 0 {
			c.Outcome = batchcert.Fail
			c.Message = strings.Join(problems, "; ")
			c.Evidence = []batchcert.Evidence{r.s.redact.evidence(ex)}
		}
		r.add(c)
	}
}

func (r *scenarioRun) judge(e Expect, ex *Exchange, doc any, docOK, sel bool) []string {
	if ex.Err != nil {
		return []string{"no usable response: " + ex.Err.Error()}
	}
	var p []string
	code, isErr := r.s.contract.ErrorCode(ex.RespBody)
	if e.Status != 0 && ex.Status != e.Status {
		p = append(p, fmt.Sprintf("status %d, expected %d", ex.Status, e.Status))
	}
	if e.ErrorCode != "" && (!isErr || code != e.ErrorCode) {
		if isErr {
			p = append(p, fmt.Sprintf("error code %s, expected %s", code, e.ErrorCode))
		} else {
			p = append(p, "no error code, expected "+e.ErrorCode)
		}
	}
	if e.Success && isErr && !tolerated(e, code) {
		p = append(p, "error code "+code+", expected success")
	}
	if e.Schema != "" {
		if vs := r.s.contract.Schema(e.Schema, ex.RespBody); len(vs) > 0 {
			p = append(p, "schema "+e.Schema+": "+vs.Error())
		}
	}
	if len(e.Invariants) > 0 {
		r.mu.Lock()
		var obs TaskObservation
		if m, ok := doc.(map[string]any); ok {
			if id, _ := m["taskId"].(string); id != "" && r.tasks[id] != nil {
				obs.Sent = r.tasks[id].sent
				obs.CreatedFrom, obs.CreatedTo, obs.CreatedSkew = r.tasks[id].from, r.tasks[id].to, r.tasks[id].skew
			}
		}
		r.mu.Unlock()
		obs.Raw, obs.SelectTags = ex.RespBody, sel
		want := map[string]bool{}
		for _, n := range e.Invariants {
			want[n] = true
		}
		for _, v := range r.s.contract.Task(obs) {
			if want[v.Requirement] {
				p = append(p, v.String())
			}
		}
	}
	if isErr && tolerated(e, code) {
		return p // a valid request the platform's kept state decided: nothing more to judge
	}
	if (len(e.Fields)+len(e.Absent)+len(e.Differs)+len(e.OneOf)+len(e.Each) > 0 || e.Equals != nil) && !docOK {
		return append(p, "body is not JSON")
	}
	for _, ptr := range sortedAnyKeys(e.Fields) {
		want, err := renderValue(e.Fields[ptr], r.vars, r.funcs)
		if err != nil {
			p = append(p, err.Error())
			continue
		}
		got, ok := pointer(doc, ptr)
		switch {
		case !ok:
			p = append(p, ptr+" is missing")
		case !sameJSON(got, want):
			p = append(p, fmt.Sprintf("%s is %s, expected %s", ptr, short(got), short(want)))
		}
	}
	for _, ptr := range sortedMapKeys(e.OneOf) {
		got, ok := pointer(doc, ptr)
		if !ok {
			p = append(p, ptr+" is missing")
			continue
		}
		var alts []any
		found := false
		for _, want := range e.OneOf[ptr] {
			w, err := renderValue(want, r.vars, r.funcs)
			if err != nil {
				p = append(p, err.Error())
				continue
			}
			alts = append(alts, w)
			found = found || sameJSON(got, w)
		}
		if !found {
			p = append(p, fmt.Sprintf("%s is %s, expected one of %s", ptr, short(got), short(alts)))
		}
	}
	for _, ptr := range sortedMapKeys(e.Each) {
		list, ok := pointer(doc, ptr)
		items, isList := list.([]any)
		if !ok || !isList {
			p = append(p, ptr+" is not a list")
			continue
		}
		for i, item := range items {
			for _, sub := range sortedAnyKeys(e.Each[ptr]) {
				want, err := renderValue(e.Each[ptr][sub], r.vars, r.funcs)
				if err != nil {
					p = append(p, err.Error())
					continue
				}
				if got, ok := pointer(item, sub); !ok || !sameJSON(got, want) {
					p = append(p, fmt.Sprintf("%s/%d%s is %s, expected %s", ptr, i, sub, short(got), short(want)))
				}
			}
		}
	}
	for _, ptr := range e.Absent {
		if _, ok := pointer(doc, ptr); ok {
			p = append(p, ptr+" is present, expected absent")
		}
	}
	if e.Equals != nil && docOK {
		p = append(p, r.equals(e.Equals, doc)...)
	}
	for ptr, s := range e.Differs {
		not, err := render(s, r.vars, r.funcs)
		if err != nil {
			p = append(p, err.Error())
			continue
		}
		if got, ok := pointer(doc, ptr); ok && sameJSON(got, not) {
			p = append(p, fmt.Sprintf("%s is %s, expected something else", ptr, short(got)))
		}
	}
	return p
}

func sortedAnyKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// capture stores values of the last answer in variables.
func (r *scenarioRun) capture(st Step, ex *Exchange) {
	if len(st.Capture) == 0 {
		return
	}
	var doc any
	_ = json.Unmarshal(r.view(ex), &doc)
	for name, ptr := range st.Capture {
		if h, ok := strings.CutPrefix(ptr, "header:"); ok && ex.RespHeader != nil {
			r.vars[name] = ex.RespHeader.Get(h)
			continue
		}
		v, ok := pointer(doc, ptr)
		if !ok {
			c := batchcert.Check{ID: r.id(st, "capture-"+name), Requirements: untilRequirements(st), Outcome: batchcert.Fail,
				Message:  fmt.Sprintf("capture %s: %s not in the answer", name, ptr),
				Evidence: []batchcert.Evidence{r.s.redact.evidence(ex)}}
			if ex.request != nil {
				c.Violations = []batchcert.Violation{{Source: "capture", Operation: r.s.contract.Operation(ex.request), Pointer: ptr,
					Message: "not in the answer"}}
			}
			r.lostCapture(st, name, c.Message)
			r.add(c)
			continue
		}
		r.vars[name] = v
	}
}

// view is an answer's body as the profile reads it (doc-strict shape).
func (r *scenarioRun) view(ex *Exchange) []byte {
	if ex.request == nil {
		return ex.RespBody
	}
	return r.s.contract.Normalize(r.s.contract.Operation(ex.request), ex.Status, ex.RespBody)
}

func (r *scenarioRun) errorCheck(id string, ex *Exchange, err error) {
	c := batchcert.Check{ID: r.sc.Name + "/" + strings.TrimPrefix(id, r.sc.Name+"/"), Requirements: []string{"RULE.error-body"},
		Outcome: batchcert.Errored, Message: err.Error()}
	if msg, ok := r.setupFailure(err.Error()); ok && ex == nil {
		c.Outcome, c.Message = batchcert.NotRun, msg
		r.lostStepID(id, msg)
	}
	if ex != nil {
		c.Outcome = batchcert.Fail
		c.Evidence = []batchcert.Evidence{r.s.redact.evidence(ex)}
	}
	r.add(c)
}

// failExpectations gives every expectation of a step the same verdict.
func (r *scenarioRun) failExpectations(st Step, es []Expect, o batchcert.Outcome, msg string, ex *Exchange) {
	if len(es) == 0 {
		r.add(batchcert.Check{ID: r.id(st, "step"), Requirements: []string{"RULE.error-body"}, Outcome: o, Message: msg})
	}
	for i, e := range es {
		c := batchcert.Check{ID: r.id(st, expectID(e, i)), Requirements: e.Requirements, Outcome: o, Message: msg}
		if ex != nil {
			c.Evidence = []batchcert.Evidence{r.s.redact.evidence(ex)}
		}
		r.add(c)
	}
}

func (r *scenarioRun) add(c batchcert.Check) {
	c.Scenario, c.File = r.sc.Name, r.sc.File
	r.s.interrupted(&c)
	r.checks = append(r.checks, c)
}
