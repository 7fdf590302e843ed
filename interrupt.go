package batchcert

import (
	"context"
	"errors"
	"strings"
)

// Interrupted checks: a check cut off by a signal, a deadline, a probe's budget or an
// unreachable target never judged the platform, so it is never a FAIL. It is recorded with
// outcome InterruptedOutcome and the message "not run (interrupted: CAUSE)", and the run is
// marked incomplete. Every producer of checks (the suite, the probes, the CLI) goes through
// Interrupt; readers test Check.Interrupted.
const (
	// InterruptedOutcome is the outcome of an interrupted check: neutral for the verdict.
	InterruptedOutcome = Skip
	interruptedPrefix  = "not run (interrupted: "
)

// Interrupt marks c as cut off by cause. The message it had is kept after the cause, since it
// may say how far the check got.
func Interrupt(c *Check, cause error) {
	if c.Interrupted() {
		return
	}
	why := "interrupted"
	if cause != nil {
		why = cause.Error()
	}
	msg := interruptedPrefix + why + ")"
	if c.Message != "" {
		msg += ": " + c.Message
	}
	c.Outcome, c.Message, c.Violations = InterruptedOutcome, msg, nil
}

// Interrupted reports whether c was cut off before it could judge the platform.
func (c Check) Interrupted() bool { return strings.HasPrefix(c.Message, interruptedPrefix) }

// Cause is why ctx ended, readably: the cause it was cancelled with, "deadline exceeded" or
// "interrupted"; nil while ctx is live.
func Cause(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ctx)
	switch {
	case cause == nil || cause == context.Canceled: //nolint:errorlint // the bare sentinel, no cause given
		return errors.New("interrupted")
	case cause == context.DeadlineExceeded: //nolint:errorlint // the bare sentinel, no cause given
		return errors.New("deadline exceeded")
	}
	return cause
}
