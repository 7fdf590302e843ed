package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/reports"
)

// servedWorld is one reference world certify is run against, out of process and without
// control: the world file ("" for the default), the secrets' variable prefix its profile is
// rewritten to (so that two worlds can be served side by side), and the command its profile
// declares instead of the one -profile-out writes ("" keeps it).
type servedWorld struct {
	name, file, varPrefix, serviceID, method string
}

// The scaled clock of the certify acceptance: 60 platform seconds per real second, so that
// the docs' waits (a task's 10-minute minimum timeout, a token's 3600 s) take 10 s and 60 s,
// and a throttle window of 600 s of platform time (declared so by the profile) lasts 10 s.
const (
	acceptScale  = "60"
	acceptWindow = "600s"
)

// TestCertifyServedScaled is issue 13's acceptance: `batchcert certify` against the reference
// served without its control API (serve -control-addr ”), on its own clock, with a throttle
// window shortened to 10 s of real time that the profile declares, run twice back to back
// against the same server with the state file carried across; and the same with a world
// (testdata/world-other.yaml) whose applications, devices, groups and command differ from
// the default's. The clock is scaled (limits.timeScale 60) so that a whole certification, the
// token's hour and the tasks' timeouts included, takes two minutes: the coverage gate stays
// at its default, nothing is left out for -max-wait, and each run must be CONFORMANT with no
// FAIL or ERROR, every throttle check passed, the task-limit race admitting exactly 10 and a
// capacity step. Set BATCHCERT_SLOW=1 to run it (.ci/run does).
func TestCertifyServedScaled(t *testing.T) {
	if os.Getenv("BATCHCERT_SLOW") == "" {
		t.Skip("about four minutes of real time: set BATCHCERT_SLOW=1 (.ci/run does)")
	}
	worlds := []servedWorld{
		{name: "default-world", varPrefix: "BATCHCERT_SECRET_"},
		{name: "other-world", file: filepath.Join("testdata", "world-other.yaml"), varPrefix: "BATCHCERT_OW_SECRET_",
			serviceID: "Valve", method: "CLOSE"},
	}
	// The secrets' variables are set here, before the worlds' subtests run in parallel.
	for _, w := range worlds {
		world := refplatform.DefaultWorld()
		if w.file != "" {
			var err error
			if world, err = refplatform.LoadWorld(w.file); err != nil {
				t.Fatal(err)
			}
		}
		for role, a := range (servedProfile{world: world}).roles() {
			t.Setenv(w.varPrefix+strings.TrimPrefix(secretVar(role), "BATCHCERT_SECRET_"), a.Secret)
		}
	}
	for _, w := range worlds {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"-time-scale", acceptScale, "-throttle-window", acceptWindow}
			if w.file != "" {
				args = append(args, "-world", w.file)
			}
			profile := servedWorldProfile(t, w, startServe(t, args...))
			for i := 1; i <= 2; i++ {
				start := time.Now()
				res, verdict := certifyServed(t, profile)
				t.Logf("%s run %d: %s in %s, %d checks; %s", w.name, i, verdict, time.Since(start).Round(time.Second), len(res.Checks), loadLine(res))
				acceptCertified(t, res, i)
			}
		})
	}
}

// servedWorldProfile rewrites the profile serve wrote for w: its secrets' variables and its
// command.
func servedWorldProfile(t *testing.T, w servedWorld, profile string) string {
	t.Helper()
	data, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "${BATCHCERT_SECRET_", "${"+w.varPrefix)
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		switch trimmed := strings.TrimSpace(l); {
		case w.serviceID != "" && strings.HasPrefix(trimmed, "serviceId:"):
			l = "  serviceId: " + w.serviceID
		case w.method != "" && strings.HasPrefix(trimmed, "method:"):
			l = "  method: " + w.method
		}
		lines = append(lines, l)
	}
	text = strings.Join(lines, "\n")
	if !strings.Contains(text, "timeScale: "+acceptScale) || !strings.Contains(text, "window: "+acceptWindow) {
		t.Fatalf("the profile does not declare the served clock and throttle:\n%s", text)
	}
	if err := os.WriteFile(profile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return profile
}

// certifyServed runs certify with its defaults against a served profile, the state file next
// to it, and returns the results and the verdict line.
func certifyServed(t *testing.T, profile string) (*batchcert.Results, string) {
	t.Helper()
	out := t.TempDir()
	stdout, stderr, code := runCLI(t, "certify", "-target", profile, "-out", out, "-state", filepath.Join(filepath.Dir(profile), "state.json"))
	f, err := os.Open(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("exit %d, no results.json: %v\nstdout:\n%s\nstderr (tail):\n%s", code, err, stdout, tail(stderr, 60))
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	verdict := ""
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "verdict") {
			verdict = strings.Join(strings.Fields(l), " ")
		}
	}
	if code != batchcert.ExitConformant {
		for _, c := range res.Checks {
			if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored {
				t.Logf("%s %s: %s", c.Outcome, c.ID, c.Message)
			}
		}
		t.Fatalf("exit %d, %s\nstdout:\n%s\nstderr (tail):\n%s", code, verdict, stdout, tail(stderr, 60))
	}
	if !strings.Contains(stderr, "run on its own clock (-real-time)") {
		t.Errorf("certify did not say that it runs on the target's own clock:\n%s", tail(stderr, 60))
	}
	return res, verdict
}

// acceptCertified holds a run to the acceptance.
func acceptCertified(t *testing.T, res *batchcert.Results, run int) {
	t.Helper()
	if f, e := failures(res); f+e > 0 || res.Verdict != batchcert.Conformant {
		t.Errorf("run %d: %d FAIL, %d ERROR, verdict %s %v", run, f, e, res.Verdict, res.VerdictReasons)
	}
	throttleChecks := 0
	for _, c := range res.Checks {
		if strings.Contains(c.Message, "-max-wait") {
			t.Errorf("run %d: %s was left out for -max-wait on a clock that passes every wait: %s", run, c.ID, c.Message)
		}
		if !strings.Contains(c.Scenario, "throttle") {
			continue
		}
		throttleChecks++
		if c.Outcome != batchcert.Pass {
			t.Errorf("run %d: throttle check %s is %s: %s", run, c.ID, c.Outcome, c.Message)
		}
	}
	if throttleChecks == 0 {
		t.Errorf("run %d: no throttle check", run)
	}
	l := res.Load
	if l == nil || l.Throttle == nil || l.TaskLimit == nil || l.Capacity == nil {
		t.Fatalf("run %d: a probe is missing: %+v", run, l)
	}
	if got := l.TaskLimit.Admitted; len(got) != 1 || got[0] != 10 {
		t.Errorf("run %d: the race admitted %v, want [10]", run, got)
	}
	if len(l.TaskLimit.Leftover) > 0 {
		t.Errorf("run %d: the race left unfinished tasks: %v", run, l.TaskLimit.Leftover)
	}
	if len(l.Capacity.Steps) == 0 {
		t.Errorf("run %d: no capacity step", run)
	}
	capacity := false
	for _, c := range res.Checks {
		if c.ID == "capacity.contract-under-load" {
			capacity = c.Outcome == batchcert.Pass
		}
	}
	if !capacity {
		t.Errorf("run %d: the capacity step's check did not pass", run)
	}
}

// loadLine sums up the probes of a run for the log.
func loadLine(res *batchcert.Results) string {
	l := res.Load
	if l == nil || l.Throttle == nil || l.TaskLimit == nil || l.Capacity == nil {
		return "a probe is missing"
	}
	return fmt.Sprintf("throttle %d per %s measured, race admitted %v, capacity %s sustained in %s",
		l.Throttle.MeasuredLimit, batchcert.FormatDuration(l.Throttle.MeasuredWindow), l.TaskLimit.Admitted,
		batchcert.FormatRate(l.Capacity.Sustained), batchcert.Plural(len(l.Capacity.Steps), "step"))
}
