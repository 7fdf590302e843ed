package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestInvalidFlagValues: every flag value a run cannot honour is a usage error (exit 2) that
// names the flag, before anything is started; nothing is silently replaced by a default
// (issue 14: zero and negative load bounds, -max-error-rate 2, -time-scale 0, serve -addr
// :99999 were accepted or exited 3).
func TestInvalidFlagValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, why, flag string
		args            []string
	}{
		{"concurrency-0", "zero senders send nothing", "-concurrency", []string{"load", "throttle", "-concurrency", "0"}},
		{"concurrency-neg", "negative senders", "-concurrency", []string{"load", "tasklimit", "-concurrency", "-3"}},
		{"max-requests-0", "a bound of zero requests", "-max-requests", []string{"load", "throttle", "-max-requests", "0"}},
		{"max-requests-neg", "a negative bound", "-max-requests", []string{"load", "capacity", "-max-requests", "-1"}},
		{"max-duration-0", "a bound of zero time", "-max-duration", []string{"load", "throttle", "-max-duration", "0s"}},
		{"max-duration-neg", "a negative bound", "-max-duration", []string{"load", "throttle", "-max-duration", "-1m"}},
		{"runs-0", "zero races", "-runs", []string{"load", "tasklimit", "-runs", "0"}},
		{"runs-neg", "negative races", "-runs", []string{"load", "tasklimit", "-runs", "-2"}},
		{"step-duration-0", "a step of no time", "-step-duration", []string{"load", "capacity", "-step-duration", "0s"}},
		{"step-duration-neg", "a negative step", "-step-duration", []string{"load", "capacity", "-step-duration", "-2s"}},
		{"slo-p99-0", "an SLO nothing meets", "-slo-p99", []string{"load", "capacity", "-slo-p99", "0s"}},
		{"slo-p99-neg", "a negative SLO", "-slo-p99", []string{"load", "capacity", "-slo-p99", "-5ms"}},
		{"max-error-rate-2", "a ratio over 1", "-max-error-rate", []string{"load", "capacity", "-max-error-rate", "2"}},
		{"max-error-rate-0", "zero would be replaced by the default", "-max-error-rate", []string{"load", "capacity", "-max-error-rate", "0"}},
		{"max-error-rate-neg", "a negative ratio", "-max-error-rate", []string{"load", "capacity", "-max-error-rate", "-0.1"}},
		{"max-error-rate-nan", "not a number", "-max-error-rate", []string{"load", "capacity", "-max-error-rate", "NaN"}},
		{"rates-0", "a zero rate", "-rates", []string{"load", "capacity", "-rates", "0"}},
		{"rates-text", "not a number", "-rates", []string{"load", "capacity", "-rates", "100,fast"}},
		{"operation", "no such operation", "-operation", []string{"load", "capacity", "-operation", "delete"}},
		{"certify-concurrency", "certify takes the load flags too", "-concurrency", []string{"certify", "-concurrency", "0"}},
		{"certify-max-error-rate", "certify takes the load flags too", "-max-error-rate", []string{"certify", "-max-error-rate", "1.5"}},
		{"time-scale-0", "a clock that never moves", "-time-scale", []string{"check", "-time-scale", "0"}},
		{"time-scale-neg", "a clock that runs back", "-time-scale", []string{"load", "throttle", "-time-scale", "-1"}},
		{"time-scale-inf", "no clock", "-time-scale", []string{"certify", "-time-scale", "+Inf"}},
		{"throttle-limit-0", "a throttle that admits nothing", "-throttle-limit", []string{"check", "-throttle-limit", "0"}},
		{"throttle-window-0", "a window of no time", "-throttle-window", []string{"check", "-throttle-window", "0s"}},
		{"task-limit-0", "a task limit that admits nothing", "-task-limit", []string{"check", "-task-limit", "0"}},
		{"deadline-0", "a deadline already past", "-deadline", []string{"check", "-deadline", "0s"}},
		{"deadline-neg", "a negative deadline", "-deadline", []string{"load", "throttle", "-deadline", "-1m"}},
		{"deadline-text", "not a duration", "-deadline", []string{"certify", "-deadline", "soon"}},
		{"serve-addr-port", "port 99999 does not exist", "-addr", []string{"serve", "-addr", ":99999"}},
		{"serve-addr-form", "not host:port", "-addr", []string{"serve", "-addr", "127.0.0.1"}},
		{"serve-control-addr", "port 70000 does not exist", "-control-addr", []string{"serve", "-control-addr", "127.0.0.1:70000"}},
		{"serve-time-scale", "serve checks the reference settings too", "-time-scale", []string{"serve", "-time-scale", "0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr, msg bytes.Buffer
			args := c.args
			if args[0] != "serve" {
				args = append(args, "-out", t.TempDir())
			}
			err := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
			code := exitCode(err, &msg)
			if code != batchcert.ExitUsage {
				t.Fatalf("%s (%s): exit %d, want 2\n%s%s", strings.Join(c.args, " "), c.why, code, stderr.String(), msg.String())
			}
			if !strings.Contains(msg.String(), c.flag) {
				t.Errorf("%s: the message does not name %s: %s", strings.Join(c.args, " "), c.flag, msg.String())
			}
			if strings.Contains(stderr.String(), "reference platform at") {
				t.Errorf("%s: a target was started before the flags were checked", strings.Join(c.args, " "))
			}
		})
	}
}
