package loadtest

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Clock is the probes' time source: Now reads it and Sleep waits on it. Sleep returns the
// context's error when the context ends first.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

var (
	_ Clock = RealClock{}
	_ Clock = (*ManualClock)(nil)
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

// ManualClock stands still until slept on: Sleep moves it forward at once. A test server that
// reads the same clock sees the probe's waits pass in no real time.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a manual clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep moves the clock forward by d.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sleep: %w", err)
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.mu.Unlock()
	}
	return nil
}

// AdvanceClock reads the platform's time through NowFunc and waits by advancing it: for a
// reference platform on a manual clock, in-process (its Advance method) or through the
// control API (Session.ControlAdvance).
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

// sleepUntil waits on c until t.
func sleepUntil(ctx context.Context, c Clock, t time.Time) error {
	return c.Sleep(ctx, t.Sub(c.Now()))
}
