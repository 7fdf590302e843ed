package scenarios

import (
	"context"
	"slices"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestCoverageFromEvidence: a requirement is covered only by a check that judged it in a
// situation that could have broken it. One read of a fresh (Pending) task covers neither the
// invariants over a task's life nor final-state nor the counter formulas, and an expectation
// that asserts only an error row's status does not cover the row.
func TestCoverageFromEvidence(t *testing.T) {
	tg := startReference(t)
	sc, err := ParseScenario("evidence.yaml", []byte(`name: evidence
description: one read of a fresh task, and two answers to an unknown task
steps:
  - name: create
    request:
      method: POST
      path: /iocm/app/batchtask/v1.1.0/tasks
      body: {appId: "{{.primaryAppId}}", taskName: "ev-{{uniq}}", taskType: DeviceCmd, timeout: 30,
             param: {type: DeviceList, deviceList: "{{.deviceIds}}", command: {serviceId: "{{.serviceId}}", method: "{{.method}}"}}}
    capture: {task: /taskID}
    expect:
      - {status: 200, success: true, requirements: [RSP.create.taskID]}
  - name: read once
    request: {method: GET, path: "/iocm/app/batchtask/v1.1.0/tasks/{{.task}}"}
    expect:
      - {name: final, status: 200, invariants: [INV.final-state, INV.echo], requirements: [INV.final-state, INV.echo]}
  - name: unknown status only
    request: {method: GET, path: /iocm/app/batchtask/v1.1.0/taskDetails, query: {taskId: nope}}
    expect:
      - {status: 404, requirements: [ERR.details.404.105005]}
  - name: unknown task
    request: {method: GET, path: /iocm/app/batchtask/v1.1.0/tasks/nope}
    expect:
      - {name: row, status: 404, errorCode: "105005", requirements: [ERR.query.404.105005]}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Scenarios: []*Scenario{sc},
		Gate: batchcert.Gate{Coverage: batchcert.GateNone}})
	if err != nil {
		t.Fatal(err)
	}
	covers := map[string][]string{}
	for _, c := range res.Checks {
		if c.Outcome != batchcert.Pass {
			t.Fatalf("%s: %s %s", c.ID, c.Outcome, c.Message)
		}
		covers[c.ID] = c.Covers
	}
	missing := res.Coverage.Requirements.Missing
	cases := []struct {
		id      string
		covered bool
		why     string
	}{
		{"INV.final-state", false, "a Pending task cannot break final-state"},
		{"INV.monotonic", false, "one read has nothing to be monotonic with"},
		{"INV.status-moves", false, "one read has no move"},
		{"INV.progress", false, "counters that have not moved cannot break the progress formula"},
		{"INV.echo", true, "the read was compared with what create was sent"},
		{"INV.counters-bounded", true, "any read can break the bounds"},
		{"RSP.query.status", true, "a valid answer judged every response field"},
		{"RSP.query.tags", false, "no query asked for tags"},
		{"ERR.query.404.105005", true, "the expectation asserted its status and code"},
		// The details answer carried 404/105005, so its contract check covers the row even
		// though the expectation asserted only the status.
		{"ERR.details.404.105005", true, "the answer carried the row's status and code"},
		{"ERR.create.200.105001", false, "nothing provoked the task limit"},
	}
	for _, tc := range cases {
		if got := !slices.Contains(missing, tc.id); got != tc.covered {
			t.Errorf("%s covered %v, want %v: %s", tc.id, got, tc.covered, tc.why)
		}
	}
	if c := covers["evidence/read once/final"]; slices.Contains(c, "INV.final-state") || !slices.Contains(c, "INV.echo") {
		t.Errorf("the expectation on a Pending task covers %v; want INV.echo without INV.final-state", c)
	}
	if c := covers["evidence/unknown status only/expect-1"]; c == nil || slices.Contains(c, "ERR.details.404.105005") {
		t.Errorf("a status-only expectation covers %v; want [] (it did not assert the code)", c)
	}
	if !slices.Contains(res.Coverage.Requirements.MissingMust, "ERR.create.200.105001") {
		t.Errorf("MissingMust %v lacks an unprovoked MUST row", res.Coverage.Requirements.MissingMust)
	}
	if slices.Contains(res.Coverage.Requirements.MissingMust, "ERR.create.500.100203") {
		t.Error("a row only fault injection reaches is in MissingMust: no client can provoke it")
	}
	if res.Verdict != batchcert.Conformant {
		t.Errorf("verdict %s under gate none", res.Verdict)
	}
	res.Apply(batchcert.Gate{})
	if res.Verdict != batchcert.NotCertified {
		t.Errorf("verdict %s under the default gate, want NOT CERTIFIED", res.Verdict)
	}
}

// TestRecomputeCoverageCountsProbes: coverage is computed over the suite and the probes
// together; a passing throttle probe covers RULE.throttle once coverage is recomputed.
func TestRecomputeCoverageCountsProbes(t *testing.T) {
	t.Parallel()
	res := &batchcert.Results{Profile: "doc-strict", Checks: []batchcert.Check{
		{ID: "x/contract", Requirements: []string{"RSP.query.status", "INV.final-state"}, Covers: []string{"RSP.query.status"}, Outcome: batchcert.Pass},
	}}
	if err := RecomputeCoverage(res); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(res.Coverage.Requirements.Missing, "RULE.throttle") || !slices.Contains(res.Coverage.Requirements.Missing, "INV.final-state") {
		t.Fatalf("before the probe: missing %v", res.Coverage.Requirements.Missing)
	}
	res.Checks = append(res.Checks,
		batchcert.Check{ID: "throttle.threshold", Scenario: "load/throttle", Requirements: []string{"RULE.throttle", "ERR.query.403.1010009"}, Outcome: batchcert.Pass},
		batchcert.Check{ID: "tasklimit.slot-return", Scenario: "load/tasklimit", Requirements: []string{"RULE.tasklimit"}, Outcome: batchcert.Skip})
	if err := RecomputeCoverage(res); err != nil {
		t.Fatal(err)
	}
	miss := res.Coverage.Requirements.Missing
	if slices.Contains(miss, "RULE.throttle") || slices.Contains(miss, "ERR.query.403.1010009") {
		t.Errorf("after a passing throttle probe, still missing %v", miss)
	}
	if !slices.Contains(miss, "RULE.tasklimit") {
		t.Error("a skipped probe check covered RULE.tasklimit")
	}
	if !slices.Contains(miss, "INV.final-state") {
		t.Error("a requirement a check claims but does not cover counts as covered")
	}
	for _, cc := range res.Coverage.ErrorCodes {
		if cc.Operation == "queryBatchTask" && cc.Code == "1010009" && (!cc.Exercised || !cc.Passed) {
			t.Errorf("query 403/1010009 after the probe: %+v", cc)
		}
	}
}
