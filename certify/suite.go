package certify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/scenarios"
)

// Deadlines of the check phase when the caller sets none.
const (
	// DefaultReferenceDeadline bounds a check of the embedded reference (its clock is driven,
	// so the suite takes seconds).
	DefaultReferenceDeadline = 10 * time.Minute
	// DeadlineMargin is added to a real target's planned check time.
	DeadlineMargin = 10 * time.Minute
)

// CheckDeadline is the default deadline of the check phase: DefaultReferenceDeadline for the
// embedded reference, the plan plus DeadlineMargin for a real target. The plan is printed to
// progress; 0 (no bound) when it cannot be made (the run itself then reports why).
func CheckDeadline(p *Platform, cfg scenarios.Config, progress io.Writer) time.Duration {
	if p.Reference != nil {
		return DefaultReferenceDeadline
	}
	cfg.Target = p.Target
	plan, err := scenarios.PlanRun(cfg)
	if err != nil {
		return 0
	}
	if progress != nil {
		fmt.Fprintf(progress, "check plan: %s\n", plan)
	}
	return plan.Expected + DeadlineMargin
}

// FitMaxWait is the -max-wait under which no step of cfg's plan against p is left out for
// waiting too long: the plan's longest wait (scenarios.NeededMaxWait of it), and at least
// scenarios.DefaultMaxWait. A real target needs it when its own clock must pass a token's
// hour; with it, a run against a correct platform can be certified. why names the step.
func FitMaxWait(p *Platform, cfg scenarios.Config) (d time.Duration, why string, err error) {
	cfg.Target = p.Target
	plan, err := scenarios.PlanRun(cfg)
	if err != nil {
		return 0, "", err
	}
	if need := scenarios.NeededMaxWait(plan.LongestWait); plan.LongestWait > 0 && need > scenarios.DefaultMaxWait {
		return need, fmt.Sprintf("the plan's longest wait is %s (%s)", batchcert.FormatDuration(plan.LongestWait), plan.LongestStep), nil
	}
	return scenarios.DefaultMaxWait, "", nil
}

// Check runs the certification suite against p. cfg's Target, Secrets and ServeCommand are
// p's; the embedded reference keeps no state between runs (it is reset for every scenario).
// A run that ctx cut short is marked incomplete, with the cause.
func Check(ctx context.Context, p *Platform, cfg scenarios.Config) (*batchcert.Results, error) {
	cfg.Target, cfg.Secrets, cfg.ServeCommand = p.Target, p.Secrets, p.ServeCommand
	if p.Reference != nil {
		cfg.State = nil
	}
	res, err := scenarios.Check(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res.Harness.Version = batchcert.Version
	if ctx.Err() != nil {
		MarkIncomplete(res, InterruptCause(ctx))
	}
	return res, nil
}

// MarkIncomplete records that the run stopped early, and why, and decides the verdict again.
func MarkIncomplete(res *batchcert.Results, reason string) {
	res.MarkIncomplete(reason)
	if res.End.IsZero() {
		res.End = time.Now()
	}
	res.Apply(GateOf(res))
}

// InterruptCause says why ctx ended, for the reports.
func InterruptCause(ctx context.Context) string {
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		return "interrupted: " + cause.Error()
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "interrupted: the run's deadline passed"
	}
	return "interrupted before it finished"
}

// GateOf is the gate res was decided under (the default when none is recorded).
func GateOf(res *batchcert.Results) batchcert.Gate {
	if res.Gate != nil {
		return *res.Gate
	}
	return batchcert.Gate{}
}
