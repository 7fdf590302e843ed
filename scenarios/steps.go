package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/batchcert/batchcert"
)

// poll repeats a request until its condition holds. On a target with a controllable clock an
// attempt advances the clock instead of waiting, and the deadline is counted in that clock.
func (r *scenarioRun) poll(ctx context.Context, st Step) {
	p := st.Poll
	deadline, _ := time.ParseDuration(p.Deadline)
	interval, _ := time.ParseDuration(p.Interval)
	if interval <= 0 {
		interval = time.Second
	}
	if r.s.control == nil {
		// The platform's own clock: an attempt waits what it would have advanced, and the
		// deadline is platform time too (limits.timeScale).
		if adv := time.Duration(p.Advance) * time.Second; adv > interval {
			interval = adv
		}
		interval = max(r.s.realDuration(interval), 10*time.Millisecond)
		deadline = r.s.realDuration(deadline)
	}
	// A deadline past -max-wait is cut there; a condition still unmet then was not waited for
	// long enough to judge, and the step is not run rather than failed.
	capped := false
	full := deadline
	if mw := r.s.pacer.maxWait; r.s.control == nil && mw > 0 && deadline > mw {
		deadline, capped = mw, true
	}
	start := r.s.clock.Now()
	var exs []*Exchange
	var last *Exchange
	var sel, met bool
	var elapsed time.Duration
	for attempt := 0; ; attempt++ {
		if p.MaxAttempts > 0 && attempt >= p.MaxAttempts {
			break
		}
		got, s, err := r.send(ctx, p.Request, r.vars)
		if err != nil {
			r.sendFailed(st, st.Expect, err)
			return
		}
		exs = append(exs, got...)
		last, sel = got[len(got)-1], s
		if last.Err != nil {
			break
		}
		if met = r.holds(p.Until, last); met {
			break
		}
		if p.Advance > 0 && r.s.platform != nil {
			elapsed += time.Duration(p.Advance) * time.Second
			if elapsed > deadline {
				break
			}
			r.recordControl(st, &ControlStep{Advance: p.Advance})
			if err := r.s.platform.Sleep(ctx, time.Duration(p.Advance)*time.Second); err != nil {
				r.failExpectations(st, st.Expect, batchcert.Errored, err.Error(), nil)
				return
			}
			continue
		}
		if r.s.clock.Now().Sub(start)+interval > deadline {
			break
		}
		if err := r.s.clock.Sleep(ctx, interval); err != nil {
			return
		}
	}
	r.validation(ctx, st, exs, sel, r.s.clock.Now().Sub(start))
	if !met && capped && (last == nil || last.Err == nil) {
		why := fmt.Sprintf("not run: step %q may wait %s of platform time for its condition, more than -max-wait %s; %d attempt(s) saw it unmet",
			st.Name, p.Deadline, roundDur(r.s.pacer.maxWait), len(exs))
		r.s.leftOutWait(full)
		r.add(batchcert.Check{ID: r.id(st, "until"), Requirements: untilRequirements(st), Outcome: batchcert.Skip, Message: why})
		r.skipStep(st, why)
		r.blocked = why
		return
	}
	if !met {
		c := batchcert.Check{ID: r.id(st, "until"), Requirements: untilRequirements(st), Outcome: batchcert.Fail,
			Message: fmt.Sprintf("condition not met after %d attempt(s) within %s", len(exs), p.Deadline)}
		if last != nil {
			c.Evidence = []batchcert.Evidence{r.s.redact.evidence(last)}
		}
		r.add(c)
	}
	r.expectations(st, last, sel)
	r.capture(st, last)
}

// untilRequirements are the requirements a poll's wait proves: those of its expectations.
func untilRequirements(st Step) []string {
	seen := map[string]bool{}
	for _, e := range st.Expect {
		for _, id := range e.Requirements {
			seen[id] = true
		}
	}
	if len(seen) == 0 {
		seen["INV.status-moves"] = true
	}
	return sortedKeys(seen)
}

func (r *scenarioRun) holds(c Condition, ex *Exchange) bool {
	if c.Status != 0 && ex.Status != c.Status {
		return false
	}
	if c.Success {
		if _, isErr := r.s.contract.ErrorCode(ex.RespBody); isErr || ex.Status != http.StatusOK {
			return false
		}
	}
	if len(c.Fields) == 0 && len(c.OneOf) == 0 {
		return true
	}
	var doc any
	if json.Unmarshal(r.view(ex), &doc) != nil {
		return false
	}
	for ptr, want := range c.Fields {
		w, err := renderValue(want, r.vars, r.funcs)
		if err != nil {
			return false
		}
		got, ok := pointer(doc, ptr)
		if !ok || !sameJSON(got, w) {
			return false
		}
	}
	for ptr, alts := range c.OneOf {
		got, ok := pointer(doc, ptr)
		if !ok {
			return false
		}
		found := false
		for _, want := range alts {
			w, err := renderValue(want, r.vars, r.funcs)
			found = found || (err == nil && sameJSON(got, w))
		}
		if !found {
			return false
		}
	}
	return true
}

// concurrent sends Count copies of a request at once; each copy sees the variable i (0-based).
func (r *scenarioRun) concurrent(ctx context.Context, st Step) {
	c := st.Concurrent
	count, err := renderInt(fmt.Sprint(c.Count), r.vars, r.funcs)
	if err == nil && (count < 1 || count > maxConcurrent) {
		err = fmt.Errorf("concurrent count %d: want 1..%d", count, maxConcurrent)
	}
	if err != nil {
		r.errorCheck(r.id(st, "count"), nil, err)
		return
	}
	// A burst starts on a budget of its own: every task slot of the app free (a race on the
	// task limit), and room in the throttle window for every copy (or an empty window). A burst
	// not run leaves the rest of its scenario unrun too: the steps after it mean to meet the
	// state it makes (a spent quota, a full task limit).
	if app, taskApp, err := r.requestApps(c.Request, r.vars); err == nil {
		if c.Request.Method == "POST" && c.Request.Path == createPath {
			if err := r.s.budget.acquire(ctx, taskApp, 0); err != nil {
				r.skipStep(st, err.Error())
				r.blocked = burstNotRun(st, err)
				return
			}
			defer r.s.budget.raced(taskApp) // its creates are in the ledger by then
		}
		if err := r.s.pacer.wait(ctx, app, count); err != nil {
			r.skipStep(st, err.Error())
			r.blocked = burstNotRun(st, err)
			return
		}
	}
	start := time.Now()
	results := make([][]*Exchange, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i := 0; i < count; i++ {
		v := vars{}
		for k, x := range r.vars {
			v[k] = x
		}
		v["i"] = i
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _, errs[i] = r.sendPaced(ctx, c.Request, v, paceReserved)
		}()
	}
	wg.Wait()
	var exs []*Exchange
	for i, e := range errs {
		var nm *noMeaningError
		if errors.As(e, &nm) {
			for j, t := range c.Expect {
				r.add(batchcert.Check{ID: r.id(st, tallyName(t, j)), Requirements: t.Requirements, Outcome: batchcert.Skip, Message: nm.Error()})
			}
			return
		}
		if e != nil {
			r.add(batchcert.Check{ID: r.id(st, "send"), Requirements: []string{"RULE.error-body"},
				Outcome: batchcert.Errored, Message: fmt.Sprintf("copy %d: %v", i, e)})
			return
		}
		exs = append(exs, results[i][len(results[i])-1])
	}
	r.validation(ctx, st, exs, false, time.Since(start))
	counts := map[string]int{}
	for _, ex := range exs {
		counts[r.outcomeKey(ex)]++
	}
	for i, t := range c.Expect {
		name := tallyName(t, i)
		chk := batchcert.Check{ID: r.id(st, name), Requirements: t.Requirements, Outcome: batchcert.Pass}
		code := t.ErrorCode
		if code == "" {
			code = "none"
		}
		n := counts[fmt.Sprintf("%d/%s", t.Status, code)]
		var refused string
		n, chk.Readings, refused = r.tallyReadings(t, counts, n)
		lo, hi := 0, count
		var err error
		if t.Min != "" {
			if lo, err = renderInt(t.Min, r.vars, r.funcs); err != nil {
				chk.Outcome, chk.Message = batchcert.Errored, err.Error()
			}
		}
		if t.Max != "" && err == nil {
			if hi, err = renderInt(t.Max, r.vars, r.funcs); err != nil {
				chk.Outcome, chk.Message = batchcert.Errored, err.Error()
			}
		}
		if err == nil && (n < lo || n > hi) {
			chk.Outcome = batchcert.Fail
			chk.Message = fmt.Sprintf("%d of %d answers were %d/%s, expected %d..%d (all: %s)%s", n, count, t.Status, code, lo, hi, tallyText(counts), refused)
			chk.Evidence = []batchcert.Evidence{r.s.redact.evidence(exs[len(exs)-1])}
		}
		r.add(chk)
	}
}

func tallyName(t Tally, i int) string {
	if t.Name != "" {
		return t.Name
	}
	return fmt.Sprintf("tally-%d", i+1)
}

// outcomeKey is "status/code" of an answer, code "none" for a body without an error code.
func (r *scenarioRun) outcomeKey(ex *Exchange) string {
	if ex.Err != nil {
		return "0/error"
	}
	code, ok := r.s.contract.ErrorCode(ex.RespBody)
	if !ok {
		code = "none"
	}
	return fmt.Sprintf("%d/%s", ex.Status, code)
}

func tallyText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	var b strings.Builder
	for i, k := range sortStrings(keys) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s×%d", k, m[k])
	}
	return b.String()
}
