package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Capacity defaults.
const (
	DefaultStepDuration = 10 * time.Second
	DefaultSLOp99       = 500 * time.Millisecond
	DefaultMaxErrorRate = 0.01
	// DefaultValidateEvery validates every answer: one validation costs ~25 µs, so 100 % at
	// 5,000 req/s is about 0.13 of a core (BenchmarkValidateUnderLoad).
	DefaultValidateEvery = 1
	// MinAchievedRatio is the share of the paced rate a step must send to count as sustained.
	MinAchievedRatio = 0.95
	// IntendedHeader is added to every result written to the results file: the request's
	// intended send time (Unix nanoseconds), by the pacer's schedule. vegeta tools ignore it;
	// Merge reads it to measure latency from the intended time.
	IntendedHeader = "X-Batchcert-Intended"
	// attackPrefix names each step's vegeta attack "capacity@RATE".
	attackPrefix = "capacity@"
	// MaxInFlightCeiling is the most requests a step keeps in flight by default (workers and
	// connections alike): 10,000 req/s for 100 s peaked at 45 MiB RSS with it, on a stalling
	// target. Set MaxWorkers to go past it.
	MaxInFlightCeiling = 512
	// histMax is the longest latency the histograms hold (longer ones are clamped to it).
	histMax = int64(5 * time.Minute / time.Microsecond)
)

// Validator checks one response of the load (the lead plugs in the OpenAPI and contract
// validation). It returns the violations, none for a valid response.
type Validator func(status int, body []byte) []batchcert.Violation

// CapacityConfig configures SearchCapacity.
type CapacityConfig struct {
	// App is the Target.Apps alias the load runs as.
	App string
	// Operation is the operation loaded: OpQuery (the default) or OpCreate.
	Operation string
	// TaskID is the task queried; "" creates one first.
	TaskID string
	// CreateBody builds the n-th create of a create search (nil: CreateBodyFor the target's
	// Fixture). Task names must differ: the platform refuses a name used twice.
	CreateBody func(appID string, nonce int64, n uint64) []byte
	// TaskLimit is how many unfinished tasks per app the target allows (create only; zero:
	// DefaultTaskLimit, the documented 10). A created task stays unfinished for a while, so
	// the planned creates must fit in it, or DescribeCapacity refuses the plan with
	// ErrOverTaskLimit (a usage error): all of them, or each step's with ResetBetweenSteps.
	TaskLimit int
	// ResetBetweenSteps resets the reference platform through its control API before each
	// create step, dropping the tasks of the steps before. SearchCapacity sets it for a create
	// search on a target with a control URL.
	ResetBetweenSteps bool
	// Rates are the steps' rates in requests per second, tried in order (see LinearRates).
	Rates []float64
	// StepDuration is each step's length.
	StepDuration time.Duration
	// MaxRequests bounds the whole search; zero means the sum of rate × StepDuration.
	MaxRequests int
	// SLOp99 and MaxErrorRate decide whether a step was sustained.
	SLOp99       time.Duration
	MaxErrorRate float64
	// ValidateEvery validates one response in N with Validate (0: DefaultValidateEvery, every
	// one); the step records how many it validated and what that cost.
	ValidateEvery int
	Validate      Validator
	// Results receives every result, gob-encoded by vegeta's encoder (nil: not kept).
	Results io.Writer
	// DeclaredThrottle is the declared throttle in requests per second (limit / window); a
	// rate above it needs AllowOverThrottle. Zero: no throttle declared.
	DeclaredThrottle  float64
	AllowOverThrottle bool
	// Pool lists the apps the search loads, each with its own login and token and, for a
	// query search, its own queried task; nil: App alone, with DeclaredThrottle as its quota.
	// Every step's rate is split over the pool in proportion to the apps' quotas (SplitPool
	// with one shard), so that no app is loaded above its quota: a top rate above the sum of
	// the quotas is ErrOverThrottle unless AllowOverThrottle. With a pool, DeclaredThrottle
	// and App are not used.
	Pool []PoolApp
	// Timeout bounds one request (vegeta.DefaultTimeout when zero).
	Timeout time.Duration
	// Workers is vegeta's initial worker count (vegeta.DefaultWorkers when zero).
	Workers uint64
	// MaxWorkers caps vegeta's workers and the connections to the target, so that a target
	// that stalls cannot make the generator's goroutines, connections and memory grow without
	// bound (vegeta's own default is unbounded). Zero means each step's InFlightBound. While
	// every worker is busy, requests wait for one: latency measured from the intended send time
	// shows that queueing (vegeta's own latency would hide it), so a capped step that falls
	// behind fails its SLO rather than looking fast.
	MaxWorkers uint64
	// Progress receives a line per second and per step (nil: none).
	Progress io.Writer
	// Unfinished, when set, is told every task SearchCapacity created, as soon as its create
	// is answered: each app's queried task, and a create search's admitted creates when it
	// loads one app (a pool's answers do not say which app sent them). Each may still be
	// unfinished when the search returns. RunShard tells its queried tasks to nothing.
	Unfinished func(Task)
}

func (c CapacityConfig) withDefaults() CapacityConfig {
	if c.App == "" {
		c.App = "primary"
	}
	if c.Operation == "" {
		c.Operation = OpQuery
	}
	if c.TaskLimit <= 0 {
		c.TaskLimit = DefaultTaskLimit
	}
	if c.StepDuration <= 0 {
		c.StepDuration = DefaultStepDuration
	}
	if c.SLOp99 <= 0 {
		c.SLOp99 = DefaultSLOp99
	}
	if c.MaxErrorRate <= 0 {
		c.MaxErrorRate = DefaultMaxErrorRate
	}
	if c.ValidateEvery <= 0 {
		c.ValidateEvery = DefaultValidateEvery
	}
	if c.Timeout <= 0 {
		c.Timeout = vegeta.DefaultTimeout
	}
	if c.Workers == 0 {
		c.Workers = vegeta.DefaultWorkers
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.MaxRequests <= 0 {
		for _, r := range c.Rates {
			c.MaxRequests += stepRequests(r, c.StepDuration)
		}
	}
	return c
}

// apps is the search's pool split for a top rate: each app and its share of every step's
// rate (the one app, whole, without a pool). An over-quota top rate is ErrOverThrottle.
func (c CapacityConfig) apps(top float64) ([]ShardApp, error) {
	if len(c.Pool) == 0 {
		return []ShardApp{{Alias: c.App, Share: 1}}, nil
	}
	sp, err := SplitPool(c.Pool, 1, top, SplitOptions{AllowOverQuota: c.AllowOverThrottle})
	if err != nil {
		return nil, fmt.Errorf("capacity search: %w", err)
	}
	return sp.Shards[0], nil
}

// InFlightBound is the default cap on a step's requests in flight (workers and connections):
// rate × SLOp99 by Little's law, the most a step can hold in flight and still meet its SLO,
// at least workers and at most MaxInFlightCeiling.
func InFlightBound(rate float64, sloP99 time.Duration, workers uint64) uint64 {
	n := uint64(math.Ceil(rate * sloP99.Seconds()))
	return max(min(n, MaxInFlightCeiling), workers, 1)
}

func stepRequests(rate float64, d time.Duration) int {
	return int(math.Ceil(rate * d.Seconds()))
}

// LinearRates returns n rates from start, step apart: a linear ramp of steps.
func LinearRates(start, step float64, n int) []float64 {
	rs := make([]float64, n)
	for i := range rs {
		rs[i] = start + float64(i)*step
	}
	return rs
}

// DescribeCapacity returns the search's plan, or ErrOverThrottle (a usage error) when a rate
// exceeds the declared throttle without AllowOverThrottle.
func DescribeCapacity(cfg CapacityConfig) (Plan, error) {
	c := cfg.withDefaults()
	if len(c.Rates) == 0 {
		return Plan{}, batchcert.Usagef("capacity search: no rates")
	}
	if c.Operation != OpQuery && c.Operation != OpCreate {
		return Plan{}, batchcert.Usagef("capacity search: operation %q: want query or create", c.Operation)
	}
	top := 0.0
	for _, r := range c.Rates {
		if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return Plan{}, batchcert.Usagef("capacity search: rate %v: must be positive", r)
		}
		top = max(top, r)
	}
	if len(c.Pool) == 0 && c.DeclaredThrottle > 0 && top > c.DeclaredThrottle && !c.AllowOverThrottle {
		return Plan{}, &batchcert.ExitError{Code: batchcert.ExitUsage, Err: fmt.Errorf(
			"capacity search: %w: %.6g req/s > %.6g req/s; set AllowOverThrottle to measure past it", ErrOverThrottle, top, c.DeclaredThrottle)}
	}
	apps, err := c.apps(top)
	if err != nil {
		return Plan{}, err
	}
	if c.Operation == OpCreate {
		if err := checkCreatePlan(c, apps); err != nil {
			return Plan{}, err
		}
	}
	steps := make([]string, 0, len(c.Rates)+3)
	if len(c.Pool) > 0 {
		steps = append(steps, "split each step's rate over the pool, each app with its own token: "+appsString(apps))
	}
	if c.ResetBetweenSteps {
		steps = append(steps, "before each step: reset the reference platform (control API), dropping the earlier steps' tasks")
	}
	for _, r := range c.Rates {
		steps = append(steps, fmt.Sprintf("%s at %s for %s (at most %d requests)", c.Operation, batchcert.FormatRate(r), batchcert.FormatDuration(c.StepDuration), stepRequests(r, c.StepDuration)))
	}
	if c.Operation == OpCreate {
		steps = append(steps, fmt.Sprintf("each create is a new, uniquely named task; at most %d unfinished at once (the task limit)", c.TaskLimit))
	}
	steps = append(steps, fmt.Sprintf("stop at the first step with p99 > %s (from the intended send time), errors > %.2g %%, or under %.0f %% of its rate",
		c.SLOp99, 100*c.MaxErrorRate, 100*MinAchievedRatio))
	inFlight := c.MaxWorkers
	if inFlight == 0 {
		inFlight = InFlightBound(top, c.SLOp99, c.Workers)
	}
	return Plan{
		Probe:       "capacity",
		MaxRate:     top,
		MaxInFlight: int(inFlight),
		MaxDuration: time.Duration(len(c.Rates)) * (c.StepDuration + c.Timeout),
		MaxRequests: c.MaxRequests,
		Steps:       steps,
	}, nil
}

// intendedPacer paces a step at a constant rate, stops after max hits, and knows each hit's
// intended send time: hit n is due at began + n/rate whatever the attacker managed, so
// latency measured from it includes the time a request waited to be sent (coordinated
// omission).
type intendedPacer struct {
	rate float64
	max  uint64

	once  sync.Once
	began time.Time
}

var _ vegeta.Pacer = (*intendedPacer)(nil)

// Pace implements vegeta.Pacer.
func (p *intendedPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	p.once.Do(func() { p.began = time.Now().Add(-elapsed) })
	if hits >= p.max {
		return 0, true
	}
	return p.offset(hits) - elapsed, false
}

// Rate implements vegeta.Pacer.
func (p *intendedPacer) Rate(time.Duration) float64 { return p.rate }

func (p *intendedPacer) offset(n uint64) time.Duration {
	return time.Duration(float64(n) / p.rate * float64(time.Second))
}

// intended is when hit seq was due. vegeta numbers hits in the order workers take them, which
// is the pacer's order up to a swap between two workers: an error of one interval at most.
func (p *intendedPacer) intended(seq uint64) time.Time { return p.began.Add(p.offset(seq)) }

var errorCodeKey = []byte(`"error_code"`)

// stepStats accumulates one step's results in constant memory.
type stepStats struct {
	rate       float64
	metrics    vegeta.Metrics
	hist       *hdrhistogram.Histogram
	errors     int
	violations []batchcert.Violation
	nViolation int
	validated  int
	validation time.Duration
	cpu0       time.Duration
}

func newStepStats(rate float64) *stepStats {
	return &stepStats{rate: rate, hist: hdrhistogram.New(1, histMax, 3), cpu0: processCPU()}
}

func (s *stepStats) add(r *vegeta.Result, intended time.Time) {
	s.metrics.Add(r)
	_ = s.hist.RecordValue(latencyMicros(r, intended))
	if failedResult(r) {
		s.errors++
	}
}

// latencyMicros is what the histograms record of a result: its latency from the intended send
// time (never less than vegeta's own), in microseconds, within the histograms' range.
func latencyMicros(r *vegeta.Result, intended time.Time) int64 {
	lat := max(r.End().Sub(intended), r.Latency)
	return min(max(int64(lat/time.Microsecond), 1), histMax)
}

// failedResult says whether a load result counts as an error. A 2xx carrying an error_code is
// an error too: the platform answers some refusals (105001, the task limit) with 200.
func failedResult(r *vegeta.Result) bool {
	return r.Error != "" || r.Code < 200 || r.Code >= 300 || bytes.Contains(r.Body, errorCodeKey) ||
		len(r.Body) > maxBody // a body over the cap is no admitted call
}

func (s *stepStats) step(cfg CapacityConfig) batchcert.CapacityStep {
	s.metrics.Close()
	n := int(s.metrics.Requests)
	st := batchcert.CapacityStep{Rate: s.rate, Achieved: s.metrics.Rate, Requests: n,
		Validated: s.validated, Validation: s.validation, HarnessCPU: max(0, processCPU()-s.cpu0)}
	if n == 0 {
		return st
	}
	st.ErrorRate = float64(s.errors) / float64(n)
	latencies(&st, s.hist)
	st.OK = sustained(st, cfg, s.nViolation)
	return st
}

// latencies sets a step's percentiles from its histogram of microseconds.
func latencies(st *batchcert.CapacityStep, h *hdrhistogram.Histogram) {
	q := func(p float64) time.Duration { return time.Duration(h.ValueAtQuantile(p)) * time.Microsecond }
	st.P50, st.P90, st.P99, st.Max = q(50), q(90), q(99), time.Duration(h.Max())*time.Microsecond
}

// sustained is the rule that decides whether a capacity step was sustained, for one process
// and for the merge of a distributed run's shards alike.
func sustained(st batchcert.CapacityStep, cfg CapacityConfig, violations int) bool {
	return st.Requests > 0 && st.P99 <= cfg.SLOp99 && st.ErrorRate <= cfg.MaxErrorRate &&
		st.Achieved >= MinAchievedRatio*st.Rate && violations == 0
}

// SearchCapacity runs the steps of cfg.Rates in order, open-model (vegeta paces the requests
// whatever the target's latency), and stops at the first step not sustained. It returns one
// step per attempted rate, the sustained rate, and up to 10 validation violations. A cancelled
// context stops the attack at once; the steps measured so far come back with an ErrPartial
// error.
func SearchCapacity(ctx context.Context, t Target, cfg CapacityConfig) (*batchcert.CapacityResult, []batchcert.Violation, error) {
	cfg = cfg.withDefaults()
	if cfg.Operation == OpCreate && t.Control != "" {
		cfg.ResetBetweenSteps = true
	}
	if cfg.ResetBetweenSteps && t.Control == "" {
		return nil, nil, batchcert.Usagef("capacity search: resetting between steps needs the target's control URL")
	}
	if _, err := DescribeCapacity(cfg); err != nil {
		return nil, nil, err
	}
	apps, err := cfg.apps(slices.Max(cfg.Rates))
	if err != nil {
		return nil, nil, err
	}
	s := NewSession(t)
	if err := s.Err(); err != nil {
		return nil, nil, fmt.Errorf("capacity search: %w", err)
	}
	tasks := map[string]string{}
	for _, a := range apps {
		tasks[a.Alias] = cfg.TaskID
		if cfg.Operation == OpQuery && cfg.TaskID == "" {
			id, err := createOne(ctx, s, a.Alias)
			if err != nil {
				return nil, nil, fmt.Errorf("capacity search: %s: %w", a.Alias, err)
			}
			tasks[a.Alias] = id
			if cfg.Unfinished != nil {
				app, _ := s.App(a.Alias)
				cfg.Unfinished(Task{Alias: a.Alias, App: app.AppID, ID: id, Created: time.Now(), Timeout: queriedTaskTimeout})
			}
		}
	}
	nonce, seq := newNonce(), new(atomic.Uint64)
	var enc vegeta.Encoder
	if cfg.Results != nil {
		enc = vegeta.NewEncoder(cfg.Results)
	}
	res := &batchcert.CapacityResult{Operation: cfg.Operation, SLOp99: cfg.SLOp99, MaxErrorRate: cfg.MaxErrorRate}
	for _, a := range apps {
		res.Apps = append(res.Apps, a.Alias)
	}
	defer func() { res.Connections = s.Connections() }()
	var viols []batchcert.Violation
	left := cfg.MaxRequests
	for _, rate := range cfg.Rates {
		n := min(stepRequests(rate, cfg.StepDuration), left)
		if n <= 0 {
			break
		}
		left -= n
		tr, err := prepareStep(ctx, s, cfg, apps, tasks, nonce, seq)
		if err != nil {
			return res, viols[:min(len(viols), 10)], fmt.Errorf("capacity search: %w", partial(err))
		}
		st, err := runStep(ctx, s, cfg, tr, rate, uint64(n), enc)
		step := st.step(cfg)
		viols = append(viols, st.violations...)
		res.Steps = append(res.Steps, step)
		fmt.Fprintf(cfg.Progress, "capacity: step %s: achieved %s, %d requests, errors %.2f %%, p50 %s p99 %s max %s, sustained %v\n",
			batchcert.FormatRate(rate), batchcert.FormatNumber(step.Achieved), step.Requests, 100*step.ErrorRate,
			batchcert.FormatDuration(step.P50), batchcert.FormatDuration(step.P99), batchcert.FormatDuration(step.Max), step.OK)
		if err != nil {
			return res, viols[:min(len(viols), 10)], fmt.Errorf("capacity search: %w", partial(err))
		}
		if !step.OK {
			break
		}
		res.Sustained = rate
	}
	return res, viols[:min(len(viols), 10)], nil
}

// runStep attacks at rate for StepDuration or n requests, whichever ends first, through the
// session's client (its connection model), counting the step's requests in the session's.
func runStep(ctx context.Context, s *Session, cfg CapacityConfig, tr vegeta.Targeter, rate float64, n uint64, enc vegeta.Encoder) (*stepStats, error) {
	inFlight := cfg.MaxWorkers
	if inFlight == 0 {
		inFlight = InFlightBound(rate, cfg.SLOp99, cfg.Workers)
	}
	opts := []func(*vegeta.Attacker){vegeta.Timeout(cfg.Timeout), vegeta.Workers(min(cfg.Workers, inFlight)),
		vegeta.MaxWorkers(inFlight), vegeta.KeepAlive(true), vegeta.MaxBody(maxBody + 1),
		vegeta.Connections(int(inFlight)), vegeta.MaxConnections(int(inFlight))}
	if c := loadClient(s.client, cfg.Timeout, int(inFlight)); c != nil {
		opts = append(opts, vegeta.Client(c)) // after Connections: they set vegeta's own client
	}
	atk := vegeta.NewAttacker(opts...)
	pacer := &intendedPacer{rate: rate, max: n}
	name := attackPrefix + strconv.FormatFloat(rate, 'g', -1, 64)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	st := newStepStats(rate)
	defer func() { s.requests.Add(int64(st.metrics.Requests)) }()
	created := createdTasks(s, cfg)
	var encErr error
	lastPrint := time.Now()
	for r := range atk.Attack(tr, pacer, cfg.StepDuration, name) {
		// Wall-clock readings only, as the results file records them: a re-read of the file
		// (batchcert merge) then measures exactly the latencies measured here.
		intended := pacer.intended(r.Seq).Round(0)
		r.Timestamp = r.Timestamp.Round(0)
		st.add(r, intended)
		if created != nil && !failedResult(r) {
			created(r)
		}
		if cfg.Validate != nil && r.Seq%uint64(cfg.ValidateEvery) == 0 && r.Error == "" {
			t0 := time.Now()
			vs := cfg.Validate(int(r.Code), r.Body)
			st.validation += time.Since(t0)
			st.validated++
			if len(vs) > 0 {
				st.nViolation += len(vs)
				if len(st.violations) < 10 {
					st.violations = append(st.violations, vs...)
				}
			}
		}
		if enc != nil && encErr == nil {
			if r.Headers == nil {
				r.Headers = http.Header{}
			}
			r.Headers.Set(IntendedHeader, strconv.FormatInt(intended.UnixNano(), 10))
			if encErr = enc.Encode(r); encErr != nil {
				atk.Stop()
			}
		}
		if now := time.Now(); now.Sub(lastPrint) >= time.Second {
			lastPrint = now
			fmt.Fprintf(cfg.Progress, "capacity: %s: elapsed %s requests %d errors %d\n",
				batchcert.FormatRate(rate), batchcert.FormatDuration(now.Sub(pacer.began)), st.metrics.Requests, st.errors)
		}
	}
	switch {
	case encErr != nil:
		return st, fmt.Errorf("write results: %w", encErr)
	case ctx.Err() != nil:
		return st, ctx.Err()
	}
	return st, nil
}

// loadClient adapts the target's client for load: conns connections per host at most, all
// kept idle between requests (the total idle cap too: net/http's default of 100 would close
// every connection past the 100th after its request, and a step holding more in flight would
// dial anew for most of its requests). Nil means vegeta's default client (capped by the
// attacker's options).
func loadClient(c *http.Client, timeout time.Duration, conns int) *http.Client {
	if c == nil {
		return nil
	}
	cc := *c
	cc.Timeout = timeout
	if tr, ok := c.Transport.(*http.Transport); ok {
		tr = tr.Clone()
		tr.MaxIdleConnsPerHost = conns
		tr.MaxIdleConns = conns
		tr.MaxConnsPerHost = conns
		cc.Transport = tr
	}
	return &cc
}

// refusedForNow tells a create refused for the platform's present state (the task limit, the
// throttle, a server error) from one refused for what it asked.
func refusedForNow(resp Response) bool {
	return resp.Code == CodeTaskLimit || resp.Code == CodeThrottled || resp.Status >= 500
}

// createdTasks returns what tells cfg.Unfinished of a create step's admitted creates, nil
// when there is none to tell: a query search, no Unfinished, or a pool (vegeta's results do
// not say which app's create an answer is).
func createdTasks(s *Session, cfg CapacityConfig) func(r *vegeta.Result) {
	if cfg.Unfinished == nil || cfg.Operation != OpCreate || len(cfg.Pool) > 0 {
		return nil
	}
	app, err := s.App(cfg.App)
	if err != nil {
		return nil
	}
	timeout := queriedTaskTimeout // CreateBodyFor's
	if cfg.CreateBody != nil {
		timeout = apiclient.CreateTimeout(cfg.CreateBody(app.AppID, 0, 0))
	}
	return func(r *vegeta.Result) {
		var created struct {
			TaskID string `json:"taskID"`
		}
		if json.Unmarshal(r.Body, &created) == nil && created.TaskID != "" {
			cfg.Unfinished(Task{Alias: cfg.App, App: app.AppID, ID: created.TaskID, Created: r.End().Round(0), Timeout: timeout})
		}
	}
}

// queriedTaskTimeout is the timeout, in minutes, of the task a capacity search queries and of
// a create search's tasks: the documented minimum, so that each holds its slot for as short
// a time as the platform allows, on the fixture's first device (the fastest to answer).
const queriedTaskTimeout = 10

// createOne creates the task a capacity search queries.
func createOne(ctx context.Context, s *Session, alias string) (string, error) {
	app, err := s.App(alias)
	if err != nil {
		return "", err
	}
	if err := s.t.Fixture.Err(); err != nil {
		return "", fmt.Errorf("create the queried task: %w", err)
	}
	body := s.t.Fixture.body(app.AppID, fmt.Sprintf("batchcert-query-%d", time.Now().UnixNano()), queriedTaskTimeout)
	resp, err := s.Create(ctx, alias, body)
	if err != nil {
		return "", fmt.Errorf("create the queried task: %w", err)
	}
	var created struct {
		TaskID string `json:"taskID"`
	}
	if refusedForNow(resp) {
		// The platform's state, not the profile: the app's task slots or quota are in use
		// (by this run's earlier calls, or another client's). The probe could not be carried
		// out; the run keeps its results and says why (never a usage error that loses them).
		return "", fmt.Errorf("create the queried task for app %s: the target answered %d, code %q (the app's task slots or throttle quota are in use): the capacity step could not run",
			app.AppID, resp.Status, resp.Code)
	}
	if resp.Code != "" || json.Unmarshal(resp.Body, &created) != nil || created.TaskID == "" {
		// The target answered: it is reachable, and the profile's fixture is what it refused
		// (101001 for an unknown device), a configuration error, not an unreachable target.
		return "", batchcert.Usagef("create the queried task on fixtures.deviceIds[0] %q: the target answered %d, code %q: check the profile's fixtures",
			s.t.Fixture.Devices[0], resp.Status, resp.Code)
	}
	return created.TaskID, nil
}
