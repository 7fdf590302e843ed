package loadtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

var _ apiclient.Clock = (*ManualClock)(nil)

// ManualClock is the tests' clock: it stands still until slept on, and Sleep moves it forward
// at once. A test server that reads the same clock sees the probe's waits pass in no real time.
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
