package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/reports"
	"github.com/batchcert/batchcert/scenarios"
)

// TestFitMaxWaitDefault: a real-time run against a target without control gets, unless
// -max-wait is given, the -max-wait its plan needs (a token's hour), and says so; a given
// -max-wait stands, and the embedded reference keeps the default.
func TestFitMaxWaitDefault(t *testing.T) {
	t.Parallel()
	tg := scenarios.ReferenceTarget()
	tg.Control = nil
	controlled := scenarios.ReferenceTarget()
	controlled.Control = &scenarios.Control{URL: "http://127.0.0.1:9"}
	for _, tc := range []struct {
		name string
		args []string
		p    *certify.Platform
		want time.Duration
		say  string
	}{
		{"uncontrolled, no -max-wait", nil, &certify.Platform{Target: tg}, 61 * time.Minute, "-max-wait 1h1m (the default on a target without control"},
		{"uncontrolled, -max-wait given", []string{"-max-wait", "30s"}, &certify.Platform{Target: tg}, 30 * time.Second, "longer than -max-wait 30s is not run"},
		{"controlled", nil, &certify.Platform{Target: controlled}, scenarios.DefaultMaxWait, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := flag.NewFlagSet("certify", flag.ContinueOnError)
			sf := addSuiteFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := checkConfig("", sf)
			if err != nil {
				t.Fatal(err)
			}
			cfg.RealTime = true
			var stderr bytes.Buffer
			if err := fitMaxWait(fs, tc.p, &cfg, &stderr); err != nil {
				t.Fatal(err)
			}
			if cfg.MaxWait != tc.want {
				t.Errorf("max-wait %s, want %s", cfg.MaxWait, tc.want)
			}
			if !strings.Contains(stderr.String(), tc.say) || (tc.say == "" && stderr.Len() > 0) {
				t.Errorf("stderr %q, want it to say %q", stderr.String(), tc.say)
			}
		})
	}
}

// TestMaxWaitNeededReported: a step left out for -max-wait (the tokens scenario's hour against
// the reference served on its own clock) is recorded in results.json with the -max-wait that
// would run it, and a NOT CERTIFIED verdict names it.
func TestMaxWaitNeededReported(t *testing.T) {
	profile := serveReference(t, "-throttle-window", "3s", "-throttle-limit", "400")
	out := t.TempDir()
	_, stderr, code := runCLI(t, "check", "-target", profile, "-out", out, "-state", "none", "-real-time", "-max-wait", "30s", "-run", "tokens")
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("exit %d, no results: %v\n%s", code, err, tail(stderr, 20))
	}
	res, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxWaitNeeded != 61*time.Minute {
		t.Errorf("maxWaitNeeded %s, want 1h1m (the tokens scenario waits 59m50s)", res.MaxWaitNeeded)
	}
	if res.Verdict == batchcert.NotCertified && !strings.Contains(strings.Join(res.VerdictReasons, " "), "-max-wait 1h1m") {
		t.Errorf("NOT CERTIFIED, but the reasons do not name the -max-wait that fills the gap: %q", res.VerdictReasons)
	}
	t.Logf("verdict %s, reasons %q", res.Verdict, res.VerdictReasons)
}

// TestPrintLoadPlatformTime: on a scaled clock the terminal's throttle line is followed by the
// windows in platform time, which the docs' rule speaks of; on a real clock it is not.
func TestPrintLoadPlatformTime(t *testing.T) {
	t.Parallel()
	thr := &batchcert.ThrottleResult{MeasuredLimit: 100, MeasuredWindow: 10 * time.Second, DeclaredLimit: 100, DeclaredWindow: 10 * time.Second,
		TimeScale: 60, PlatformMeasuredWindow: 600 * time.Second, PlatformDeclaredWindow: 600 * time.Second}
	var b bytes.Buffer
	printLoad(&b, &batchcert.LoadResults{Throttle: thr})
	if !strings.Contains(b.String(), "in platform time (x60): measured per 10m, declared per 10m") {
		t.Errorf("scaled: %q", b.String())
	}
	thr.TimeScale = 0
	b.Reset()
	printLoad(&b, &batchcert.LoadResults{Throttle: thr})
	if strings.Contains(b.String(), "platform time") {
		t.Errorf("real clock: %q", b.String())
	}
}

// TestCheckConnectionModel: check -conn new-connection opens a connection for every call of the
// suite, as the vendor's Java SDK does with a client certificate; keep-alive reuses them.
// results.json records the model and what it cost.
func TestCheckConnectionModel(t *testing.T) {
	t.Parallel()
	for _, model := range []string{"new-connection", "keep-alive"} {
		out := t.TempDir()
		_, stderr, code := runCLI(t, "check", "-conn", model, "-run", "happy-paths", "-coverage-gate", "none", "-out", out)
		data, err := os.ReadFile(filepath.Join(out, "results.json"))
		if err != nil {
			t.Fatalf("%s: exit %d, no results: %v\n%s", model, code, err, tail(stderr, 20))
		}
		res, err := reports.ReadJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		c := res.Connections
		if c == nil || c.Model != model || c.Requests < 5 {
			t.Fatalf("%s: connections %+v", model, c)
		}
		if model == "new-connection" && c.Dials != c.Requests {
			t.Errorf("new-connection: %d dials for %d requests", c.Dials, c.Requests)
		}
		if model == "keep-alive" && c.Dials*2 > c.Requests {
			t.Errorf("keep-alive: %d dials for %d requests", c.Dials, c.Requests)
		}
		if code != batchcert.ExitConformant {
			t.Errorf("%s: exit %d, verdict %s", model, code, res.Verdict)
		}
	}
	if _, stderr, code := runCLI(t, "check", "-conn", "pooled"); code != batchcert.ExitUsage || !strings.Contains(stderr, "-conn") {
		t.Errorf("-conn pooled: exit %d, %q", code, stderr)
	}
}
