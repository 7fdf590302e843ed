package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/reports"
)

// serveReference serves the reference out of process as a vendor's platform would be: no
// control API, its own clock, state kept between runs. It returns the profile -profile-out
// wrote, with the secrets' variables set from the world.
func serveReference(t *testing.T, args ...string) string {
	t.Helper()
	profile := startServe(t, args...)
	world := refplatform.DefaultWorld()
	p := servedProfile{world: world}
	for role, a := range p.roles() {
		t.Setenv(secretVar(role), a.Secret)
	}
	return profile
}

// startServe is serveReference without the secrets' variables (a parallel test cannot set
// them): it returns the profile -profile-out wrote.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	profile := filepath.Join(dir, "served.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out, errb strings.Builder
	go func() {
		all := append([]string{"serve", "-addr", "127.0.0.1:0", "-control-addr", "", "-profile-out", profile}, args...)
		done <- run(ctx, all, strings.NewReader(""), &syncWriter{w: &out}, &syncWriter{w: &errb})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	for i := 0; ; i++ {
		if _, err := os.Stat(profile); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if i > 1000 {
			t.Fatal("serve wrote no profile in 20 s")
		}
	}
	return profile
}

// syncWriter lets the serving goroutine write while the test reads nothing of it.
type syncWriter struct{ w *strings.Builder }

func (s *syncWriter) Write(p []byte) (int, error) { return len(p), nil }

// certifyServed runs check against a served profile and returns its results.
func checkServed(t *testing.T, profile string, extra ...string) (*batchcert.Results, string) {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"check", "-target", profile, "-out", out, "-state", filepath.Join(filepath.Dir(profile), "state.json")}, extra...)
	stdout, stderr, code := runCLI(t, args...)
	f, err := os.Open(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("exit %d, no results.json: %v\nstdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if code != batchcert.ExitConformant {
		for _, c := range res.Checks {
			if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored {
				t.Logf("%s %s: %s", c.Outcome, c.ID, c.Message)
			}
		}
		t.Fatalf("exit %d, verdict %s\nstdout:\n%s\nstderr (tail):\n%s", code, res.Verdict, stdout, tail(stderr, 40))
	}
	return res, stderr
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func failures(res *batchcert.Results) (fail, errored int) {
	for _, c := range res.Checks {
		switch c.Outcome {
		case batchcert.Fail:
			fail++
		case batchcert.Errored:
			errored++
		}
	}
	return fail, errored
}

// TestServedReferenceBackToBack is issue 11's first acceptance point: the reference served
// without its control API, certified from the profile it wrote, three times against the same
// server without a restart, is CONFORMANT with no FAIL and no ERROR each time: the suite
// neither fills the task limit with its own tasks nor throttles itself across runs, and every
// name it makes is new.
func TestServedReferenceBackToBack(t *testing.T) {
	if testing.Short() {
		t.Skip("three whole runs")
	}
	profile := serveReference(t, "-time-scale", "600", "-throttle-window", "3000s", "-throttle-limit", "400")
	for i := 1; i <= 3; i++ {
		res, _ := checkServed(t, profile, "-real-time")
		if f, e := failures(res); f+e > 0 || res.Verdict != batchcert.Conformant {
			t.Fatalf("run %d: %d FAIL, %d ERROR, verdict %s", i, f, e, res.Verdict)
		}
		t.Logf("run %d: %s, %d checks", i, res.Verdict, len(res.Checks))
	}
}

// TestServedReferenceRealClock is the same on the platform's own clock (-time-scale 1), three
// runs back to back, with the shorter throttle window the issue allows for CI and a larger
// declared task limit (each run leaves about six tasks that last their 10-minute timeout: a
// third run within 10 minutes would otherwise wait for their slots). The waits that
// the docs make long (a task's 10-minute minimum timeout, hence the Timeout ends and the
// task-limit race's slots coming back; a token's 3600 s) exceed -max-wait: those steps are not
// run, with the reason, and the coverage gate is off so that the run's verdict speaks of what it
// judged. The full real-time certification, which waits for all of them, is a documented command
// (README), too slow for CI. Set BATCHCERT_SLOW=1 to run this test (.ci/run does).
func TestServedReferenceRealClock(t *testing.T) {
	if os.Getenv("BATCHCERT_SLOW") == "" {
		t.Skip("about two minutes of real time: set BATCHCERT_SLOW=1 (.ci/run does)")
	}
	profile := serveReference(t, "-time-scale", "1", "-throttle-window", "3s", "-throttle-limit", "400", "-task-limit", "25")
	for i := 1; i <= 3; i++ {
		res, _ := checkServed(t, profile, "-real-time", "-max-wait", "10s", "-coverage-gate", "none")
		f, e := failures(res)
		notRun := 0
		for _, c := range res.Checks {
			if c.Outcome == batchcert.Skip && strings.Contains(c.Message, "-max-wait") {
				notRun++
			}
		}
		if f+e > 0 || res.Verdict != batchcert.Conformant {
			t.Fatalf("run %d: %d FAIL, %d ERROR, verdict %s", i, f, e, res.Verdict)
		}
		if notRun == 0 {
			t.Errorf("run %d: no step was left out for -max-wait, yet a task timeout is 10 minutes", i)
		}
		t.Logf("run %d: %s, %d checks, %d not run past -max-wait", i, res.Verdict, len(res.Checks), notRun)
	}
}
