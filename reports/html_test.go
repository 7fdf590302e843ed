package reports

import (
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

func TestHTMLSelfContained(t *testing.T) {
	t.Parallel()
	out := renderString(t, FormatHTML, sampleResults())
	forbidden := []struct {
		re, reason string
	}{
		{`(?i)<script`, "no script, and evidence containing <script> is escaped"},
		{`(?i)<link\b`, "no external stylesheet"},
		{`(?i)\bsrc\s*=`, "no external images or frames"},
		{`(?i)href="(?:https?:)?//`, "no external links to load"},
		{`(?i)@import|url\(`, "no CSS loads"},
		{`NaN|Inf`, "no broken numbers in plots"},
	}
	for _, f := range forbidden {
		if loc := regexp.MustCompile(f.re).FindStringIndex(out); loc != nil {
			t.Errorf("%s: found %q", f.reason, out[max(loc[0]-40, 0):min(loc[1]+40, len(out))])
		}
	}
}

func TestHTMLContent(t *testing.T) {
	t.Parallel()
	out := renderString(t, FormatHTML, sampleResults())
	cases := []struct{ want, reason string }{
		{`<h1>NONCONFORMANT</h1>`, "verdict first, big"},
		{`9f2c4e1a7b3d5f60`, "spec hash"},
		{`v0.3.0`, "harness version"},
		{`lenient`, "profile"},
		{`&lt;script&gt;alert(1)&lt;/script&gt;`, "evidence is HTML-escaped"},
		{`&lt;b&gt;permille&lt;/b&gt;`, "messages are HTML-escaped"},
		{`curl -sS -H &#39;app_key: app-1&#39;`, "curl reproducer shown"},
		{`<td class="failed">✗ failed</td>`, "coverage grid marks exercised-but-failed contexts"},
		{`<td class="unexercised">· not exercised</td>`, "coverage grid marks unexercised contexts"},
		{`<code>INV.final-state</code></td><td>SHOULD</td><td class="st">Complete means every subtask completed`, "traceability shows each requirement's statement"},
		{`<span class="o none">not covered</span>`, "traceability lists uncovered requirements"},
		{`<input type="radio" name="f" id="f-fail">`, "the full list can be filtered, without a script"},
		{`<code>AMB.2</code>`, "readings"},
		{`Throttle probe: calls per bucket`, "throttle plot"},
		{`Task-limit race: answers per run`, "task-limit plot"},
		{`Capacity: latency against attempted rate`, "capacity plot"},
		{`limit 100 / 1m0s`, "throttle plot's declared limit line"},
		{`p99 SLO 250ms`, "capacity plot's SLO line"},
		{`4 of 5 injected faults killed`, "kill matrix"},
		{`killed</span> (SHOULD checks only)`, "a fault only SHOULD checks caught says so"},
		{`survived`, "a surviving fault is shown"},
	}
	for _, tc := range cases {
		if !strings.Contains(out, tc.want) {
			t.Errorf("%s: report lacks %q", tc.reason, tc.want)
		}
	}
	if n := strings.Count(out, "<svg "); n != 3 {
		t.Errorf("%d plots, want 3", n)
	}
	if strings.Contains(out, `id="incomplete"`) {
		t.Error("a complete run has the INCOMPLETE banner")
	}
}

func TestHTMLIncompleteAndEmpty(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	r.Incomplete, r.Verdict = true, "INCOMPLETE"
	r.Load, r.SelfTest, r.Readings = nil, nil, nil
	out := renderString(t, FormatHTML, r)
	if !strings.Contains(out, `id="incomplete"`) {
		t.Error("an interrupted run has no INCOMPLETE banner")
	}
	for _, absent := range []string{`id="load"`, `id="selftest"`, `id="readings"`, "<svg"} {
		if strings.Contains(out, absent) {
			t.Errorf("section %s shown for a run without it", absent)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, reason string }{
		{"Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]", "bearer header"},
		{"-H 'Authorization: Bearer abc.def'", "-H 'Authorization: Bearer [REDACTED]'", "bearer in curl"},
		{`{"accessToken":"tok","refreshToken": "rt"}`, `{"accessToken":"[REDACTED]","refreshToken": "[REDACTED]"}`, "token fields"},
		{`appId=a1&secret=s3cr3t&x=1`, `appId=a1&secret=[REDACTED]&x=1`, "login form"},
		{`{"secret":"[REDACTED]"}`, `{"secret":"[REDACTED]"}`, "already redacted stays the same"},
		{`{"taskId":"t1"}`, `{"taskId":"t1"}`, "no credential, no change"},
	}
	for _, tc := range cases {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q (%s)", tc.in, got, tc.want, tc.reason)
		}
	}
}

// TestHTMLRootCausesFirst: one fault reads as one finding: the failures of a renamed field and
// the checks not run because of it form one group, shown first; an exchange two failures show
// is shown once; traceability is in natural order (AMB.2 before AMB.10).
func TestHTMLRootCausesFirst(t *testing.T) {
	t.Parallel()
	ev := batchcert.Evidence{Request: "POST /tasks", Response: "HTTP 200\n{\"taskId\":\"t\"}", Curl: "curl", Script: "#!/usr/bin/env bash\necho REPRODUCED"}
	v := batchcert.Violation{Source: "schema", Operation: "createBatchTask", Requirement: "RSP.create.taskID", Pointer: "/taskID", Message: "taskID is required", Count: 3}
	r := &batchcert.Results{Verdict: batchcert.Nonconformant, Checks: []batchcert.Check{
		{ID: "a/ok/x", Scenario: "a", Outcome: batchcert.Pass, Requirements: []string{"AMB.10"}},
		{ID: "a/create/contract", Scenario: "a", Severity: batchcert.Must, Outcome: batchcert.Fail, Message: "1 violation",
			Violations: []batchcert.Violation{v}, Evidence: []batchcert.Evidence{ev}, Requirements: []string{"AMB.2"}},
		{ID: "a/create/capture-taskId", Scenario: "a", Severity: batchcert.Must, Outcome: batchcert.Fail, Message: "capture taskId: /taskID not in the answer",
			Violations: []batchcert.Violation{{Source: "capture", Operation: "createBatchTask", Pointer: "/taskID"}}, Evidence: []batchcert.Evidence{ev}},
		{ID: "a/query/expect-1", Scenario: "a", Severity: batchcert.Must, Outcome: batchcert.NotRun, Message: `not run: step "create" failed (capture taskId: /taskID not in the answer)`},
		{ID: "b/other/expect-1", Scenario: "b", Severity: batchcert.Should, Outcome: batchcert.Fail, Message: "status 400, expected 404"},
		{ID: "c/create/contract", Scenario: "c", Severity: batchcert.Must, Outcome: batchcert.Fail, Message: "1 violation",
			Violations: []batchcert.Violation{v}, Evidence: []batchcert.Evidence{ev}},
	}}
	out := renderString(t, FormatHTML, r)
	if n := strings.Count(out, `<div class="cause`); n != 2 {
		t.Errorf("%d root causes, want 2 (the renamed field, the status)", n)
	}
	first := strings.Index(out, `id="cause-1"`)
	if first < 0 || !strings.Contains(out[first:first+600], "/taskID") {
		t.Errorf("the first root cause is not the renamed field")
	}
	for _, want := range []string{"2 more failure(s) of this cause", "1 check(s) not run because of it",
		"Reproducer script", "echo REPRODUCED", "<td class=\"n\">3</td>", "1 not run"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(out, "HTTP 200\n{&#34;taskId&#34;"); n != 1 {
		t.Errorf("the failing exchange is shown %d times, want once", n)
	}
	if i, j := strings.Index(out, "<code>AMB.2</code>"), strings.Index(out, "<code>AMB.10</code>"); i < 0 || j < 0 || i > j {
		t.Errorf("traceability is not in natural order: AMB.2 at %d, AMB.10 at %d", i, j)
	}
}

// TestHTMLConnections: each load probe's section says how it reached the target (the
// connection model, -conn) and what its connections cost, as the Markdown summary does; a
// probe whose results do not say shows no connections table.
func TestHTMLConnections(t *testing.T) {
	t.Parallel()
	out := renderString(t, FormatHTML, sampleResults())
	load := out[strings.Index(out, `<h2 id="load">`):strings.Index(out, `<h2 id="selftest">`)]
	sections := map[string]string{}
	for _, s := range strings.Split(load, "<h3>")[1:] {
		sections[s[:strings.Index(s, "<")]] = s
	}
	cases := []struct{ section, want, reason string }{
		{"Throttle (RULE.throttle)", `<td><code>keep-alive</code></td><td class="n">412</td><td class="n">2</td><td class="n">2</td><td class="n">9ms</td><td class="n">4.5ms</td><td class="n">0</td>`,
			"the throttle probe's model, requests, dials and handshakes"},
		{"Task limit (RULE.tasklimit)", `<td><code>keep-alive</code></td><td class="n">118</td><td class="n">20</td>`,
			"the race's model: one connection per concurrent sender"},
		{"Capacity of queryBatchTask", `<td><code>new-connection</code></td><td class="n">8118</td><td class="n">8118</td><td class="n">8118</td><td class="n">19.48s</td><td class="n">2.4ms</td><td class="n">3</td>`,
			"the capacity search's model, its handshakes' total and mean cost and the failed ones"},
	}
	for _, tc := range cases {
		s, ok := sections[tc.section]
		if !ok {
			t.Fatalf("no section %q in the load part of the report", tc.section)
		}
		if !strings.Contains(s, `<th>Connection model</th>`) || !strings.Contains(s, tc.want) {
			t.Errorf("%s: section %q lacks %q", tc.reason, tc.section, tc.want)
		}
	}

	r := sampleResults()
	r.Load.Throttle.Connections, r.Load.TaskLimit.Connections, r.Load.Capacity.Connections = nil, nil, nil
	if out := renderString(t, FormatHTML, r); strings.Contains(out, `class="conns"`) {
		t.Error("a connections table is shown for probes whose results record none")
	}
}
