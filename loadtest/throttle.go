package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Throttle defaults: the documented 100 calls per 60 s per app (AMB.9), 20 concurrent senders.
const (
	DefaultThrottleLimit       = 100
	DefaultThrottleWindow      = 60 * time.Second
	DefaultThrottleConcurrency = 20
	// DefaultProbeTaskID is the task the throttle probe queries when none is given: any answer
	// that is not a throttle (105005 included) counts as admitted by the throttle.
	DefaultProbeTaskID = "batchcert-throttle-probe"
	// WindowTolerance is how far the measured window may be from the declared one.
	WindowTolerance = 0.05
)

// Window types the probe tells apart (batchcert.ThrottleResult.WindowType).
const (
	WindowFixed       = "fixed"
	WindowSliding     = "sliding"
	WindowTokenBucket = "token-bucket"
	WindowUnknown     = "unknown"
)

// Window alignments of a fixed window.
const (
	AlignFirstCall = "first-call" // the window starts at the first call after the last one expired
	AlignWallClock = "wall-clock" // windows start at multiples of the window since the epoch
)

// ThrottleConfig configures ProbeThrottle. Zero values take the defaults above.
type ThrottleConfig struct {
	// App and SecondApp are Target.Apps aliases; SecondApp "" skips the isolation phase.
	App, SecondApp string
	// TaskID is the task the probe queries.
	TaskID string
	// DeclaredLimit and DeclaredWindow are what the profile declares, the window in real time.
	DeclaredLimit  int
	DeclaredWindow time.Duration
	// TimeScale is the target's platform seconds per real second (limits.timeScale); 0 or 1
	// for a real clock. The probe waits and measures in real time whatever it is: TimeScale
	// only adds the windows in platform time, the docs' time, to the result and the checks.
	TimeScale float64
	// DeclaredType is fixed, sliding, token-bucket, or "" / "any" for no expectation.
	DeclaredType string
	// DeclaredRejectedCount is whether throttled calls count, nil for no expectation.
	DeclaredRejectedCount *bool
	// ErrorBody is the profile's reading of the error body (AMB.7): "strict" (or ""), "gateway"
	// or "lenient". Under gateway and lenient a 1010009 may come as {resultcode, resultmsg}.
	ErrorBody string
	// Concurrency is the number of concurrent senders of the over-admission phase.
	Concurrency int
	// MaxRequests and MaxDuration bound the probe; zero takes Describe's computed bounds.
	MaxRequests int
	MaxDuration time.Duration
	// Timeline is the timeline's bucket; zero means a tenth of the declared window.
	Timeline time.Duration
	// Clock is the probe's time; nil means RealClock. It must be the target's clock (for a
	// manual reference platform, an AdvanceClock).
	Clock apiclient.Clock
	// Progress receives one line per phase (nil: none).
	Progress io.Writer
}

func (c ThrottleConfig) withDefaults() ThrottleConfig {
	if c.App == "" {
		c.App = "primary"
	}
	if c.TaskID == "" {
		c.TaskID = DefaultProbeTaskID
	}
	if c.DeclaredLimit <= 0 {
		c.DeclaredLimit = DefaultThrottleLimit
	}
	if c.DeclaredWindow <= 0 {
		c.DeclaredWindow = DefaultThrottleWindow
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultThrottleConcurrency
	}
	if c.Timeline <= 0 {
		c.Timeline = c.DeclaredWindow / 10
	}
	if c.Clock == nil {
		c.Clock = apiclient.RealClock{}
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	p := c.plan()
	if c.MaxRequests <= 0 {
		c.MaxRequests = p.MaxRequests
	}
	if c.MaxDuration <= 0 {
		c.MaxDuration = p.MaxDuration
	}
	return c
}

// scaled says whether the target's clock runs at another speed than real time.
func (c ThrottleConfig) scaled() bool { return c.TimeScale > 0 && c.TimeScale != 1 }

// platform is the real-time d in the target's platform time, to the millisecond (the
// declared window came to real time by a division that may have dropped a nanosecond).
func (c ThrottleConfig) platform(d time.Duration) time.Duration {
	if !c.scaled() {
		return d
	}
	return time.Duration(float64(d) * c.TimeScale).Round(time.Millisecond)
}

// pollSteps are how often the probe asks "are slots back?": a coarse step (a twentieth of
// the declared window) to find roughly when, then a fine one (a hundredth) from just before
// that, so the rejected polls stay few (they may count against the quota) and the window is
// measured to 1 %.
func (c ThrottleConfig) pollSteps() (coarse, fine time.Duration) {
	return c.DeclaredWindow / 20, c.DeclaredWindow / 100
}

// hammerStep paces the rejected-count phase: two declared quotas per window.
func (c ThrottleConfig) hammerStep() time.Duration {
	return max(c.DeclaredWindow/time.Duration(2*c.DeclaredLimit), time.Millisecond)
}

// hammerSpan is how long the rejected-count phase keeps calling while throttled: long enough
// for a window up to 45 % longer than declared to return within it.
func (c ThrottleConfig) hammerSpan() time.Duration { return 16 * c.DeclaredWindow / 10 }

// plan computes the probe's bounds from the declared throttle.
func (c ThrottleConfig) plan() Plan {
	d, n := c.DeclaredWindow, c.DeclaredLimit
	exhaustCap := 3 * n
	coarse, fine := c.pollSteps()
	polls := int(3*d/coarse) + 3*int(3*d/fine)
	hammer := int(c.hammerSpan() / c.hammerStep())
	reqs := exhaustCap*6 + polls + hammer + c.Concurrency + 2
	return Plan{
		Probe:       "throttle",
		MaxRate:     float64(time.Second) / float64(c.hammerStep()),
		MaxInFlight: c.Concurrency,
		MaxDuration: 12 * d,
		MaxRequests: reqs,
		Steps: []string{
			"start at least a fifth of a window away from a wall-clock window boundary (waits at most half a window)",
			fmt.Sprintf("threshold: sequential queries until the first 1010009 (at most %d); then one query as the second app (isolation)", exhaustCap),
			fmt.Sprintf("rejected calls: keep querying every %s while throttled, for at most %s; slots back after one window means rejected calls do not count; "+
				"if they never come back, stay quiet %s and exhaust the quota again", c.hammerStep(), c.hammerSpan(), d+d/10),
			fmt.Sprintf("concurrent: when slots return, %d concurrent senders exhaust them", c.Concurrency),
			fmt.Sprintf("window: query every %s from 8/10 of a window until slots return; take half the quota then, the rest half a window later", fine),
			fmt.Sprintf("window type: query every %s until slots return again: a fixed window gives back the whole quota, a sliding log the first half", fine),
		},
		Note: fmt.Sprintf("takes about 3 declared windows (%s) of the target's time; about 6 (%s) when rejected calls count or the quota refills as a token bucket",
			3*d, 6*d),
	}
}

// DescribeThrottle returns the throttle probe's plan for cfg, to show before it starts.
func DescribeThrottle(cfg ThrottleConfig) Plan { return cfg.withDefaults().plan() }

type callOutcome int

const (
	outAccepted callOutcome = iota
	outThrottled
	outFailed
)

// classify tells a throttle from an admitted call: any answer carrying 1010009 (or a 429) is
// a throttle; 5xx and transport errors are failures; any other answer passed the throttle.
func classify(r Response, err error) callOutcome {
	switch {
	case err != nil:
		return outFailed
	case r.Code == CodeThrottled || r.Status == 429 || gatewayCode(r.Body) == CodeThrottled:
		return outThrottled
	case r.Status >= 500:
		return outFailed
	default:
		return outAccepted
	}
}

// errBudget is returned when the probe reaches its request or time bound.
var errBudget = errors.New("probe bound reached")

type throttleProbe struct {
	cfg   ThrottleConfig
	s     *Session
	start time.Time

	sent, accepted, throttled, failed atomic.Int64

	mu        sync.Mutex
	timeline  []batchcert.TimelinePoint
	malformed []string // throttled answers that break RULE.throttle's shape
	malCount  int
}

// call sends one query as alias and records it.
func (p *throttleProbe) call(ctx context.Context, alias string) (callOutcome, error) {
	if err := ctx.Err(); err != nil {
		return outFailed, err
	}
	if int(p.sent.Add(1)) > p.cfg.MaxRequests {
		return outFailed, fmt.Errorf("%w: %d requests", errBudget, p.cfg.MaxRequests)
	}
	sent := p.cfg.Clock.Now()
	if el := sent.Sub(p.start); el > p.cfg.MaxDuration {
		return outFailed, fmt.Errorf("%w: %s", errBudget, p.cfg.MaxDuration)
	}
	r, err := p.s.Query(ctx, alias, p.cfg.TaskID)
	if err != nil && ctx.Err() != nil {
		return outFailed, ctx.Err()
	}
	o := classify(r, err)
	p.record(sent, o, r)
	return o, nil
}

func (p *throttleProbe) record(sent time.Time, o callOutcome, r Response) {
	switch o {
	case outAccepted:
		p.accepted.Add(1)
	case outThrottled:
		p.throttled.Add(1)
	default:
		p.failed.Add(1)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := max(int(sent.Sub(p.start)/p.cfg.Timeline), 0)
	for len(p.timeline) <= i {
		p.timeline = append(p.timeline, batchcert.TimelinePoint{Offset: time.Duration(len(p.timeline)) * p.cfg.Timeline})
	}
	switch o {
	case outAccepted:
		p.timeline[i].Accepted++
	case outThrottled:
		p.timeline[i].Throttled++
		if v := p.throttleViolation(r); v != "" {
			p.malCount++
			if len(p.malformed) < 3 {
				p.malformed = append(p.malformed, v)
			}
		}
	}
}

func (p *throttleProbe) progress(phase string) {
	fmt.Fprintf(p.cfg.Progress, "throttle: %-12s elapsed %-8s sent %d accepted %d throttled %d failed %d\n",
		phase, p.cfg.Clock.Now().Sub(p.start).Round(time.Millisecond), p.sent.Load(),
		p.accepted.Load(), p.throttled.Load(), p.failed.Load())
}

// exhaust calls sequentially until the first throttle; it returns the admitted calls.
func (p *throttleProbe) exhaust(ctx context.Context, alias string) (int, error) {
	return p.exhaustAtMost(ctx, alias, 3*p.cfg.DeclaredLimit)
}

// exhaustAtMost calls sequentially until the first throttle or most admitted calls.
func (p *throttleProbe) exhaustAtMost(ctx context.Context, alias string, most int) (int, error) {
	n, fails := 0, 0
	for n < most {
		o, err := p.call(ctx, alias)
		if err != nil {
			return n, err
		}
		switch o {
		case outThrottled:
			return n, nil
		case outAccepted:
			n++
		default:
			if fails++; fails > 10 {
				return n, errors.New("more than 10 failed calls while exhausting the quota")
			}
		}
	}
	return n, nil
}

// exhaustConcurrent runs Concurrency senders, each calling until its first throttle.
func (p *throttleProbe) exhaustConcurrent(ctx context.Context, alias string) (int, error) {
	var (
		admitted atomic.Int64
		calls    atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	limit := int64(3 * p.cfg.DeclaredLimit)
	for range p.cfg.Concurrency {
		wg.Go(func() {
			for calls.Add(1) <= limit {
				o, err := p.call(ctx, alias)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				if o == outThrottled {
					return
				}
				if o == outAccepted {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(admitted.Load()), firstErr
}

// slotReturn is when slots came back after an exhaustion and how many.
type slotReturn struct {
	at    time.Time
	slots int
	found bool
}

// awaitReturn polls every step from from+lo (from+step when lo is 0) until a call is admitted
// or from+hi passes, then exhausts the returned slots with exhaust. A return of fewer than
// minSlots slots (single slots trickling back, as rejected polls that counted expire) is
// exhausted and polling goes on: the quota's return is what is measured. Starting late keeps
// the rejected polls few, so they cannot fill a quota that counts them.
func (p *throttleProbe) awaitReturn(ctx context.Context, from time.Time, lo, step, hi time.Duration, minSlots int,
	exhaust func(context.Context) (int, error)) (slotReturn, error) {
	next := from.Add(max(lo, step))
	for !next.After(from.Add(hi)) {
		if err := apiclient.SleepUntil(ctx, p.cfg.Clock, next); err != nil {
			return slotReturn{}, err
		}
		at := p.cfg.Clock.Now()
		o, err := p.call(ctx, p.cfg.App)
		if err != nil {
			return slotReturn{}, err
		}
		if o == outAccepted {
			n, err := exhaust(ctx)
			if err != nil || 1+n >= minSlots {
				return slotReturn{at: at, slots: 1 + n, found: true}, err
			}
		}
		for !next.After(p.cfg.Clock.Now()) {
			next = next.Add(step)
		}
	}
	return slotReturn{}, nil
}

// ProbeThrottle measures the target's throttle (RULE.throttle) and compares it with what cfg
// declares. It returns the measurements, one check per property, and an error when the probe
// could not finish: an ErrPartial error comes with what was measured before the stop.
func ProbeThrottle(ctx context.Context, t Target, cfg ThrottleConfig) (*batchcert.ThrottleResult, []batchcert.Check, error) {
	cfg = cfg.withDefaults()
	s := NewSession(t)
	if err := s.Err(); err != nil {
		return nil, nil, fmt.Errorf("throttle probe: %w", err)
	}
	for _, a := range []string{cfg.App, cfg.SecondApp} {
		if a == "" {
			continue
		}
		if _, err := s.Token(ctx, a); err != nil {
			return nil, nil, fmt.Errorf("throttle probe: %w", err)
		}
	}
	p := &throttleProbe{cfg: cfg, s: s, start: cfg.Clock.Now()}
	m := &throttleMeasure{}
	err := p.run(ctx, m)
	res := m.result(cfg, p)
	res.Connections = s.Connections()
	checks := throttleChecks(cfg, m, res, p)
	if err != nil {
		return res, checks, fmt.Errorf("throttle probe: %w", partial(err))
	}
	return res, checks, nil
}

// throttleMeasure is what the phases found.
type throttleMeasure struct {
	limit, concurrent int
	limitFound        bool
	// t0 is the threshold burst; from is the burst r1 returned after (t0, or the second
	// burst after a hammer that got nothing back).
	t0, from time.Time
	// hammer is the first return while calling throttled; r1 the return the concurrent
	// senders exhausted (the hammer's, when it got one); r2 the return the split started at;
	// split the return after the split.
	hammer, r1, r2, split   slotReturn
	splitFirst, splitRest   int
	isolated                *bool
	quietDelay, hammerLimit time.Duration
	// declared is the declared window, what a token bucket's first return is measured against.
	declared time.Duration
}

// The probe's phases overlap so that a target that keeps its declared throttle takes about
// three windows: the threshold burst starts window 0 and the hammer calls through it (the
// rejected-count reading, and the window's first return to a hammer step); the concurrent
// senders take window 1; window 2 starts with half the quota and takes the rest half a window
// later (the type reading at its end), and windows 1 and 2 are the measured window.
func (p *throttleProbe) run(ctx context.Context, m *throttleMeasure) error {
	cfg, d := p.cfg, p.cfg.DeclaredWindow
	m.declared = d
	seq := func(ctx context.Context) (int, error) { return p.exhaust(ctx, cfg.App) }
	conc := func(ctx context.Context) (int, error) { return p.exhaustConcurrent(ctx, cfg.App) }

	// Start away from a wall-clock window's boundary, so a window aligned to the wall clock
	// and one aligned to the first call end at different times.
	p.progress("align")
	if ph := time.Duration(cfg.Clock.Now().UnixNano() % int64(d)); ph < d/5 || ph > 4*d/5 {
		if err := cfg.Clock.Sleep(ctx, (d/3-ph+d)%d); err != nil {
			return err
		}
	}

	p.progress("threshold")
	m.t0 = cfg.Clock.Now()
	n, err := p.exhaust(ctx, cfg.App)
	m.limit = n
	if err != nil {
		return err
	}
	if n >= 3*cfg.DeclaredLimit {
		return nil // no throttle found: nothing more to measure
	}
	m.limitFound = true
	if cfg.SecondApp != "" {
		p.progress("isolation")
		o, err := p.call(ctx, cfg.SecondApp)
		if err != nil {
			return err
		}
		iso := o == outAccepted
		m.isolated = &iso
	}

	p.progress("rejected")
	m.hammerLimit = cfg.hammerSpan()
	if m.hammer, err = p.awaitReturn(ctx, m.t0, 0, cfg.hammerStep(), m.hammerLimit, 1, conc); err != nil {
		return err
	}
	m.from, m.r1 = m.t0, m.hammer
	if !m.hammer.found {
		// Rejected calls counted (or the window is far longer than declared): let them
		// expire, exhaust the quota again, and find its return by polling.
		p.progress("quiet")
		if err := cfg.Clock.Sleep(ctx, d+d/10); err != nil {
			return err
		}
		m.from = cfg.Clock.Now()
		if _, err := p.exhaust(ctx, cfg.App); err != nil {
			return err
		}
		if m.r1, err = p.seek(ctx, m.from, 1, conc); err != nil || !m.r1.found {
			return err
		}
	}
	m.concurrent = m.r1.slots
	m.quietDelay = m.r1.at.Sub(m.from)

	p.progress("window")
	_, fine := cfg.pollSteps()
	half := max(m.limit/2, 1)
	minSlots := 1
	if m.r1.slots >= m.limit/2 {
		minSlots = min(m.r1.slots/2, half)
	}
	first := func(ctx context.Context) (int, error) {
		n, err := p.exhaustAtMost(ctx, cfg.App, half-1)
		m.splitFirst = 1 + n
		return n, err
	}
	lo := 8 * min(m.quietDelay, d) / 10
	if m.r1.slots >= m.limit/2 || m.quietDelay >= d/2 {
		// A sliding log (AMB.9=sliding) gives the threshold burst's later calls back one by one
		// after r1 (a token bucket's first token comes back far sooner than half a window):
		// take them before polling, so that r2 is the return of r1's own slots a window after
		// r1, not slots that were already back when the polling began. A fixed window has
		// nothing to give here: one throttled call.
		if err := apiclient.SleepUntil(ctx, cfg.Clock, m.r1.at.Add(lo)); err != nil {
			return err
		}
		if _, err := p.exhaust(ctx, cfg.App); err != nil {
			return err
		}
	}
	if m.r2, err = p.awaitReturn(ctx, m.r1.at, lo, fine, 3*d, minSlots, first); err != nil || !m.r2.found {
		return err
	}

	p.progress("type")
	gap := m.r2.at.Sub(m.r1.at)
	if err := apiclient.SleepUntil(ctx, cfg.Clock, m.r2.at.Add(gap/2)); err != nil {
		return err
	}
	if m.splitRest, err = p.exhaust(ctx, cfg.App); err != nil {
		return err
	}
	if m.split, err = p.awaitReturn(ctx, m.r2.at, 9*gap/10, fine, 17*max(gap, d)/10, 1, seq); err != nil {
		return err
	}
	p.progress("done")
	return nil
}

// seek polls coarsely from from until 8/10 of the declared window, then finely until slots
// return (at most three windows).
func (p *throttleProbe) seek(ctx context.Context, from time.Time, minSlots int, exhaust func(context.Context) (int, error)) (slotReturn, error) {
	coarse, fine := p.cfg.pollSteps()
	d := p.cfg.DeclaredWindow
	r, err := p.awaitReturn(ctx, from, 0, coarse, 8*d/10-coarse, minSlots, exhaust)
	if err != nil || r.found {
		return r, err
	}
	return p.awaitReturn(ctx, from, 8*d/10, fine, 3*d, minSlots, exhaust)
}

// gatewayCode is the resultcode of a gateway-shaped error body {"resultcode","resultmsg"}
// (reading AMB.7), "" for any other body.
func gatewayCode(body []byte) string {
	var m struct {
		Code *string `json:"resultcode"`
	}
	if json.Unmarshal(body, &m) != nil || m.Code == nil {
		return ""
	}
	return *m.Code
}

// throttleViolation is ThrottleViolation read with the profile's AMB.7 value: a 403
// {"resultcode":"1010009","resultmsg":...} is well-formed under gateway and lenient, and under
// strict is named as the reading the profile does not allow.
func (p *throttleProbe) throttleViolation(r Response) string {
	if gatewayCode(r.Body) != CodeThrottled {
		return ThrottleViolation(r)
	}
	var m struct {
		Msg *string `json:"resultmsg"`
	}
	var probs []string
	switch {
	case json.Unmarshal(r.Body, &m) != nil || m.Msg == nil || *m.Msg == "":
		probs = append(probs, "resultmsg missing")
	case p.cfg.ErrorBody != "gateway" && p.cfg.ErrorBody != "lenient":
		probs = append(probs, `{"resultcode","resultmsg"}: reading AMB.7=gateway, which this profile does not allow`)
	}
	if r.Status != 403 {
		probs = append(probs, fmt.Sprintf("status %d, want 403", r.Status))
	}
	return strings.Join(probs, "; ")
}
