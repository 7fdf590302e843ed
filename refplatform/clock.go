package refplatform

import (
	"sync"
	"time"
)

// Clock is the platform's time source. All timing (token expiry, throttle windows, task
// timeouts, device latency) reads it.
type Clock interface {
	Now() time.Time
}

// Advancer is a clock that can be moved forward by hand (the control API's /control/advance).
type Advancer interface {
	Advance(d time.Duration)
}

// ScaledClock runs scale times faster than real time from a start time, and can also be
// advanced by hand. With scale 600 a platform minute passes in 0.1 s.
type ScaledClock struct {
	mu     sync.Mutex
	start  time.Time // virtual time at base
	base   time.Time // real time (with monotonic reading) at start
	scale  float64
	offset time.Duration // sum of manual advances
}

var (
	_ Clock    = (*ScaledClock)(nil)
	_ Advancer = (*ScaledClock)(nil)
	_ Clock    = (*ManualClock)(nil)
	_ Advancer = (*ManualClock)(nil)
)

// NewScaledClock returns a clock that reads start now and then runs scale times faster than
// real time. A scale <= 0 is taken as 1.
func NewScaledClock(start time.Time, scale float64) *ScaledClock {
	if scale <= 0 {
		scale = 1
	}
	return &ScaledClock{start: start, base: time.Now(), scale: scale}
}

// Now returns the scaled time.
func (c *ScaledClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	elapsed := time.Duration(float64(time.Since(c.base)) * c.scale)
	return c.start.Add(elapsed + c.offset)
}

// Advance moves the clock forward by d (negative d is ignored: time never runs back).
func (c *ScaledClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// ManualClock only moves when advanced: the clock for tests.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (negative d is ignored).
func (c *ManualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
