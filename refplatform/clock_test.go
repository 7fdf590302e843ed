package refplatform

import (
	"testing"
	"time"
)

// TestScaledClock: a scaled clock runs scale times faster than real time and adds manual
// advances; time never runs back.
func TestScaledClock(t *testing.T) {
	t.Parallel()
	c := NewScaledClock(t0, 600)
	before := time.Now()
	a := c.Now()
	time.Sleep(5 * time.Millisecond)
	b := c.Now()
	real := time.Since(before)
	if got := b.Sub(a); got < 3*time.Second || got > time.Duration(float64(real)*600)+time.Second {
		t.Fatalf("5 ms at scale 600 moved the clock %v", got)
	}
	c.Advance(time.Hour)
	c.Advance(-2 * time.Hour)
	if got := c.Now().Sub(b); got < time.Hour {
		t.Fatalf("after Advance(1h) the clock moved only %v", got)
	}
	if NewScaledClock(t0, 0).scale != 1 {
		t.Fatal("scale 0 must mean real time")
	}
	m := NewManualClock(t0)
	m.Advance(-time.Second)
	m.Advance(time.Minute)
	if !m.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("manual clock at %v", m.Now())
	}
}

// TestConfigOptions: the flags-friendly Config builds a working server, and bad values fail
// at New, naming what is wrong.
func TestConfigOptions(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.TimeScale = 600
	cfg.Faults = []string{FaultTaskLimit11}
	opts, err := cfg.Options()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	if srv.URL() == "" || srv.ControlURL() == "" || srv.CertFile() != "" {
		t.Fatalf("URL %q control %q cert %q", srv.URL(), srv.ControlURL(), srv.CertFile())
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		why  string
		opt  Option
	}{
		{"scale", "a non-positive time scale", WithTimeScale(0)},
		{"throttle-limit", "a zero throttle limit", WithThrottle(ThrottleConfig{Limit: 0, Window: time.Second, Type: ThrottleFixed})},
		{"throttle-type", "an unknown window type", WithThrottle(ThrottleConfig{Limit: 1, Window: time.Second, Type: "leaky"})},
		{"task-limit", "a zero task limit", WithTaskLimit(0)},
		{"world", "a nil world", WithWorld(nil)},
	}
	for _, c := range bad {
		if _, err := New(c.opt); err == nil {
			t.Errorf("%s: accepted %s", c.name, c.why)
		}
	}
	cfg.WorldFile = "no/such/world.yaml"
	if _, err := cfg.Options(); err == nil {
		t.Fatal("a missing world file was accepted")
	}
	// A busy port is reported by Open at once.
	s1, _ := New()
	if err := s1.Open(); err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, _ := New(WithAddr(s1.URL()[len("http://"):]))
	if err := s2.Open(); err == nil {
		s2.Close()
		t.Fatal("Open on a busy port succeeded")
	}
}
