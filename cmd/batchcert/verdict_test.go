package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/reports"
)

// TestOneFaultOneRootCause: create answering taskId instead of taskID fails every create and
// leaves every later step without its task id; the report shows that as one root cause, first,
// with the checks not run because of it counted apart, and no harness error.
func TestOneFaultOneRootCause(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	stdout, stderr, code := runCLI(t, "check", "-fault", refplatform.FaultCreateTaskIDLowercase, "-out", out)
	if code != batchcert.ExitNonconformant {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	if n := strings.Count(page, `<div class="cause`); n != 1 {
		t.Errorf("%d root-cause groups, want 1", n)
	}
	i := strings.Index(page, `id="cause-1"`)
	if i < 0 || i > strings.Index(page, `id="coverage"`) || !strings.Contains(page[i:i+400], "/taskID") {
		t.Error("the renamed field is not the first finding of the report")
	}
	if !strings.Contains(stdout, " 0 errors") {
		t.Errorf("the cascade still reads as harness errors:\n%s", stdout)
	}
	if strings.Contains(page, "map has no entry for key") {
		t.Error("a template error reaches the report instead of 'not run: step X failed'")
	}
}

// TestEverythingSkippedIsNeverGreen: a profile that lacks what every scenario needs gives a run
// in which nothing judged the platform: NOT CERTIFIED, exit 1, even with the coverage gate off.
func TestEverythingSkippedIsNeverGreen(t *testing.T) {
	t.Setenv("BATCHCERT_TEST_UNSET_PRIMARY_7Q", "some-secret-value")
	p := profile(t, "")
	out := t.TempDir()
	stdout, stderr, code := runCLI(t, "check", "-target", p, "-run", "errors-create", "-coverage-gate", "none", "-out", out)
	if code == batchcert.ExitConformant {
		t.Fatalf("a run that checked nothing exited 0\n%s\n%s", stdout, stderr)
	}
	if !strings.Contains(stdout, "NOT CERTIFIED") || !strings.Contains(stdout, "nothing was checked") {
		t.Errorf("verdict does not say nothing was checked:\n%s", stdout)
	}
}

// TestRowStatusIsMust: a documented row's status and code are MUST: answering an unknown task
// with 400 instead of 404 (105005) is a MUST failure and makes the platform nonconformant.
func TestRowStatusIsMust(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	_, stderr, code := runCLI(t, "check", "-fault", refplatform.FaultHTTP105005As400, "-run", "^errors-query$", "-coverage-gate", "none", "-out", out)
	if code != batchcert.ExitNonconformant {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	f, err := os.Open(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range res.Checks {
		if c.ID == "errors-query/unknown task/expect-1" {
			found = true
			if c.Outcome != batchcert.Fail || c.Severity != batchcert.Must {
				t.Errorf("%s: %s %s, want a MUST FAIL", c.ID, c.Severity, c.Outcome)
			}
		}
	}
	if !found {
		t.Error("no check errors-query/unknown task/expect-1")
	}
}
