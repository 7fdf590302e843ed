package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/scenarios"
)

const loadUsage = "load throttle|tasklimit|capacity [-target FILE] [flags]"

// loadFlags are the bounds and knobs of the three probes.
type loadFlags struct {
	concurrency  int
	runs         int
	maxRequests  int
	maxDuration  time.Duration
	rates        string
	stepDuration time.Duration
	sloP99       time.Duration
	maxErrRate   float64
	resultsFile  string
	overThrottle bool
	operation    string
	// ratesSet says -rates was given; otherwise a real target's capacity step stays within
	// its declared throttle (withinThrottleShare of it).
	ratesSet bool
	// validateEvery validates one answer in N under load.
	validateEvery int
	// perProbeDeadline bounds each probe by its plan plus probeGrace (no -deadline given).
	perProbeDeadline bool
	// shard holds load capacity's shard flags (merge.go); nil for certify.
	shard *shardFlags
}

func addLoadFlags(fs *flag.FlagSet) *loadFlags {
	lf := &loadFlags{}
	fs.IntVar(&lf.concurrency, "concurrency", 0, "concurrent senders (throttle: 20, tasklimit: 50)")
	fs.IntVar(&lf.runs, "runs", 0, fmt.Sprintf("tasklimit: races to run (0: %d with a control API, 1 without: a real target allows 1)", loadtest.DefaultRaceRuns))
	fs.IntVar(&lf.maxRequests, "max-requests", 0, "bound on requests (0: the probe's computed bound)")
	fs.DurationVar(&lf.maxDuration, "max-duration", 0, "bound on the probe's time (0: the probe's computed bound)")
	fs.StringVar(&lf.rates, "rates", "200,400,800,1600", "capacity: comma-separated rates (requests/s) tried in order")
	fs.DurationVar(&lf.stepDuration, "step-duration", 2*time.Second, "capacity: length of each rate step")
	fs.DurationVar(&lf.sloP99, "slo-p99", 50*time.Millisecond, "capacity: p99 latency a step must stay under")
	fs.Float64Var(&lf.maxErrRate, "max-error-rate", loadtest.DefaultMaxErrorRate, "capacity: error ratio a step must stay under")
	fs.StringVar(&lf.resultsFile, "results", "", "capacity: stream every result to `file` in vegeta's gob format")
	fs.BoolVar(&lf.overThrottle, "allow-over-throttle", false, "capacity: allow rates above the profile's declared throttle")
	fs.IntVar(&lf.validateEvery, "validate-every", loadtest.DefaultValidateEvery, "capacity: validate one answer in `N` (1: every answer; each step reports what validation cost)")
	fs.StringVar(&lf.operation, "operation", loadtest.OpQuery, "capacity: operation loaded, query or create (create needs the profile's task limit to hold the planned creates)")
	return lf
}

func runLoad(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs, _, _, _, _ := loadFlagSet("load", stdout) // so that load -h lists the probes' flags
		if err := parseFlags(fs, args, stderr); err != nil {
			return err
		}
		return batchcert.Usagef("load: name a probe: throttle, tasklimit or capacity")
	}
	probe := args[0]
	switch probe {
	case "throttle", "tasklimit", "capacity":
	default:
		return batchcert.Usagef("load: unknown probe %q (throttle, tasklimit or capacity)", probe)
	}
	fs, tf, lf, out, df := loadFlagSet("load "+probe, stdout)
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if err := validReference(tf.ref); err != nil {
		return err
	}
	if err := validLoadFlags(fs, lf); err != nil {
		return err
	}
	lf.ratesSet = setFlags(fs)["rates"]
	if lf.shard.active() {
		return runShardLoad(ctx, probe, fs, tf, lf, lf.shard, *out, stdout, stderr)
	}
	if probe == "capacity" && tf.file == "" {
		liftReferenceLimits(tf, lf)
	}
	sess, err := tf.open(stderr)
	if err != nil {
		return err
	}
	defer sess.close()
	ctx, cancel := df.within(ctx, 0, "load "+probe, stderr)
	defer cancel()
	lf.perProbeDeadline = !df.set
	res := newLoadResults(sess, "load "+probe)
	res.Load = &batchcert.LoadResults{}
	checks, err := runProbe(ctx, probe, sess, lf, res.Load, stderr)
	if err := probeOutcome(ctx, res, probe, checks, err, stderr); err != nil {
		return err
	}
	return finish(ctx, res, *out, sess, stdout)
}

// liftReferenceLimits configures the embedded reference for a capacity search: its throttle
// would answer 1010009 to almost every call, and its task limit 105001 to all but 10 creates;
// the search measures the platform, so it lifts both (the plan says so).
func liftReferenceLimits(tf *targetFlags, lf *loadFlags) {
	tf.ref.Throttle.Limit = 1 << 30
	lf.overThrottle = true
	if lf.operation == loadtest.OpCreate {
		tf.ref.TaskLimit = referenceCreateLimit
	}
}

// loadOutcome closes a load run's results; a partial run is kept and marked incomplete.
func loadOutcome(ctx context.Context, res *batchcert.Results, err error) error {
	res.End = time.Now()
	if err != nil && !errors.Is(err, loadtest.ErrPartial) {
		return err
	}
	switch {
	case err != nil && ctx.Err() != nil:
		res.MarkIncomplete(interruptCause(ctx)) // the run's own stop, named by its cause
	case err != nil:
		res.MarkIncomplete("a load probe stopped early: " + err.Error())
	case ctx.Err() != nil:
		res.MarkIncomplete(interruptCause(ctx))
	}
	res.Apply(gateOf(res))
	return nil
}

func newLoadResults(sess *session, command string) *batchcert.Results {
	return &batchcert.Results{FormatVersion: batchcert.ResultsVersion, Command: command, Start: time.Now(),
		Harness: batchcert.Harness{Version: batchcert.Version, CatalogHash: contracts.CatalogHash()},
		Target: batchcert.Target{Name: sess.target.Name, URL: sess.target.BaseURL, Transport: "rest",
			Reference: sess.ref != nil}, Profile: sess.target.Profile,
		// One probe certifies no catalog: no coverage gate, but a run that checked nothing
		// is still never green.
		Gate: &batchcert.Gate{Coverage: batchcert.GateNone}}
}

// loadTarget is the session's target in the load probes' terms.
func loadTarget(sess *session) (loadtest.Target, error) {
	client, err := scenarios.HTTPClient(sess.target)
	if err != nil {
		return loadtest.Target{}, batchcert.Usagef("%w", err)
	}
	client.Timeout = loadtest.DefaultHTTPTimeout // every probe call is bounded
	fx := sess.target.Fixtures
	t := loadtest.Target{BaseURL: sess.target.BaseURL, Client: client, Apps: map[string]loadtest.App{},
		Fixture: loadtest.Fixture{Devices: fx.DeviceIDs, ServiceID: fx.ServiceID, Method: fx.Method, NoAnswerDevice: fx.NoAnswerDevice}}
	if sess.target.Control != nil {
		t.Control = sess.target.Control.URL
	}
	for alias, a := range map[string]*scenarios.App{"primary": sess.target.Apps.Primary, "secondary": sess.target.Apps.Secondary, "load": sess.target.Apps.Load} {
		if a == nil {
			continue
		}
		secret := a.Secret
		if m := secretRef.FindStringSubmatch(a.Secret); m != nil {
			v, ok := sess.secrets(m[1])
			if !ok {
				return t, batchcert.Usagef("%s: the %s app's secret ${%s} is not set", sess.target.File, alias, m[1])
			}
			secret = v
		}
		t.Apps[alias] = loadtest.App{AppID: a.AppID, Secret: secret}
	}
	return t, nil
}

// probeClock is the clock the probes wait on: the embedded reference's own clock, advanced
// instead of slept through, or real time for a real platform.
func probeClock(sess *session) loadtest.Clock {
	if sess.ref == nil {
		return loadtest.RealClock{}
	}
	ref := sess.ref
	return loadtest.AdvanceClock{NowFunc: ref.Now, Advance: func(_ context.Context, d time.Duration) error { return ref.Advance(d) }}
}

func runProbe(ctx context.Context, probe string, sess *session, lf *loadFlags, into *batchcert.LoadResults, stderr io.Writer) ([]batchcert.Check, error) {
	t, err := loadTarget(sess)
	if err != nil {
		return nil, err
	}
	t.OnToken = credentialsOf(ctx).add
	defer t.Client.CloseIdleConnections() // idle connections would hold up the target's shutdown
	limits := sess.target.Limits
	switch probe {
	case "throttle":
		cfg := loadtest.ThrottleConfig{DeclaredLimit: limits.Throttle.Limit, DeclaredWindow: limits.ThrottleWindow(),
			SecondApp: "secondary", Concurrency: lf.concurrency, MaxRequests: lf.maxRequests, MaxDuration: lf.maxDuration,
			Clock: probeClock(sess), Progress: stderr}
		if _, ok := t.Apps["secondary"]; !ok {
			cfg.SecondApp = ""
		}
		declareThrottle(&cfg, sess.target.Profile)
		plan := loadtest.DescribeThrottle(cfg)
		fmt.Fprintln(stderr, plan)
		ctx, cancel := lf.probeDeadline(ctx, plan, stderr)
		defer cancel()
		res, checks, err := loadtest.ProbeThrottle(ctx, t, cfg)
		into.Throttle = res
		return checks, err
	case "tasklimit":
		cfg := loadtest.TaskLimitConfig{Limit: limits.TaskLimit, Concurrency: lf.concurrency, Runs: lf.runs, Progress: stderr,
			Clock: probeClock(sess)}
		if _, ok := t.Apps["load"]; ok {
			cfg.App = "load" // the profile's app for load: the race leaves primary's slots alone
		}
		if t.Control == "" && cfg.Runs == 0 {
			cfg.Runs = 1 // nothing empties a real platform's task slots between races
		}
		if t.Control == "" {
			// A real platform: the throttle probe may have just used the quota up.
			cfg.Ready = loadtest.WindowWait{Window: limits.ThrottleWindow(), Clock: probeClock(sess)}
			cfg.DrainPoll = loadtest.DrainPollFor(limits.Throttle.Limit, limits.ThrottleWindow(), cmp.Or(limits.TaskLimit, loadtest.DefaultTaskLimit))
		}
		plan := loadtest.DescribeTaskLimit(cfg)
		fmt.Fprintln(stderr, plan)
		ctx, cancel := lf.probeDeadline(ctx, plan, stderr)
		defer cancel()
		res, checks, err := loadtest.RaceTaskLimit(ctx, t, cfg)
		into.TaskLimit = res
		return checks, err
	default:
		rates, err := parseRates(lf.rates)
		if err != nil {
			return nil, err
		}
		declared := 0.0
		if w := limits.ThrottleWindow(); w > 0 && limits.Throttle.Limit > 0 {
			declared = float64(limits.Throttle.Limit) / w.Seconds()
		}
		if !lf.ratesSet && sess.ref == nil && !lf.overThrottle && declared > 0 {
			// A real platform by default: one step within the declared throttle, so the
			// step measures the platform's answers, not its throttle.
			rates = []float64{withinThrottleShare * declared}
			fmt.Fprintf(stderr, "capacity: one step at %s, %.0f %% of the declared throttle (-rates and -allow-over-throttle go past it)\n",
				batchcert.FormatRate(rates[0]), withinThrottleShare*100)
		}
		cfg := loadtest.CapacityConfig{Operation: lf.operation, Rates: rates, StepDuration: lf.stepDuration, MaxRequests: lf.maxRequests,
			SLOp99: lf.sloP99, MaxErrorRate: lf.maxErrRate, AllowOverThrottle: lf.overThrottle, Progress: stderr,
			TaskLimit: limits.TaskLimit, ResetBetweenSteps: lf.operation == loadtest.OpCreate && t.Control != "",
			ValidateEvery: lf.validateEvery}
		if cfg.Validate, err = capacityValidator(sess, lf.operation); err != nil {
			return nil, err
		}
		switch fx := sess.target.Fixtures; {
		case lf.operation != loadtest.OpCreate:
		case sess.ref != nil:
			cfg.TaskLimit = referenceCreateLimit
		case len(fx.DeviceIDs) > 0 && fx.ServiceID != "" && fx.Method != "":
			cfg.CreateBody = loadtest.CreateBodyFor(fx.DeviceIDs[0], fx.ServiceID, fx.Method)
		default:
			return nil, batchcert.Usagef("load capacity -operation create: the profile's fixtures need deviceIds, serviceId and method")
		}
		if w := limits.ThrottleWindow(); w > 0 && limits.Throttle.Limit > 0 {
			cfg.DeclaredThrottle = float64(limits.Throttle.Limit) / w.Seconds()
		}
		if lf.resultsFile != "" {
			f, err := os.Create(lf.resultsFile)
			if err != nil {
				return nil, batchcert.Usagef("-results: %w", err)
			}
			defer f.Close()
			cfg.Results = f
		}
		plan, err := loadtest.DescribeCapacity(cfg)
		if err != nil {
			return nil, err
		}
		if sess.ref != nil {
			plan.Note = "the embedded reference runs with its throttle lifted"
			if lf.operation == loadtest.OpCreate {
				plan.Note += fmt.Sprintf(" and its task limit raised to %d, reset between steps", referenceCreateLimit)
			}
		}
		fmt.Fprintln(stderr, plan)
		ctx, cancel := lf.probeDeadline(ctx, plan, stderr)
		defer cancel()
		res, vs, err := loadtest.SearchCapacity(ctx, t, cfg)
		into.Capacity = res
		return []batchcert.Check{capacityCheck(lf.operation, res, vs)}, err
	}
}

// declareThrottle takes the window type and rejected-calls reading of the ambiguity profile
// (AMB.9): doc-strict declares a fixed window whose rejected calls do not count; "any" declares
// nothing, and the probe reports what it measured without judging it.
func declareThrottle(cfg *loadtest.ThrottleConfig, profile string) {
	if profile == "" {
		profile = contracts.DefaultProfile
	}
	p, err := contracts.ProfileByName(profile)
	if err != nil {
		return
	}
	if p.ThrottleType != "" && p.ThrottleType != "any" {
		cfg.DeclaredType = p.ThrottleType
	}
	if b, err := strconv.ParseBool(p.ThrottleRejectedCount); err == nil {
		cfg.DeclaredRejectedCount = &b
	}
	cfg.ErrorBody = p.ErrorBody // AMB.7: the shape a throttled answer may take
}

func parseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, batchcert.Usagef("-rates: %q is not a positive rate", f)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// withinThrottleShare is the share of the declared throttle a real platform's default
// capacity step runs at.
const withinThrottleShare = 0.9

// referenceCreateLimit is the embedded reference's task limit during a create capacity search:
// high enough that no step is refused 105001.
const referenceCreateLimit = 1 << 30

// capacityValidator checks sampled answers against the spec's 200 body of the operation (query:
// the task; create: {taskID}), the schema and the error-body rules, as the suite does.
// Each answer is decoded once (contracts.DecodeBody) and that value judged by every layer. A
// contract that cannot be loaded is an error: the check never passes without validating.
func capacityValidator(sess *session, operation string) (loadtest.Validator, error) {
	p, err := contracts.ProfileByName(sess.target.Profile)
	if err != nil {
		if p, err = contracts.ProfileByName(contracts.DefaultProfile); err != nil {
			return nil, fmt.Errorf("capacity: the contract's profile: %w", err)
		}
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

// capacityCheck reports the sampled validation of a capacity search: the capacity itself is a
// measurement, not a rule of the docs, but every answer under load must still keep the contract.
func capacityCheck(op string, res *batchcert.CapacityResult, vs []batchcert.Violation) batchcert.Check {
	req := "RSP.query.status"
	if op == loadtest.OpCreate {
		req = "RSP.create.taskID"
	}
	c := batchcert.Check{ID: "capacity.contract-under-load", Scenario: "load-capacity",
		Requirements: []string{req}, Severity: batchcert.Must, Outcome: batchcert.Pass, Violations: vs}
	if res != nil {
		c.Message = fmt.Sprintf("sustained %s of %s with p99 under %s", batchcert.FormatRate(res.Sustained), op,
			batchcert.FormatDuration(res.SLOp99))
	}
	if len(vs) > 0 {
		c.Outcome = batchcert.Fail
		c.Message = fmt.Sprintf("%d sampled answers broke the contract under load: %s", len(vs), vs[0])
	}
	return c
}

// printLoad prints the probes' headline figures, rounded for people (results.json keeps the
// exact values).
func printLoad(w io.Writer, l *batchcert.LoadResults) {
	if t := l.Throttle; t != nil {
		fmt.Fprintf(w, "%-22s measured %d per %s (%s), concurrent %d; declared %d per %s\n", "throttle",
			t.MeasuredLimit, batchcert.FormatDuration(t.MeasuredWindow), t.WindowType, t.MeasuredConcurrent,
			t.DeclaredLimit, batchcert.FormatDuration(t.DeclaredWindow))
	}
	if t := l.TaskLimit; t != nil {
		fmt.Fprintf(w, "%-22s limit %d, %s of %d concurrent creates, admitted %v\n", "task limit",
			t.Limit, batchcert.Plural(t.Runs, "run"), t.Concurrency, t.Admitted)
	}
	if c := l.Capacity; c != nil {
		fmt.Fprintf(w, "%-22s sustained %s (p99 SLO %s, %s)\n", "capacity", batchcert.FormatRate(c.Sustained),
			batchcert.FormatDuration(c.SLOp99), batchcert.Plural(len(c.Steps), "step"))
	}
}

// loadFlagSet is the flag set of load PROBE, and of bare load, so that load -h lists them.
func loadFlagSet(name string, stdout io.Writer) (*flag.FlagSet, *targetFlags, *loadFlags, *string, *deadlineFlag) {
	fs := newFlagSet(name, loadUsage, stdout)
	tf := addTargetFlags(fs, 1)
	lf := addLoadFlags(fs)
	lf.shard = addShardFlags(fs)
	out := fs.String("out", defaultOut, "`dir` for results.json and the reports")
	df := addDeadlineFlag(fs)
	return fs, tf, lf, out, df
}
