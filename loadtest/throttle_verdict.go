package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
)

// Requirement ids of the load rules (contracts/requirements.yaml).
const (
	ReqThrottle     = "RULE.throttle"
	ReqTaskLimit    = "RULE.tasklimit"
	reqQueryThrottl = "ERR.query.403.1010009"
)

// window is the measured window length: the time between two returns of the quota (fixed
// and sliding windows), or the quota's refill time for a token bucket.
func (m *throttleMeasure) window(cfg ThrottleConfig) time.Duration {
	if !m.r1.found || !m.r2.found {
		return 0
	}
	gap := m.r2.at.Sub(m.r1.at)
	if m.windowType() == WindowTokenBucket && m.r2.slots > 0 {
		// Approximate: the tokens refilled between two fine polls, to one token.
		return time.Duration(float64(gap) * float64(m.threshold()) / float64(m.r2.slots))
	}
	return gap
}

// threshold is the most calls admitted in one window by sequential calls: the first burst's,
// or the split's when more (the app had called within the window before the probe started).
func (m *throttleMeasure) threshold() int {
	if m.split.found || m.splitRest > 0 {
		return max(m.limit, m.splitFirst+m.splitRest)
	}
	return m.limit
}

// windowType reads the slot returns: a quota that comes back whole after a burst is a fixed or
// sliding window, told apart by the split phase (half the quota, half a window later the
// rest: a fixed window gives the whole quota back at once, a sliding log only the first
// half); a quota that comes back a few slots at a time is a token bucket.
func (m *throttleMeasure) windowType() string {
	n := float64(m.threshold())
	switch {
	case !m.r1.found || n == 0:
		return WindowUnknown
	case float64(m.r1.slots) >= 0.6*n:
		switch s := float64(m.split.slots); {
		case !m.split.found || m.splitFirst == 0:
			return WindowUnknown
		case s >= 0.75*n:
			return WindowFixed
		case s <= 0.65*n:
			return WindowSliding
		}
		return WindowUnknown
	case float64(m.r1.slots) < 0.5*n && m.declared > 0 && m.quietDelay >= m.declared/2:
		// A few slots back a window after the burst, then more as its later calls age: a
		// sliding log whose burst took time (AMB.9=sliding). A fixed window gives the whole
		// quota back at once, a token bucket its first token long before half a window.
		return WindowSliding
	case float64(m.r1.slots) < 0.5*n && m.split.found && float64(m.split.slots) < 0.5*n:
		return WindowTokenBucket
	}
	return WindowUnknown
}

// alignment tells a fixed window aligned to the first call from one aligned to the wall
// clock: the probe started a third into a wall-clock window.
func (m *throttleMeasure) alignment(cfg ThrottleConfig) string {
	w := m.window(cfg)
	if w <= 0 || !m.r1.found {
		return ""
	}
	coarse, fine := cfg.pollSteps()
	tol := coarse + fine // r1 is known to a hammer or coarse step, r2 and split to a fine one
	if absDur(m.quietDelay-w) <= tol {
		return AlignFirstCall
	}
	if absDur(w-cfg.DeclaredWindow) <= cfg.DeclaredWindow/20 {
		w = cfg.DeclaredWindow // the declared length is the better modulus when it holds
	}
	ph1 := time.Duration(m.r2.at.UnixNano() % int64(w))
	ph2 := time.Duration(m.split.at.UnixNano() % int64(w))
	if m.split.found && min(ph1, w-ph1) <= tol && min(ph2, w-ph2) <= tol {
		return AlignWallClock
	}
	return ""
}

// rejectedCount compares when slots came back while the probe kept calling (hammer) with
// the window measured without calling through it: later, or never, means rejected calls
// count. A window too long for the hammer's span to tell is no reading.
func (m *throttleMeasure) rejectedCount(cfg ThrottleConfig) *bool {
	w := m.window(cfg)
	if w <= 0 || m.windowType() == WindowTokenBucket {
		return nil
	}
	if !m.hammer.found && w+w/10 >= m.hammerLimit {
		return nil
	}
	counts := !m.hammer.found || m.hammer.at.Sub(m.t0) > w+w/10
	return &counts
}

func (m *throttleMeasure) result(cfg ThrottleConfig, p *throttleProbe) *batchcert.ThrottleResult {
	p.mu.Lock()
	tl := append([]batchcert.TimelinePoint(nil), p.timeline...)
	p.mu.Unlock()
	r := &batchcert.ThrottleResult{
		DeclaredLimit:      cfg.DeclaredLimit,
		DeclaredWindow:     cfg.DeclaredWindow,
		MeasuredLimit:      m.threshold(),
		MeasuredConcurrent: m.concurrent,
		MeasuredWindow:     m.window(cfg),
		WindowType:         m.windowType(),
		RejectedCount:      m.rejectedCount(cfg),
		Isolated:           m.isolated,
		Timeline:           tl,
	}
	if cfg.scaled() {
		r.TimeScale = cfg.TimeScale
		r.PlatformDeclaredWindow = cfg.platform(r.DeclaredWindow)
		r.PlatformMeasuredWindow = cfg.platform(r.MeasuredWindow)
	}
	return r
}

// platformNote says what real-time windows are in platform time on a scaled clock, labelled
// as such ("" on a real clock): the checks' figures are real time, the rule's are platform time.
func platformNote(cfg ThrottleConfig, what ...string) string {
	if !cfg.scaled() {
		return ""
	}
	return fmt.Sprintf(" (real time; in platform time at timeScale %s: %s)",
		strconv.FormatFloat(cfg.TimeScale, 'g', -1, 64), strings.Join(what, ", "))
}

func throttleCheck(id, msg string, ok bool, reqs ...string) batchcert.Check {
	c := batchcert.Check{
		ID:           id,
		Scenario:     "load/throttle",
		Requirements: append([]string{ReqThrottle}, reqs...),
		Severity:     batchcert.Must,
		Outcome:      batchcert.Pass,
		Message:      msg,
	}
	if !ok {
		c.Outcome = batchcert.Fail
	}
	return c
}

func skipCheck(id, msg string) batchcert.Check {
	c := throttleCheck(id, msg, true)
	c.Outcome = batchcert.Skip
	return c
}

func throttleChecks(cfg ThrottleConfig, m *throttleMeasure, r *batchcert.ThrottleResult, p *throttleProbe) []batchcert.Check {
	var cs []batchcert.Check
	if m.t0.IsZero() {
		return nil
	}
	dl := cfg.DeclaredLimit
	if !m.limitFound {
		cs = append(cs, throttleCheck("throttle.threshold",
			fmt.Sprintf("no 1010009 after %d sequential calls; declared %d per %s", m.limit, dl, batchcert.FormatDuration(cfg.DeclaredWindow))+
				platformNote(cfg, "declared per "+batchcert.FormatDuration(cfg.platform(cfg.DeclaredWindow))), false))
		return cs
	}
	msg := fmt.Sprintf("measured %d sequential calls admitted before the first 1010009; declared %d", m.threshold(), dl)
	if m.threshold() != m.limit {
		msg += fmt.Sprintf(" (the first burst got %d: the app had called within the window before the probe)", m.limit)
	}
	cs = append(cs, throttleCheck("throttle.threshold", msg, m.threshold() == dl))
	if m.r1.found {
		cs = append(cs, throttleCheck("throttle.concurrent",
			fmt.Sprintf("%d concurrent senders got %d calls admitted in one window; declared %d", cfg.Concurrency, m.concurrent, dl),
			m.concurrent <= dl))
	} else {
		cs = append(cs, skipCheck("throttle.concurrent", "slots did not return twice: concurrent phase not run"))
	}
	if w := r.MeasuredWindow; w > 0 {
		dev := math.Abs(float64(w-cfg.DeclaredWindow)) / float64(cfg.DeclaredWindow)
		cs = append(cs, throttleCheck("throttle.window",
			fmt.Sprintf("measured window %s (%+.1f %%); declared %s ± %.0f %%", batchcert.FormatDuration(w),
				100*float64(w-cfg.DeclaredWindow)/float64(cfg.DeclaredWindow), batchcert.FormatDuration(cfg.DeclaredWindow), 100*WindowTolerance)+
				platformNote(cfg, "measured "+batchcert.FormatDuration(r.PlatformMeasuredWindow), "declared "+batchcert.FormatDuration(r.PlatformDeclaredWindow)),
			dev <= WindowTolerance))
	} else {
		cs = append(cs, throttleCheck("throttle.window",
			fmt.Sprintf("slots did not come back within %s of exhaustion; declared window %s", batchcert.FormatDuration(3*cfg.DeclaredWindow), batchcert.FormatDuration(cfg.DeclaredWindow))+
				platformNote(cfg, "within "+batchcert.FormatDuration(cfg.platform(3*cfg.DeclaredWindow)), "declared "+batchcert.FormatDuration(cfg.platform(cfg.DeclaredWindow))), false))
	}
	cs = append(cs, typeCheck(cfg, m, r))
	switch {
	case cfg.DeclaredRejectedCount == nil:
		cs = append(cs, skipCheck("throttle.rejected-count", "no declaration; measured "+boolText(r.RejectedCount)))
	case r.RejectedCount == nil:
		cs = append(cs, throttleCheck("throttle.rejected-count", "could not be measured; declared "+boolText(cfg.DeclaredRejectedCount), false))
	default:
		cs = append(cs, throttleCheck("throttle.rejected-count",
			fmt.Sprintf("rejected calls count: measured %s (slots back %s after exhaustion while calling, the window %s); declared %s",
				boolText(r.RejectedCount), hammerDelay(m), batchcert.FormatDuration(r.MeasuredWindow), boolText(cfg.DeclaredRejectedCount)),
			*r.RejectedCount == *cfg.DeclaredRejectedCount))
	}
	if r.Isolated != nil {
		cs = append(cs, throttleCheck("throttle.isolation",
			fmt.Sprintf("second app %s while the first was throttled", map[bool]string{true: "admitted", false: "throttled"}[*r.Isolated]),
			*r.Isolated))
	}
	p.mu.Lock()
	bad, examples := p.malCount, p.malformed
	p.mu.Unlock()
	msg = fmt.Sprintf("%d throttled answers, all 403 with error_code \"1010009\"", p.throttled.Load())
	if bad > 0 {
		msg = fmt.Sprintf("%d of %d throttled answers malformed, e.g. %v", bad, p.throttled.Load(), examples)
	}
	cs = append(cs, throttleCheck("throttle.response", msg, bad == 0, reqQueryThrottl))
	return cs
}

func typeCheck(cfg ThrottleConfig, m *throttleMeasure, r *batchcert.ThrottleResult) batchcert.Check {
	got := r.WindowType
	if al := m.alignment(cfg); got == WindowFixed && al != "" {
		got += ", aligned to the " + al
	}
	evidence := fmt.Sprintf("after a burst %d slots came back at once; after %d calls and %d more half a window later, %d",
		m.r1.slots, m.splitFirst, m.splitRest, m.split.slots)
	if cfg.DeclaredType == "" || cfg.DeclaredType == "any" {
		return skipCheck("throttle.type", "no declaration; measured "+got+" ("+evidence+")")
	}
	return throttleCheck("throttle.type",
		fmt.Sprintf("measured %s (%s); declared %s", got, evidence, cfg.DeclaredType), r.WindowType == cfg.DeclaredType)
}

func hammerDelay(m *throttleMeasure) string {
	if !m.hammer.found {
		return "never"
	}
	return m.hammer.at.Sub(m.t0).Round(time.Millisecond).String()
}

func boolText(b *bool) string {
	if b == nil {
		return "unknown"
	}
	return fmt.Sprint(*b)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
