package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
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
	// DeclaredLimit and DeclaredWindow are what the profile declares.
	DeclaredLimit  int
	DeclaredWindow time.Duration
	// DeclaredType is fixed, sliding, token-bucket, or "" / "any" for no expectation.
	DeclaredType string
	// DeclaredRejectedCount is whether throttled calls count, nil for no expectation.
	DeclaredRejectedCount *bool
	// Concurrency is the number of concurrent senders of the over-admission phase.
	Concurrency int
	// MaxRequests and MaxDuration bound the probe; zero takes Describe's computed bounds.
	MaxRequests int
	MaxDuration time.Duration
	// Timeline is the timeline's bucket; zero means a tenth of the declared window.
	Timeline time.Duration
	// Clock is the probe's time; nil means RealClock. It must be the target's clock (for a
	// manual reference platform, an AdvanceClock).
	Clock Clock
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
		c.Clock = RealClock{}
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

// plan computes the probe's bounds from the declared throttle.
func (c ThrottleConfig) plan() Plan {
	d, n := c.DeclaredWindow, c.DeclaredLimit
	exhaustCap := 3 * n
	coarse, fine := c.pollSteps()
	polls := int(3*d/coarse) + 3*int(3*d/fine)
	hammer := int(2 * d / c.hammerStep())
	reqs := exhaustCap*5 + polls + hammer + c.Concurrency + 1
	return Plan{
		Probe:       "throttle",
		MaxRate:     float64(time.Second) / float64(c.hammerStep()),
		MaxInFlight: c.Concurrency,
		MaxDuration: 14 * d,
		MaxRequests: reqs,
		Steps: []string{
			fmt.Sprintf("stay quiet %s so earlier calls expire", d+d/10),
			fmt.Sprintf("threshold: sequential queries until the first 1010009 (at most %d)", exhaustCap),
			fmt.Sprintf("window: one query every %s, then every %s, until slots return, three times; the second time %d concurrent senders exhaust them", coarse, fine, c.Concurrency),
			"isolation: one query as the second app while the first is throttled",
			fmt.Sprintf("rejected calls: keep querying every %s while throttled, compare when slots return", c.hammerStep()),
			"window type: half the quota, wait half a window, the rest; count the slots that come back",
		},
		Note: fmt.Sprintf("takes about 8 declared windows (%s) of the target's time", 8*d),
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
	case r.Code == CodeThrottled || r.Status == 429:
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
		if v := ThrottleViolation(r); v != "" {
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
	n, fails := 0, 0
	for range 3 * p.cfg.DeclaredLimit {
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
		if err := sleepUntil(ctx, p.cfg.Clock, next); err != nil {
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
	checks := throttleChecks(cfg, m, res, p)
	if err != nil {
		return res, checks, fmt.Errorf("throttle probe: %w", partial(err))
	}
	return res, checks, nil
}

// throttleMeasure is what the phases found.
type throttleMeasure struct {
	limit, concurrent         int
	limitFound                bool
	t0                        time.Time
	r1, r2, r3, hammer, split slotReturn
	splitFirst                int
	isolated                  *bool
	quietDelay                time.Duration
}

func (p *throttleProbe) run(ctx context.Context, m *throttleMeasure) error {
	cfg, d := p.cfg, p.cfg.DeclaredWindow
	coarse, fine := cfg.pollSteps()
	seq := func(ctx context.Context) (int, error) { return p.exhaust(ctx, cfg.App) }

	p.progress("quiet")
	if err := cfg.Clock.Sleep(ctx, d+d/10); err != nil {
		return err
	}
	// Start at a third of a wall-clock window, so a window aligned to the wall clock and one
	// aligned to the first call end at different times.
	phase := time.Duration(cfg.Clock.Now().UnixNano() % int64(d))
	if err := cfg.Clock.Sleep(ctx, (d/3-phase+d)%d); err != nil {
		return err
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

	p.progress("window")
	// A coarse pass finds roughly when slots return; fine passes start just before that.
	if m.r1, err = p.awaitReturn(ctx, m.t0, 0, coarse, 3*d, 1, seq); err != nil || !m.r1.found {
		return err
	}
	m.quietDelay = m.r1.at.Sub(m.t0)
	minSlots := 1
	if m.r1.slots >= m.limit/2 {
		minSlots = m.r1.slots / 2
	}
	conc := func(ctx context.Context) (int, error) { return p.exhaustConcurrent(ctx, cfg.App) }
	lo := 8 * min(m.quietDelay, d) / 10
	if m.r2, err = p.awaitReturn(ctx, m.r1.at, lo, fine, 3*d, minSlots, conc); err != nil || !m.r2.found {
		return err
	}
	m.concurrent = m.r2.slots

	if cfg.SecondApp != "" {
		p.progress("isolation")
		o, err := p.call(ctx, cfg.SecondApp)
		if err != nil {
			return err
		}
		iso := o == outAccepted
		m.isolated = &iso
	}

	lo = 8 * m.r2.at.Sub(m.r1.at) / 10
	if m.r3, err = p.awaitReturn(ctx, m.r2.at, lo, fine, 3*d, minSlots, seq); err != nil || !m.r3.found {
		return err
	}
	w := m.window(cfg)

	p.progress("rejected")
	if m.hammer, err = p.awaitReturn(ctx, m.r3.at, 0, cfg.hammerStep(), 16*max(w, d)/10, minSlots, seq); err != nil {
		return err
	}

	p.progress("type")
	quiet := 11 * max(w, d) / 10
	if err := sleepUntil(ctx, cfg.Clock, cfg.Clock.Now().Add(quiet)); err != nil {
		return err
	}
	t5 := cfg.Clock.Now()
	for range max(m.limit/2, 1) {
		o, err := p.call(ctx, cfg.App)
		if err != nil {
			return err
		}
		if o == outThrottled {
			break
		}
		m.splitFirst++
	}
	if err := sleepUntil(ctx, cfg.Clock, t5.Add(d/2)); err != nil {
		return err
	}
	if _, err := p.exhaust(ctx, cfg.App); err != nil {
		return err
	}
	if m.split, err = p.awaitReturn(ctx, t5, 9*w/10, fine, 17*max(w, d)/10, 1, seq); err != nil {
		return err
	}
	p.progress("done")
	return nil
}
