package reports

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

func renderString(t *testing.T, format string, r *batchcert.Results) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(format, r, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestMarkdownContent(t *testing.T) {
	t.Parallel()
	out := renderString(t, FormatMarkdown, sampleResults())
	cases := []struct{ want, reason string }{
		{"# ❌ batchcert: NONCONFORMANT\n", "the verdict is the first line, an h1 (MD041)"},
		{"`-run query-progress,req:RULE.tasklimit,code:105001`: 2 of 31\nscenarios.", "the -run filter is recorded"},
		{"| PASS | 3 |", "counts table"},
		{"| FAIL (MUST) | 2 |", "MUST failures counted apart from SHOULD"},
		{"| **Total** | **9** |", "total"},
		{"## Failures (4)", "FAIL and ERROR listed; KNOWN-FAIL is not a failure"},
		{"`INV.progress`\n  `RSP.query.progress`", "failures name their requirement ids, wrapped at 80 columns"},
		{"&lt;b&gt;permille&lt;/b&gt;", "raw HTML in a message is escaped"},
		{"Error-code contexts: 8/10 exercised (80%), 5 passed", "error-code coverage numbers"},
		{"Requirements: 12/15 covered (80%); missing: `FLD.create.tags.tagName`", "requirement coverage numbers"},
		{"Throttle: declared 100 per 1m0s, measured 100 per 1m0s (fixed window", "throttle headline"},
		{"admitted 10–11, rejected 9–10", "task-limit headline"},
		{"sustained 80/s", "capacity headline"},
		{"Faults killed: 4/5", "self-test headline"},
	}
	for _, tc := range cases {
		if !strings.Contains(out, tc.want) {
			t.Errorf("%s: summary lacks %q", tc.reason, tc.want)
		}
	}
	if strings.Contains(out, "INCOMPLETE") {
		t.Error("a complete run shows an INCOMPLETE note")
	}
}

func TestMarkdownCapsLongLists(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	r.Checks = nil
	for i := 0; i < 40; i++ {
		r.Checks = append(r.Checks, batchcert.Check{ID: fmt.Sprintf("c%02d", i), Scenario: "s", Requirements: []string{"RULE.x"}, Severity: batchcert.Must, Outcome: batchcert.Fail, Message: strings.Repeat("long ", 100)})
	}
	for i := 0; i < 30; i++ {
		r.Coverage.Requirements.Missing = append(r.Coverage.Requirements.Missing, fmt.Sprintf("RULE.m%02d", i))
	}
	r.Incomplete = true
	out := renderString(t, FormatMarkdown, r)
	if n := strings.Count(out, "\n- **FAIL**"); n != MaxMarkdownFailures {
		t.Errorf("listed %d failures, want the cap %d", n, MaxMarkdownFailures)
	}
	if !strings.Contains(out, "and 25 more: see report.html") {
		t.Error("the cap does not say how many were left out")
	}
	if !strings.Contains(out, "and 23 more") {
		t.Error("missing requirements are not capped")
	}
	if !strings.Contains(out, "**INCOMPLETE:**") {
		t.Error("an interrupted run has no INCOMPLETE note")
	}
	if len(out) > 8000 {
		t.Errorf("summary is %d bytes; it must stay short enough for a PR comment", len(out))
	}
}

func TestMarkdownEscaping(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, reason string }{
		{"a|b", `a\|b`, "a pipe would split a table cell"},
		{"<img src=x>", "&lt;img src=x&gt;", "raw HTML"},
		{"*bold* _it_", `\*bold\* \_it\_`, "emphasis"},
		{"line\nbreak", "line break", "a newline would end a list item"},
		{"[link](http://x)", `\[link\](http://x)`, "links"},
	}
	for _, tc := range cases {
		if got := mdText(tc.in); got != tc.want {
			t.Errorf("mdText(%q) = %q, want %q (%s)", tc.in, got, tc.want, tc.reason)
		}
	}
	if got := mdCode("a`b|c"); strings.ContainsAny(got, "`|") {
		t.Errorf("mdCode left a backtick or pipe: %q", got)
	}
}

// TestMarkdownConnections: the load headlines say how the probes used connections and what
// the TLS handshakes cost, and over how many apps capacity ran.
func TestMarkdownConnections(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	r.Load.Capacity.Apps = []string{"pool-1", "pool-2", "pool-3"}
	r.Load.Capacity.Connections = &batchcert.Connections{Model: "new-connection", Requests: 120, Dials: 120, Handshakes: 120,
		HandshakeTime: 120 * 1500 * time.Microsecond, HandshakeMean: 1500 * time.Microsecond}
	r.Load.TaskLimit.Connections = &batchcert.Connections{Model: "keep-alive", Requests: 40, Dials: 1}
	out := strings.Join(strings.Fields(renderString(t, FormatMarkdown, r)), " ") // lines wrap at 80 columns
	for _, want := range []string{"steps, over 3 apps); connections: new-connection, 120 requests, 120 dialed, 120 TLS handshakes (mean 1.5ms)",
		"rejected 9–10; connections: keep-alive, 40 requests, 1 dialed -"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}
