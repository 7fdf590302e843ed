package apiclient

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Clock is the one time source the harness reads and waits on: the suite's pacing, its wait
// steps and polls, and the load probes. Now reads it and Sleep waits on it; Sleep returns the
// context's error when the context ends first. It has two implementations: RealClock, wall
// time, for a platform on its own clock; and AdvanceClock, the reference platform's clock,
// which a wait advances instead of sleeping through (in process, or through its control API).
// Tests may pass their own.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

var (
	_ Clock = RealClock{}
	_ Clock = AdvanceClock{}
)

// RealClock is wall time.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits d of real time or until ctx ends.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sleep: %w", ctx.Err())
	}
}

// AdvanceClock is a reference platform's clock: NowFunc reads the platform's time and Advance
// moves it forward, so that a wait of d takes no real time. For the embedded reference both
// are its own methods (refplatform.Server Now and Advance); through the control API they are
// Control's (Control.Clock: GET /control/now, POST /control/advance). A NowFunc that cannot
// read the time returns the zero time, having reported why.
type AdvanceClock struct {
	NowFunc func() time.Time
	Advance func(ctx context.Context, d time.Duration) error
}

// Now returns NowFunc().
func (c AdvanceClock) Now() time.Time { return c.NowFunc() }

// Sleep advances the platform's clock by d.
func (c AdvanceClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sleep: %w", err)
	}
	if d <= 0 {
		return nil
	}
	if err := c.Advance(ctx, d); err != nil {
		return fmt.Errorf("advance clock: %w", err)
	}
	return nil
}

// ErrNoTime is returned by SleepUntil when the clock gave the zero time: its time could not be
// read (Control.Clock reports why), and a wait measured from year 1 would be centuries.
var ErrNoTime = errors.New("the clock's time is unknown")

// SleepUntil waits on c until t. It returns ErrNoTime, without waiting, when c.Now() is the
// zero time.
func SleepUntil(ctx context.Context, c Clock, t time.Time) error {
	now := c.Now()
	if now.IsZero() {
		return fmt.Errorf("sleep until %s: %w", t.Format(time.RFC3339), ErrNoTime)
	}
	return c.Sleep(ctx, t.Sub(now))
}
