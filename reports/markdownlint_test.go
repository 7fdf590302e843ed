package reports

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestSummaryMarkdownlintClean runs markdownlint (its default rules, no config) over summaries
// the golden does not show: an interrupted run with long lists, and hostile text. .ci/run lints
// the golden itself and sets $BATCHCERT_MARKDOWNLINT; elsewhere the test skips without it.
func TestSummaryMarkdownlintClean(t *testing.T) {
	t.Parallel()
	lint := os.Getenv("BATCHCERT_MARKDOWNLINT")
	if lint == "" {
		t.Skip("$BATCHCERT_MARKDOWNLINT is not set (npm install markdownlint-cli; .ci/run does)")
	}
	long := sampleResults()
	long.Incomplete = true
	for i := 0; i < 20; i++ {
		long.Checks = append(long.Checks, batchcert.Check{ID: "c/" + strings.Repeat("x", i), Scenario: "s",
			Requirements: []string{"RULE.x", "ERR.create.400.50400"}, Severity: batchcert.Must, Outcome: batchcert.Fail,
			Message: strings.Repeat("a long message - with 1. list-like + words > and # marks ", 4)})
		long.Coverage.Requirements.Missing = append(long.Coverage.Requirements.Missing, "RULE.missing-requirement-id")
	}
	hostile := sampleResults()
	hostile.Target.Name = "*bold* `tick` <b> | pipe"
	hostile.Checks[2].ID = "a check id/with many words in it/because steps have names like this one/expect-1"
	hostile.Checks[2].Message = "- not a list\n# not a heading\n> not a quote " + strings.Repeat("word ", 40)
	dir := t.TempDir()
	var files []string
	for name, r := range map[string]*batchcert.Results{"long.md": long, "hostile.md": hostile} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(renderString(t, FormatMarkdown, r)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	cmd := exec.Command(lint, files...)
	cmd.Dir = dir // no .markdownlint config of anyone else's
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("markdownlint: %v\n%s", err, out)
	}
}
