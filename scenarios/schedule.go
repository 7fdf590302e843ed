package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/batchcert/batchcert"
)

// playAll plays the chosen scenarios under the run budget and returns their checks in the
// scenarios' order, whatever order they ran in:
//   - an earlier run's state is taken over first (its throttle calls, its unfinished tasks);
//   - scenarios whose tasks last until their timeout (Lasting) run after the others, so they
//     do not hold task slots the rest needs;
//   - in real-time mode the scenarios that wait for platform time run in parallel with each
//     other and with the rest, so their waits overlap;
//   - the state is saved after every scenario, so an interrupted run leaves it too.
func (s *Suite) playAll(ctx context.Context, scs []*Scenario) []batchcert.Check {
	s.loadState(ctx)
	defer s.saveState()
	order := make([]int, len(scs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return !scs[order[a]].Lasting && scs[order[b]].Lasting })
	results := make([][]batchcert.Check, len(scs))
	play := func(i int) {
		sc := scs[i]
		if cause := batchcert.Cause(ctx); cause != nil {
			results[i] = s.notRun(sc, cause)
			return
		}
		results[i] = s.Play(ctx, sc)
		s.say("%-24s %s", sc.Name, summary(results[i]))
		s.saveState()
	}
	var wg sync.WaitGroup
	if s.realTime() {
		// Scenarios with a burst or a race (quick-throttle, quick-tasklimit) spend an app's
		// quota or task slots on purpose, some of it in calls the pacer cannot count (refused
		// ones a platform may count, AMB.9): they run one after another in one lane, so one's
		// provoked throttling never lands in the other's race. The rest run in parallel.
		var lane []int
		for _, i := range order {
			switch {
			case !s.waitsForTime(scs[i]):
			case bursts(scs[i]):
				lane = append(lane, i)
			default:
				wg.Add(1)
				go func() {
					defer wg.Done()
					play(i)
				}()
			}
		}
		if len(lane) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, i := range lane {
					play(i)
				}
			}()
		}
	}
	for _, i := range order {
		if s.realTime() && s.waitsForTime(scs[i]) {
			continue
		}
		play(i)
	}
	wg.Wait()
	var out []batchcert.Check
	for _, cs := range results {
		out = append(out, cs...)
	}
	return out
}

// bursts reports whether a scenario sends a burst or a race (a concurrent step).
func bursts(sc *Scenario) bool {
	for _, st := range sc.Steps {
		if st.Concurrent != nil {
			return true
		}
	}
	return false
}

// realTime reports whether platform time passes on its own clock in this run: real-time mode
// against a target without control.
func (s *Suite) realTime() bool { return s.cfg.RealTime && s.control == nil }

// waitsForTime reports whether a scenario lets platform time pass (needs "time").
func (s *Suite) waitsForTime(sc *Scenario) bool {
	for _, n := range sc.Needs {
		if n == "time" {
			return true
		}
	}
	return false
}

// loadState takes over what an earlier run against the same target left.
func (s *Suite) loadState(ctx context.Context) {
	if s.cfg.State == nil || s.control != nil {
		return
	}
	rc, err := s.cfg.State.Load()
	if err != nil {
		s.say("budget: the state of earlier runs could not be read (%v): starting without it", err)
		return
	}
	if rc == nil {
		return
	}
	st, err := loadState(rc, s.target.BaseURL)
	rc.Close()
	if err != nil {
		s.say("budget: the state of earlier runs is unusable (%v): starting without it", err)
		return
	}
	s.restore(ctx, st)
}

// saveState leaves this run's state for the next run.
func (s *Suite) saveState() {
	if s.cfg.State == nil || s.control != nil {
		return
	}
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(s.snapshot()); err != nil {
		return
	}
	if err := s.cfg.State.Save(b.Bytes()); err != nil {
		s.say("budget: the run's state could not be saved (%v): a run right after this one may meet the throttle", err)
	}
}

// wait lets platform time pass: the reference's clock advances, in real time the run waits.
func (r *scenarioRun) wait(ctx context.Context, st Step) {
	secs, err := renderInt(fmt.Sprint(st.Wait.Seconds), r.vars, r.funcs)
	if err != nil {
		r.errorCheck(r.id(st, "wait"), nil, err)
		return
	}
	if secs <= 0 {
		return
	}
	if r.s.platform != nil {
		if err := r.s.platform.Sleep(ctx, time.Duration(secs)*time.Second); err != nil {
			r.errorCheck(r.id(st, "wait"), nil, err)
		}
		return
	}
	d := r.s.realDuration(time.Duration(secs) * time.Second)
	if d > r.s.pacer.maxWait {
		r.s.leftOutWait(d)
		r.blocked = fmt.Sprintf("not run: step %q waits %s of platform time (%s real), more than -max-wait %s",
			st.Name, roundDur(time.Duration(secs)*time.Second), roundDur(d), roundDur(r.s.pacer.maxWait))
		return
	}
	if d >= time.Second {
		r.s.say("%s: waiting %s for platform time to pass (%s)", r.sc.Name, roundDur(d), st.Name)
	}
	if err := r.s.clock.Sleep(ctx, d); err != nil {
		return
	}
}
