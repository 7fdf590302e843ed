package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// Tests of the CLI's fit with the tools people run (issue 17): -list, -run selectors, report -,
// stray arguments, every -h.

// runTool runs the CLI with stdin and returns stdout, stderr and the exit code.
func runTool(t *testing.T, stdin string, args ...string) (string, string, batchcert.ExitCode) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := run(ctx, args, strings.NewReader(stdin), &out, &errb)
	code := exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// countingTarget is a target profile whose platform is an httptest server that counts what it
// is sent: the -list tests assert it saw nothing.
func countingTarget(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	profile := `name: listed
baseURL: ` + srv.URL + `
transport: rest
apps:
  primary: {appId: my-app-id, secret: "${BATCHCERT_TEST_UNSET_SECRET}"}
  secondary: {appId: my-other-app-id, secret: "${BATCHCERT_TEST_UNSET_SECRET2}"}
fixtures:
  deviceIds: [d-0001]
  serviceId: Switch
  method: SET
limits:
  throttle: {limit: 100, window: 60s}
  taskLimit: 10
profile: doc-strict
`
	path := filepath.Join(t.TempDir(), "target.yaml")
	if err := os.WriteFile(path, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, &hits
}

// TestListSendsNothing: check -list and certify -list print the scenarios, their checks with
// requirement ids and (certify) the load plans, exit 0, and the target's server sees no request.
func TestListSendsNothing(t *testing.T) {
	t.Parallel()
	target, hits := countingTarget(t)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"check", "-list", "-target", target}, []string{"target   listed: http://127.0.0.1:", "profile  doc-strict",
			"lifecycle (", "ERR.create.200.105001", "checks in", "scenarios"}},
		{[]string{"check", "-dry-run", "-target", target, "-run", "code:105002"}, []string{"-run code:105002 selects", "105002"}},
		{[]string{"certify", "-list", "-target", target}, []string{"load plans", "throttle probe: at most", "tasklimit probe: at most",
			"capacity probe: at most", "query at 1.5 req/s"}}, // 90 % of the declared 100/min: capacity is never left out
		{[]string{"certify", "-list", "-target", target, "-allow-over-throttle", "-rates", "1"}, []string{"capacity probe: at most"}},
	}
	for _, tc := range cases {
		out, errOut, code := runTool(t, "", tc.args...)
		if code != batchcert.ExitConformant {
			t.Errorf("%v: exit %d, want 0\n%s%s", tc.args, code, out, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: the plan lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("-list sent %d requests to the target; it must send none", n)
	}
}

// TestListEmbeddedReference: -list without -target prints the reference's plan and starts no
// reference platform (it would print its address).
func TestListEmbeddedReference(t *testing.T) {
	t.Parallel()
	out, errOut, code := runTool(t, "", "check", "-list", "-run", "op:refresh")
	if code != 0 || !strings.Contains(out, "the embedded reference platform") || !strings.Contains(out, "refreshToken") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(errOut, "reference platform at") {
		t.Errorf("-list started the reference platform: %s", errOut)
	}
}

// TestRunSelectorKinds: a -run of each kind picks its scenarios; one that picks nothing, or
// does not parse, is a usage error (exit 2) naming -run.
func TestRunSelectorKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		run, reason string
		want        string // a line of the plan: a scenario header
		not         string // a scenario the selector must leave out
	}{
		{"^lifecycle$", "a scenario-name regexp", "\nlifecycle (", "\ntokens ("},
		{"req:RULE.tasklimit", "a requirement id", "RULE.tasklimit", "\nlifecycle ("},
		{"op:refresh", "an operation", "refreshToken", "\nlifecycle ("},
		{"code:105202", "an error code", "105202", "\ntokens ("},
	}
	for _, tc := range cases {
		out, errOut, code := runTool(t, "", "check", "-list", "-run", tc.run)
		if code != 0 {
			t.Errorf("-run %s (%s): exit %d: %s", tc.run, tc.reason, code, errOut)
			continue
		}
		if !strings.Contains(out, tc.want) || strings.Contains(out, tc.not) {
			t.Errorf("-run %s (%s): the plan should hold %q and not %q:\n%s", tc.run, tc.reason, tc.want, tc.not, out)
		}
	}
	for _, bad := range []string{"no-such-scenario-anywhere", "code:999999", "op:delete", "req:("} {
		for _, cmd := range []string{"check", "certify"} {
			_, errOut, code := runTool(t, "", cmd, "-run", bad)
			if code != batchcert.ExitUsage || !strings.Contains(errOut, "-run") {
				t.Errorf("%s -run %s: exit %d, want 2 with a message naming -run: %s", cmd, bad, code, errOut)
			}
		}
	}
}

// TestStrayArgumentsAreUsageErrors: an argument a command does not take is exit 2 naming it,
// never silently ignored.
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"check", "extra-arg"}, {"certify", "-load=false", "extra-arg"}, {"selftest", "extra-arg"},
		{"serve", "extra-arg"}, {"load", "throttle", "extra-arg"}, {"check", "-list", "extra-arg"},
	} {
		_, errOut, code := runTool(t, "", args...)
		if code != batchcert.ExitUsage || !strings.Contains(errOut, `unexpected argument "extra-arg"`) {
			t.Errorf("%v: exit %d, want 2 naming the argument: %s", args, code, errOut)
		}
	}
}

// TestEveryHelpListsFlags: `batchcert COMMAND -h` exits 0 and lists the command's flags.
func TestEveryHelpListsFlags(t *testing.T) {
	t.Parallel()
	want := map[string]string{"certify": "-list", "check": "-run", "load": "-concurrency", "report": "-junit-should",
		"selftest": "-parallel", "serve": "-addr"}
	for _, c := range commands() {
		out, errOut, code := runTool(t, "", c.name, "-h")
		if code != 0 {
			t.Errorf("%s -h: exit %d: %s", c.name, code, errOut)
		}
		if !strings.Contains(out, "flags:") || strings.Count(out, "\n  -") < 2 {
			t.Errorf("%s -h lists no flags:\n%s", c.name, out)
		}
		if w := want[c.name]; w != "" && !strings.Contains(out, "  "+w) {
			t.Errorf("%s -h does not list %s:\n%s", c.name, w, out)
		}
	}
}

// TestReportReadsStdin: `batchcert report -` renders the results read from standard input.
func TestReportReadsStdin(t *testing.T) {
	t.Parallel()
	res := &batchcert.Results{FormatVersion: batchcert.ResultsVersion, Verdict: batchcert.Conformant,
		Target: batchcert.Target{Name: "from-stdin", Transport: "rest"},
		Checks: []batchcert.Check{{ID: "s/1/should", Scenario: "s", Requirements: []string{"RULE.x"},
			Severity: batchcert.Should, Outcome: batchcert.Fail, Message: "a SHOULD failure"}}}
	var in bytes.Buffer
	if err := reports.WriteJSON(&in, res); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runTool(t, in.String(), "report", "-format", "md", "-")
	if code != 0 || !strings.Contains(out, "**from-stdin**") {
		t.Fatalf("report -: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = runTool(t, in.String(), "report", "-format", "junit", "-")
	if code != 0 || strings.Contains(out, "<failure") || !strings.Contains(out, "SHOULD-FAIL") {
		t.Errorf("report -format junit: a SHOULD failure should be a note by default:\n%s", out)
	}
	out, _, code = runTool(t, in.String(), "report", "-format", "junit", "-junit-should", "failure", "-")
	if code != 0 || !strings.Contains(out, `<failure message="[SHOULD]`) {
		t.Errorf("report -junit-should failure: want a <failure>:\n%s", out)
	}
	if _, errOut, code := runTool(t, "not json", "report", "-"); code != batchcert.ExitUsage || !strings.Contains(errOut, "stdin") {
		t.Errorf("report - of garbage: exit %d, want 2 naming stdin: %s", code, errOut)
	}
	if _, _, code := runTool(t, in.String(), "report", "-format", "junit", "-junit-should", "red", "-"); code != batchcert.ExitUsage {
		t.Errorf("-junit-should red: exit %d, want 2", code)
	}
}

// TestCheckRecordsSelection runs a small selection on the embedded reference: results.json and
// summary.md record the filter, and only the selected scenarios ran.
func TestCheckRecordsSelection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, errOut, code := runTool(t, "", "check", "-run", "code:105202", "-out", dir)
	if code != batchcert.ExitConformant && code != batchcert.ExitNonconformant {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if res.Selection == nil || res.Selection.Run != "code:105202" || len(res.Selection.Scenarios) == 0 ||
		len(res.Selection.Scenarios) >= res.Selection.Of {
		t.Fatalf("selection = %+v", res.Selection)
	}
	for _, c := range res.Checks {
		if c.Scenario != "auth" && c.Scenario != "graphql-transport" && !contains(res.Selection.Scenarios, c.Scenario) {
			t.Errorf("check %s of an unselected scenario ran", c.ID)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "`-run code:105202`") {
		t.Errorf("summary.md does not record the selection:\n%s", md)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
