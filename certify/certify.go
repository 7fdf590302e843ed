package certify

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/scenarios"
)

// Config configures Run.
type Config struct {
	// Suite is the certification suite's configuration (scenarios.Config): its Target,
	// Secrets and ServeCommand are the Platform's. Suite.Profile, when set, is the run's
	// reading of the docs, and the probes judge by it too.
	Suite scenarios.Config
	// Load configures the probes run after the suite; nil runs the suite alone.
	Load *Load
	// CheckDeadline bounds the suite (0: no bound of its own; ctx still bounds the run).
	CheckDeadline time.Duration
	// Progress receives the plans and progress lines (nil: none). It overrides Suite.Progress
	// and Load.Progress when they are nil.
	Progress io.Writer
	// OnToken is told every token the run is issued, to keep it out of every output.
	OnToken func(token string)
}

// Run certifies p: the suite, then (with cfg.Load) the throttle probe, the task-limit race
// and a capacity step, then coverage over the suite's and the probes' checks together, and
// the verdict. The load plans are checked before the suite starts, so a probe that cannot be
// configured is a usage error at once, not after the suite. A suite cut short leaves the
// probes unrun, each section saying so (the run is INCOMPLETE already); a probe that cannot
// be carried out is an ERROR check in its own section saying why, and the run keeps every
// other result. Against the embedded reference the capacity step runs on a second reference
// with the throttle lifted (the throttle would otherwise be all it measures); against a real
// platform it runs within the declared throttle, or past it with Load.AllowOverThrottle. It
// is never left out: when it cannot run, its section says why.
func Run(ctx context.Context, p *Platform, cfg Config) (*batchcert.Results, error) {
	if cfg.Suite.Profile != "" && cfg.Suite.Profile != p.Target.Profile {
		t := *p.Target
		t.Profile = cfg.Suite.Profile // the run's reading of the docs: the probes judge by it too
		q := *p
		q.Target = &t
		p = &q
	}
	if cfg.Suite.Progress == nil {
		cfg.Suite.Progress = cfg.Progress
	}
	if cfg.Suite.OnToken == nil {
		cfg.Suite.OnToken = cfg.OnToken
	}
	var load Load
	if cfg.Load != nil {
		load = *cfg.Load
		if load.Progress == nil {
			load.Progress = cfg.Progress
		}
		if load.OnToken == nil {
			load.OnToken = cfg.OnToken
		}
		if _, err := Plans(p.Target, p.Reference != nil, load); err != nil {
			return nil, err
		}
	}
	checkCtx, cancel := ctx, context.CancelFunc(func() {})
	if cfg.CheckDeadline > 0 {
		checkCtx, cancel = context.WithDeadlineCause(ctx, time.Now().Add(cfg.CheckDeadline),
			fmt.Errorf("the check deadline of %s passed", cfg.CheckDeadline))
	}
	res, err := Check(checkCtx, p, cfg.Suite)
	cancel()
	if err != nil {
		return nil, err
	}
	res.Command = "certify"
	if cfg.Load == nil {
		return res, nil
	}
	if res.Incomplete {
		probesNotRun(res, load)
		return res, nil
	}
	if p.Reference == nil && cfg.Suite.State != nil {
		load.tasks = &probeTasks{}
		// The race needs every slot of its app: it waits for the tasks this run's suite (or
		// an earlier run) left there, instead of judging the platform on them.
		app := p.Target.Apps.Primary
		if p.Target.Apps.Load != nil {
			app = p.Target.Apps.Load
		}
		if app != nil {
			n, until, herr := scenarios.HeldSlots(cfg.Suite.State, p.Target.BaseURL, app.AppID)
			if herr != nil {
				fmt.Fprintf(load.progress(), "budget: the run's state could not be read (%v): the race does not know the tasks the suite left\n", herr)
			}
			load.held = &loadtest.SlotsWait{Held: n, Until: until, MaxWait: cmp.Or(cfg.Suite.MaxWait, scenarios.DefaultMaxWait)}
		}
	}
	err = runProbes(ctx, p, load, res)
	if p.Reference == nil && cfg.Suite.State != nil {
		saveProbes(cfg.Suite.State, p.Target, load)
	}
	return res, err
}

// saveProbes tells the run's state what the probes left on the target, which the next run's
// ledger and pacer would otherwise not know (issue 13: probes that don't spoil each other):
// the quotas of the apps they called, spent; and the tasks they created that may still be
// unfinished (capacity's queried task, the race's left over), each holding a task slot of
// its app until it ends. A state that cannot be saved is said on l's progress.
func saveProbes(state scenarios.StateStore, t *scenarios.Target, l Load) {
	var ids []string
	for _, a := range apps(t) {
		ids = append(ids, a.app.AppID)
	}
	if err := scenarios.RecordOutsideCalls(state, t.BaseURL, t.Limits.Throttle.Limit, time.Now(), ids...); err != nil {
		fmt.Fprintf(l.progress(), "budget: the probes' calls could not be saved in the run's state (%v): a run right after this one may meet the throttle\n", err)
	}
	var tasks []scenarios.OutsideTask
	for _, task := range l.tasks.list() {
		tasks = append(tasks, scenarios.OutsideTask{App: task.App, Alias: task.Alias, ID: task.ID, Created: task.Created, Timeout: task.Timeout})
	}
	if err := scenarios.RecordOutsideTasks(state, t.BaseURL, t.Limits.TimeScale, tasks...); err != nil {
		fmt.Fprintf(l.progress(), "budget: the probes' %d unfinished task(s) could not be saved in the run's state (%v): a run right after this one may meet the task limit\n", len(tasks), err)
	}
}

// probesNotRun records the probes of a run whose suite did not finish: each probe's section
// says it was not run and why, in the reports and on l.Progress, so no probe is silently
// missing.
func probesNotRun(res *batchcert.Results, l Load) {
	why := fmt.Errorf("the suite did not finish: %s", res.IncompleteReason)
	fmt.Fprintf(l.progress(), "load probes: not run: %v\n", why)
	for _, name := range Probes {
		c := batchcert.Check{ID: name + ".probe", Scenario: Section(name), Requirements: probeRequirements(name, l.Operation),
			Severity: batchcert.Must}
		batchcert.Interrupt(&c, why)
		res.Checks = append(res.Checks, c)
	}
	res.Apply(GateOf(res))
}

// runProbes runs the probes in order and folds them into res, then recomputes coverage over
// the suite and the probes together (a passing throttle probe covers RULE.throttle and
// 403/1010009, scenarios.RecomputeCoverage) and decides the verdict again.
func runProbes(ctx context.Context, p *Platform, l Load, res *batchcert.Results) error {
	res.Load = &batchcert.LoadResults{}
	l.Runs = 1
	for _, name := range Probes {
		if cause := batchcert.Cause(ctx); cause != nil {
			c := batchcert.Check{ID: name + ".probe", Scenario: Section(name), Requirements: probeRequirements(name, l.Operation),
				Severity: batchcert.Must}
			batchcert.Interrupt(&c, cause)
			res.Checks = append(res.Checks, c)
			continue
		}
		fmt.Fprintf(l.progress(), "load probe: %s\n", name)
		target, pl := p, l
		if name == ProbeCapacity && p.Reference == nil {
			// The probes before it spent the quotas of the apps it loads: a step that began
			// throttled would measure the throttle (and its queried task could not be made).
			if w := realWindow(p.Target.Limits); w > 0 {
				fmt.Fprintf(l.progress(), "capacity: waiting %s for the throttle windows the probes before it used to refill\n", batchcert.FormatDuration(w))
				_ = apiclient.RealClock{}.Sleep(ctx, w) // an interruption: the probe then says it was not run
			}
		}
		var closeTarget func()
		if name == ProbeCapacity && p.Reference != nil {
			pl.Rates = []float64{referenceCapacityRate}
			capP, err := StartReference(ReferenceCapacity(p.refConfig, &pl))
			if err != nil {
				if ferr := foldProbe(ctx, res, name, pl, nil, err); ferr != nil {
					return ferr
				}
				continue
			}
			capP.Target.Profile = p.Target.Profile // the run's reading judges this step too
			target, closeTarget = capP, func() { _ = capP.Close() }
		}
		err := Probe(ctx, target, name, pl, res)
		if closeTarget != nil {
			closeTarget()
		}
		if err != nil {
			return err
		}
	}
	if err := scenarios.RecomputeCoverage(res); err != nil {
		return err
	}
	res.Apply(GateOf(res))
	return nil
}
