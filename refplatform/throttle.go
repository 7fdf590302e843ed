package refplatform

import (
	"fmt"
	"sync"
	"time"
)

// Throttle window types.
const (
	ThrottleFixed   = "fixed"
	ThrottleSliding = "sliding"
)

// ThrottleConfig is the per-application flow control of the batch-task operations (AMB.9).
type ThrottleConfig struct {
	// Limit is how many calls an application may make per Window.
	Limit int
	// Window is the length of a window.
	Window time.Duration
	// Type is ThrottleFixed (a window opens at the first call after the previous one expired)
	// or ThrottleSliding (no more than Limit calls in any Window-long span).
	Type string
	// RejectedCount makes throttled calls count against the quota too.
	RejectedCount bool
}

// DefaultThrottle is the documented throttle: 100 calls per 60 s per application, a fixed
// window, throttled calls not counted (AMB.9).
var DefaultThrottle = ThrottleConfig{Limit: 100, Window: 60 * time.Second, Type: ThrottleFixed}

func (c ThrottleConfig) validate() error {
	if c.Limit < 1 {
		return fmt.Errorf("throttle limit %d: must be >= 1", c.Limit)
	}
	if c.Window <= 0 {
		return fmt.Errorf("throttle window %v: must be > 0", c.Window)
	}
	if c.Type != ThrottleFixed && c.Type != ThrottleSliding {
		return fmt.Errorf("throttle type %q: want fixed or sliding", c.Type)
	}
	return nil
}

// throttle counts calls per application (app_key) across create, query and details.
type throttle struct {
	cfg ThrottleConfig
	// neverReset (fault throttle-never-resets) never opens a new fixed window.
	neverReset bool
	mu         sync.Mutex
	apps       map[string]*bucket
}

// bucket is one application's state. Fixed: the window's start and count. Sliding: a ring of
// the last Limit counted calls' times; a call is allowed when fewer than Limit calls were
// counted or the oldest of the last Limit is at least Window old.
type bucket struct {
	start time.Time
	n     int
	ring  []time.Time
	head  int
}

func newThrottle(cfg ThrottleConfig) *throttle {
	return &throttle{cfg: cfg, apps: map[string]*bucket{}}
}

// allow records a call of app at now and reports whether it is within the quota.
func (t *throttle) allow(app string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.apps[app]
	if b == nil {
		b = &bucket{}
		t.apps[app] = b
	}
	if t.cfg.Type == ThrottleSliding {
		ok := len(b.ring) < t.cfg.Limit || !now.Before(b.ring[b.head].Add(t.cfg.Window))
		if ok || t.cfg.RejectedCount {
			if len(b.ring) < t.cfg.Limit {
				b.ring = append(b.ring, now)
			} else {
				b.ring[b.head] = now
				b.head = (b.head + 1) % t.cfg.Limit
			}
		}
		return ok
	}
	if b.n == 0 || (!t.neverReset && !now.Before(b.start.Add(t.cfg.Window))) {
		b.start, b.n = now, 0
	}
	if b.n < t.cfg.Limit {
		b.n++
		return true
	}
	return false
}
