package certify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// The load probes, by name.
const (
	ProbeThrottle  = "throttle"
	ProbeTaskLimit = "tasklimit"
	ProbeCapacity  = "capacity"
)

// Probes are the probes Run runs after the suite, in order.
var Probes = []string{ProbeThrottle, ProbeTaskLimit, ProbeCapacity}

// Requirements the probes judge (contracts/requirements.yaml), named once: the throttle
// and the task limit, and the contract every answer under load keeps (the 200 body of the
// operation loaded).
const (
	ReqThrottle           = loadtest.ReqThrottle
	ReqTaskLimit          = loadtest.ReqTaskLimit
	ReqQueryUnderLoad     = "RSP.query.status"
	ReqCreateUnderLoad    = "RSP.create.taskID"
	ProbeGrace            = 2 * time.Minute // added to a probe's planned duration (logins, alignment, the last calls)
	referenceCreateLimit  = 1 << 30         // the reference's task limit in a create search: no step is refused 105001
	referenceCapacityRate = 200             // certify's capacity step on the embedded reference
)

// Capacity defaults (the CLI's flag defaults).
var (
	// DefaultRates are the capacity search's steps, in requests per second, where no declared
	// throttle bounds them.
	DefaultRates = []float64{200, 400, 800, 1600}
)

// Capacity defaults (the CLI's flag defaults).
const (
	DefaultStepDuration = 2 * time.Second
	DefaultSLOp99       = 50 * time.Millisecond
	// WithinThrottleShare is the share of the declared throttle a real platform's default
	// capacity step runs at (of every app's together, for a pool).
	WithinThrottleShare = 0.9
)

// Load configures the load probes; the zero value of a field is the probe's default.
type Load struct {
	// Concurrency is the concurrent senders (throttle: 20, tasklimit: 50).
	Concurrency int
	// Runs is the task-limit races (0: loadtest.DefaultRaceRuns with a control API, 1 without:
	// nothing empties a real platform's task slots between races).
	Runs int
	// MaxRequests and MaxDuration bound each probe (0: its computed bound).
	MaxRequests int
	MaxDuration time.Duration
	// Rates are the capacity steps (requests/s). nil: one step at WithinThrottleShare of the
	// declared throttle on a real platform (unless AllowOverThrottle), DefaultRates otherwise.
	Rates []float64
	// StepDuration, SLOp99 and MaxErrorRate: each capacity step's length and what it must keep
	// to (0: DefaultStepDuration, DefaultSLOp99, loadtest.DefaultMaxErrorRate).
	StepDuration time.Duration
	SLOp99       time.Duration
	MaxErrorRate float64
	// Results receives every capacity result in vegeta's gob format (nil: not kept).
	Results io.Writer
	// AllowOverThrottle lets capacity rates exceed the declared throttle.
	AllowOverThrottle bool
	// Operation is what capacity loads: loadtest.OpQuery (default) or loadtest.OpCreate.
	Operation string
	// ValidateEvery validates one answer in N under load (0: loadtest.DefaultValidateEvery).
	ValidateEvery int
	// Conn is the connection model of the probes' calls (apiclient.KeepAlive when "").
	Conn apiclient.ConnModel
	// ProbeDeadlines bounds each probe by its plan plus ProbeGrace (set it when nothing bounds
	// the whole run).
	ProbeDeadlines bool
	// Progress receives the plans and progress lines (nil: none).
	Progress io.Writer
	// OnToken is told every token the probes' logins are issued, to keep it out of output.
	OnToken func(token string)

	// held is what the run's suite still holds on the race's app (Run reads it from the run
	// state): the race waits for those tasks to end, up to the suite's -max-wait.
	held *loadtest.SlotsWait
	// tasks, when set, collects the tasks the probes leave possibly unfinished (Run writes
	// them into the run state).
	tasks *probeTasks
}

// probeTasks are the tasks the probes of a run created and may have left unfinished.
type probeTasks struct {
	mu    sync.Mutex
	tasks []loadtest.Task
}

// add is the probes' Unfinished; a nil collector keeps nothing.
func (p *probeTasks) add(t loadtest.Task) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tasks = append(p.tasks, t)
}

// unfinished is the probes' Unfinished, nil when nothing collects the tasks.
func (p *probeTasks) unfinished() func(loadtest.Task) {
	if p == nil {
		return nil
	}
	return p.add
}

func (p *probeTasks) list() []loadtest.Task {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]loadtest.Task(nil), p.tasks...)
}

// on counts the collected tasks of appID.
func (p *probeTasks) on(appID string) int {
	n := 0
	for _, t := range p.list() {
		if t.App == appID {
			n++
		}
	}
	return n
}

func (l Load) progress() io.Writer {
	if l.Progress == nil {
		return io.Discard
	}
	return l.Progress
}

// declaredRate is the declared throttle of one app in requests per real second, 0 for none.
func declaredRate(limits scenarios.Limits) float64 {
	if w := realWindow(limits); w > 0 && limits.Throttle.Limit > 0 {
		return float64(limits.Throttle.Limit) / w.Seconds()
	}
	return 0
}

// realWindow is the declared throttle window in real time: a test platform on a scaled
// clock (limits.timeScale, platform seconds per real second) passes its window that much
// sooner, and the probes wait and measure in real time. 1 (every real platform) changes
// nothing.
func realWindow(limits scenarios.Limits) time.Duration {
	w := limits.ThrottleWindow()
	if s := limits.TimeScale; s > 0 && s != 1 {
		return time.Duration(float64(w) / s)
	}
	return w
}

// ReferenceCapacity is the embedded reference configured for a capacity search: its
// throttle would answer 1010009 to almost every call, and its task limit 105001 to all but 10
// creates of a create search; the search measures the platform, so both are lifted (the plan
// says so), and the rates may pass the throttle the profile still declares.
func ReferenceCapacity(c refplatform.Config, l *Load) refplatform.Config {
	c.Throttle.Limit = 1 << 30
	if l.Operation == loadtest.OpCreate {
		c.TaskLimit = referenceCreateLimit
	}
	l.AllowOverThrottle = true
	return c
}

// Target is p's target in the load probes' terms: its base URL, HTTP client (every call
// bounded by loadtest.DefaultHTTPTimeout), control URL, fixtures, and every app of the
// profile by alias (primary, secondary, load, and the pool as pool.0, pool.1, ...), secrets
// resolved. A secret that is not set is a usage error naming the app.
func Target(p *Platform) (loadtest.Target, error) {
	client, err := scenarios.HTTPClient(p.Target)
	if err != nil {
		return loadtest.Target{}, batchcert.Usagef("%w", err)
	}
	client.Timeout = loadtest.DefaultHTTPTimeout
	fx := p.Target.Fixtures
	t := loadtest.Target{BaseURL: p.Target.BaseURL, Client: client, Apps: map[string]loadtest.App{},
		Fixture: loadtest.Fixture{Devices: fx.DeviceIDs, ServiceID: fx.ServiceID, Method: fx.Method, NoAnswerDevice: fx.NoAnswerDevice}}
	if p.Target.Control != nil {
		t.Control = p.Target.Control.URL
	}
	for _, a := range apps(p.Target) {
		switch a.field {
		case "unauthorized", "norights", "frozen":
			continue // the probes act as apps that may call the API
		}
		secret := a.app.Secret
		if n := a.app.SecretName(); n != "" {
			v, ok := p.Secrets(n)
			if !ok {
				return t, batchcert.Usagef("%s: the %s app's secret ${%s} is not set", p.Target.File, a.field, n)
			}
			secret = v
		}
		t.Apps[a.field] = loadtest.App{AppID: a.app.AppID, Secret: secret}
	}
	return t, nil
}

// throttleConfig is the throttle probe's configuration for t, judged by profile's reading.
func throttleConfig(t *scenarios.Target, l Load, clock apiclient.Clock) (loadtest.ThrottleConfig, error) {
	limits := t.Limits
	cfg := loadtest.ThrottleConfig{DeclaredLimit: limits.Throttle.Limit, DeclaredWindow: realWindow(limits),
		Concurrency: l.Concurrency, MaxRequests: l.MaxRequests, MaxDuration: l.MaxDuration, Clock: clock, Progress: l.Progress,
		TimeScale: limits.TimeScale}
	if t.Apps.Secondary != nil {
		cfg.SecondApp = "secondary"
	}
	return cfg, declareThrottle(&cfg, t.Profile)
}

// declareThrottle takes the window type and rejected-calls reading of the ambiguity profile
// (AMB.9): doc-strict declares a fixed window whose rejected calls do not count; "any"
// declares nothing, and the probe reports what it measured without judging it. A profile
// that does not resolve is an error: the probe never judges by a reading it guessed.
func declareThrottle(cfg *loadtest.ThrottleConfig, profile string) error {
	if profile == "" {
		profile = contracts.DefaultProfile
	}
	p, err := contracts.ProfileByName(profile)
	if err != nil {
		return batchcert.Usagef("throttle probe: the profile %q: %w", profile, err)
	}
	if p.ThrottleType != "" && p.ThrottleType != "any" {
		cfg.DeclaredType = p.ThrottleType
	}
	if b, err := strconv.ParseBool(p.ThrottleRejectedCount); err == nil {
		cfg.DeclaredRejectedCount = &b
	}
	cfg.ErrorBody = p.ErrorBody // AMB.7: the shape a throttled answer may take
	return nil
}

// taskLimitConfig is the race's configuration: on the profile's app for load when it names
// one (the race leaves primary's slots alone), once and after a refilled window on a real
// platform (the throttle probe may have just used the quota up).
func taskLimitConfig(t *scenarios.Target, reference bool, l Load, clock apiclient.Clock) loadtest.TaskLimitConfig {
	limits := t.Limits
	cfg := loadtest.TaskLimitConfig{Limit: limits.TaskLimit, Concurrency: l.Concurrency, Runs: l.Runs, Progress: l.Progress, Clock: clock,
		Unfinished: l.tasks.unfinished()}
	if t.Apps.Load != nil {
		cfg.App = "load"
	}
	control := reference || (t.Control != nil && t.Control.URL != "")
	if !control {
		if cfg.Runs == 0 {
			cfg.Runs = 1 // nothing empties a real platform's task slots between races
		}
		cfg.Ready = loadtest.WindowWait{Window: realWindow(limits), Clock: clock}
		if l.held != nil {
			w := *l.held
			w.WindowWait = cfg.Ready.(loadtest.WindowWait)
			cfg.Ready = w
		}
		cfg.DrainPoll = loadtest.DrainPollFor(limits.Throttle.Limit, realWindow(limits), cmp.Or(limits.TaskLimit, loadtest.DefaultTaskLimit))
		cfg.TimeScale = limits.TimeScale
	}
	return cfg
}

// capacityConfig is the capacity search's configuration and the note its plan carries.
// reference says the target is the embedded reference with its limits lifted
// (ReferenceCapacity).
func capacityConfig(t *scenarios.Target, reference bool, l Load) (loadtest.CapacityConfig, error) {
	limits := t.Limits
	declared := declaredRate(limits)
	pool := profilePool(t)
	rates := l.Rates
	if rates == nil {
		rates = DefaultRates
		if !reference && !l.AllowOverThrottle && declared > 0 {
			// A real platform by default: one step within the declared throttle (of every
			// app of the pool together), so the step measures the platform's answers, not
			// its throttle.
			rates = []float64{WithinThrottleShare * declared * float64(max(len(pool), 1))}
		}
	}
	op := cmp.Or(l.Operation, loadtest.OpQuery)
	cfg := loadtest.CapacityConfig{Operation: op, Rates: rates, StepDuration: cmp.Or(l.StepDuration, DefaultStepDuration),
		MaxRequests: l.MaxRequests, SLOp99: cmp.Or(l.SLOp99, DefaultSLOp99), MaxErrorRate: cmp.Or(l.MaxErrorRate, loadtest.DefaultMaxErrorRate),
		AllowOverThrottle: l.AllowOverThrottle, Progress: l.Progress, TaskLimit: limits.TaskLimit,
		ResetBetweenSteps: op == loadtest.OpCreate && t.Control != nil, ValidateEvery: l.ValidateEvery,
		DeclaredThrottle: declared, Results: l.Results, Pool: pool, Unfinished: l.tasks.unfinished()}
	if len(pool) == 0 {
		cfg.App, _ = capacityApp(t, l)
	}
	var err error
	if cfg.Validate, err = Validator(t.Profile, op); err != nil {
		return cfg, err
	}
	switch fx := t.Fixtures; {
	case op != loadtest.OpCreate:
	case reference:
		cfg.TaskLimit = referenceCreateLimit
	case len(fx.DeviceIDs) > 0 && fx.ServiceID != "" && fx.Method != "":
		cfg.CreateBody = loadtest.CreateBodyFor(fx.DeviceIDs[0], fx.ServiceID, fx.Method)
	default:
		return cfg, batchcert.Usagef("capacity -operation create: the profile's fixtures need deviceIds, serviceId and method")
	}
	return cfg, nil
}

// capacityApp is the app a capacity search without a pool loads, and so the app its
// queried task (or a create search's tasks) takes a slot of: the profile's load app, which
// the probes may use up, so that the task leaves primary's slots to the next run's suite;
// primary when there is none, or when the tasks this run knows of (the suite's, from the run
// state, and the race's left unfinished) hold every slot of the load app: its create would
// meet 105001, and the step could not run. why says why it is not the load app ("" when it
// is, or there is none).
func capacityApp(t *scenarios.Target, l Load) (alias, why string) {
	if t.Apps.Load == nil {
		return "primary", ""
	}
	held := l.tasks.on(t.Apps.Load.AppID)
	if h := l.held; h != nil && time.Now().Before(h.Until) {
		held += h.Held
	}
	if limit := cmp.Or(t.Limits.TaskLimit, loadtest.DefaultTaskLimit); held >= limit && t.Apps.Primary != nil {
		return "primary", fmt.Sprintf("the tasks this run knows of hold %d of the load app %s's %d task slots", held, t.Apps.Load.AppID, limit)
	}
	return "load", ""
}

// profilePool is the profile's apps.pool as the capacity search's pool (aliases pool.0,
// pool.1, ... in Target's apps), each app's quota the declared throttle, which is per app;
// nil when the profile lists none (the search then loads one app).
func profilePool(t *scenarios.Target) []loadtest.PoolApp {
	var pool []loadtest.PoolApp
	for i, a := range t.Apps.Pool {
		if a != nil {
			pool = append(pool, loadtest.PoolApp{Alias: poolAlias(i), Quota: declaredRate(t.Limits)})
		}
	}
	return pool
}

// capacityNote is what the capacity plan says of the embedded reference's lifted limits.
func capacityNote(reference bool, op string) string {
	if !reference {
		return ""
	}
	note := "the embedded reference runs with its throttle lifted"
	if op == loadtest.OpCreate {
		note += fmt.Sprintf(" and its task limit raised to %d, reset between steps", referenceCreateLimit)
	}
	return note
}

// Plans describes the probes Run would run against t, configured as Run configures them,
// without calling anything. reference says t is the embedded reference. A probe that cannot
// be planned is an error naming it.
func Plans(t *scenarios.Target, reference bool, l Load) ([]loadtest.Plan, error) {
	th, err := throttleConfig(t, l, nil)
	if err != nil {
		return nil, err
	}
	l.Runs = 1
	plans := []loadtest.Plan{loadtest.DescribeThrottle(th), loadtest.DescribeTaskLimit(taskLimitConfig(t, reference, l, nil))}
	if reference {
		l.Rates, l.AllowOverThrottle = []float64{referenceCapacityRate}, true
	}
	cc, err := capacityConfig(t, reference, l)
	if err != nil {
		return plans, fmt.Errorf("capacity probe: %w", err)
	}
	p, err := loadtest.DescribeCapacity(cc)
	if err != nil {
		return plans, fmt.Errorf("capacity probe: %w", err)
	}
	p.Note = capacityNote(reference, cc.Operation)
	if reference {
		p.Note = "on a second embedded reference with its throttle lifted"
	}
	return append(plans, p), nil
}

// Validator checks answers under load against the spec's 200 body of the operation (query:
// the task; create: {taskID}), the schema and the error-body rules, as the suite does, read
// by profile (the default when ""). Each answer is decoded once (contracts.DecodeBody) and
// that value judged by every layer. A contract that cannot be loaded is an error: the check
// never passes without validating.
func Validator(profile, operation string) (loadtest.Validator, error) {
	if profile == "" {
		profile = contracts.DefaultProfile
	}
	p, err := contracts.ProfileByName(profile)
	if err != nil {
		return nil, batchcert.Usagef("capacity: the profile %q: %w", profile, err)
	}
	set, err := contracts.Schemas()
	if err != nil {
		return nil, fmt.Errorf("capacity: the contract's schemas: %w", err)
	}
	ok := contracts.SchemaBatchTask
	if operation == loadtest.OpCreate {
		ok = contracts.SchemaCreateResponse
	}
	return func(status int, body []byte) []batchcert.Violation {
		b := contracts.DecodeBody(body)
		schema := ok
		if code, _, _, _ := contracts.ParseErrorBody(p, b); status != 200 || code != "" {
			schema = contracts.SchemaErrorBody
		}
		norm, _ := contracts.NormalizeBody(p, schema, b)
		return set.ValidateBody(schema, norm)
	}, nil
}

// CapacityCheck reports the validation of a capacity search's answers: the capacity itself is
// a measurement, not a rule of the docs, but every answer under load must still keep the
// contract.
func CapacityCheck(op string, res *batchcert.CapacityResult, vs []batchcert.Violation) batchcert.Check {
	c := batchcert.Check{ID: "capacity.contract-under-load", Scenario: Section(ProbeCapacity),
		Requirements: []string{underLoadRequirement(op)}, Severity: batchcert.Must, Outcome: batchcert.Pass, Violations: vs}
	if res != nil {
		c.Message = fmt.Sprintf("sustained %s of %s with p99 under %s", batchcert.FormatRate(res.Sustained), op,
			batchcert.FormatDuration(res.SLOp99))
	}
	if len(vs) > 0 {
		c.Outcome = batchcert.Fail
		c.Message = fmt.Sprintf("%d answers broke the contract under load: %s", len(vs), vs[0])
	}
	return c
}

func underLoadRequirement(op string) string {
	if op == loadtest.OpCreate {
		return ReqCreateUnderLoad
	}
	return ReqQueryUnderLoad
}

// probeRequirements are the requirements a probe judges.
func probeRequirements(name string, op string) []string {
	switch name {
	case ProbeThrottle:
		return []string{ReqThrottle}
	case ProbeTaskLimit:
		return []string{ReqTaskLimit}
	}
	return []string{underLoadRequirement(op)}
}

// RunProbe runs one probe against p, putting its measurements into into, and returns its
// checks. A usage error means the probe was misconfigured; any other error means it could not
// be carried out (Probe records it as the probe's ERROR check).
func RunProbe(ctx context.Context, p *Platform, name string, l Load, into *batchcert.LoadResults) ([]batchcert.Check, error) {
	t, err := Target(p)
	if err != nil {
		return nil, err
	}
	t.OnToken, t.Conn = l.OnToken, l.Conn
	defer t.Client.CloseIdleConnections() // idle connections would hold up the target's shutdown
	progress := l.progress()
	reference := p.Reference != nil
	clock := p.Clock(func(err error) { fmt.Fprintf(progress, "control: %v\n", err) })
	switch name {
	case ProbeThrottle:
		cfg, err := throttleConfig(p.Target, l, clock)
		if err != nil {
			return nil, err
		}
		if _, ok := t.Apps["secondary"]; !ok {
			cfg.SecondApp = ""
		}
		plan := loadtest.DescribeThrottle(cfg)
		fmt.Fprintln(progress, plan)
		ctx, cancel := l.probeDeadline(ctx, plan)
		defer cancel()
		res, checks, err := loadtest.ProbeThrottle(ctx, t, cfg)
		into.Throttle = res
		return checks, err
	case ProbeTaskLimit:
		cfg := taskLimitConfig(p.Target, reference, l, clock)
		plan := loadtest.DescribeTaskLimit(cfg)
		fmt.Fprintln(progress, plan)
		ctx, cancel := l.probeDeadline(ctx, plan)
		defer cancel()
		res, checks, err := loadtest.RaceTaskLimit(ctx, t, cfg)
		into.TaskLimit = res
		return checks, err
	case ProbeCapacity:
		cfg, err := capacityConfig(p.Target, reference, l)
		if err != nil {
			return nil, err
		}
		if l.Rates == nil && !reference && !l.AllowOverThrottle && cfg.DeclaredThrottle > 0 {
			of := "the declared throttle"
			if n := len(cfg.Pool); n > 0 {
				of = fmt.Sprintf("the declared throttle of the pool's %d apps together", n)
			}
			fmt.Fprintf(progress, "capacity: one step at %s, %.0f %% of %s (-rates and -allow-over-throttle go past it)\n",
				batchcert.FormatRate(cfg.Rates[0]), WithinThrottleShare*100, of)
		}
		if _, why := capacityApp(p.Target, l); why != "" && len(cfg.Pool) == 0 {
			fmt.Fprintf(progress, "capacity: loads primary: %s\n", why)
		}
		plan, err := loadtest.DescribeCapacity(cfg)
		if err != nil {
			return nil, err
		}
		plan.Note = capacityNote(reference, cfg.Operation)
		fmt.Fprintln(progress, plan)
		ctx, cancel := l.probeDeadline(ctx, plan)
		defer cancel()
		res, vs, err := loadtest.SearchCapacity(ctx, t, cfg)
		into.Capacity = res
		return []batchcert.Check{CapacityCheck(cfg.Operation, res, vs)}, err
	}
	return nil, batchcert.Usagef("load: unknown probe %q (throttle, tasklimit or capacity)", name)
}

// probeDeadline bounds one probe by its plan's duration plus ProbeGrace, in real time, when
// l.ProbeDeadlines says nothing else bounds the run.
func (l Load) probeDeadline(ctx context.Context, plan loadtest.Plan) (context.Context, context.CancelFunc) {
	if !l.ProbeDeadlines || plan.MaxDuration <= 0 {
		return context.WithCancel(ctx)
	}
	d, why := plan.MaxDuration+ProbeGrace, fmt.Sprintf("its plan plus %s", ProbeGrace)
	if l.MaxDuration > 0 && l.MaxDuration < plan.MaxDuration {
		// MaxDuration bounds the calls in flight and the waits too: one call's timeout more.
		d, why = l.MaxDuration+loadtest.DefaultHTTPTimeout, fmt.Sprintf("-max-duration plus one call's %s", loadtest.DefaultHTTPTimeout)
	}
	fmt.Fprintf(l.progress(), "%s probe: deadline %s (%s; -deadline sets another)\n", plan.Probe, batchcert.FormatDuration(d), why)
	return context.WithDeadlineCause(ctx, time.Now().Add(d), fmt.Errorf("the %s probe's deadline of %s passed", plan.Probe, d))
}

// Probe runs one probe and folds its run into res: its checks (those cut off by the run's
// interruption become "not run (interrupted: cause)"), and, when it could not be carried
// out, an ERROR check in its own section saying why (also written to l.Progress), so the
// suite's and the other probes' results still reach every report. Only a usage error is
// returned.
func Probe(ctx context.Context, p *Platform, name string, l Load, res *batchcert.Results) error {
	if res.Load == nil {
		res.Load = &batchcert.LoadResults{}
	}
	checks, err := RunProbe(ctx, p, name, l, res.Load)
	return foldProbe(ctx, res, name, l, checks, err)
}

func foldProbe(ctx context.Context, res *batchcert.Results, name string, l Load, checks []batchcert.Check, err error) error {
	cause := batchcert.Cause(ctx)
	for i := range checks {
		if cause != nil && (checks[i].Outcome == batchcert.Fail || checks[i].Outcome == batchcert.Errored) {
			batchcert.Interrupt(&checks[i], cause)
		}
	}
	res.Checks = append(res.Checks, checks...)
	res.End = time.Now()
	switch {
	case err != nil && !errors.Is(err, loadtest.ErrPartial):
	case err != nil && ctx.Err() != nil:
		res.MarkIncomplete(InterruptCause(ctx)) // the run's own stop, named by its cause
		err = nil
	case err != nil:
		res.MarkIncomplete("a load probe stopped early: " + err.Error())
		err = nil
	case ctx.Err() != nil:
		res.MarkIncomplete(InterruptCause(ctx))
	}
	if err == nil {
		res.Apply(GateOf(res))
		return nil
	}
	var ee *batchcert.ExitError
	if errors.As(err, &ee) && ee.Code == batchcert.ExitUsage {
		return err
	}
	fmt.Fprintf(l.progress(), "load probe %s: %v\n", name, err)
	c := probeErrorCheck(name, l.Operation, err)
	if cause != nil {
		batchcert.Interrupt(&c, cause)
		res.MarkIncomplete(InterruptCause(ctx))
	}
	res.Checks = append(res.Checks, c)
	res.Apply(GateOf(res))
	return nil
}

// Section is the scenario a probe's checks are reported under: "load/NAME", the probe's
// own section of the reports, beside the suite's scenarios.
func Section(probe string) string { return "load/" + probe }

// probeErrorCheck records a probe that could not be carried out: an ERROR check in the
// probe's own section, so the run is INCOMPLETE but keeps every result.
func probeErrorCheck(name, op string, err error) batchcert.Check {
	return batchcert.Check{ID: name + ".probe", Scenario: Section(name), Requirements: probeRequirements(name, op),
		Severity: batchcert.Must, Outcome: batchcert.Errored, Message: "the " + name + " probe could not be carried out: " + err.Error()}
}

// NewLoadResults are the results of a run of single probes against p: no catalog is
// certified, so no coverage gate, but a run that checked nothing is still never green.
func NewLoadResults(p *Platform, command string) *batchcert.Results {
	return &batchcert.Results{FormatVersion: batchcert.ResultsVersion, Command: command, Start: time.Now(),
		Harness: batchcert.Harness{Version: batchcert.Version, CatalogHash: contracts.CatalogHash()},
		Target: batchcert.Target{Name: p.Target.Name, URL: p.Target.BaseURL, Transport: "rest",
			Reference: p.Reference != nil}, Profile: p.Target.Profile,
		Gate: &batchcert.Gate{Coverage: batchcert.GateNone}, Load: &batchcert.LoadResults{}}
}
