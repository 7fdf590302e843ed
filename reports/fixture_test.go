package reports

import (
	"time"

	"github.com/batchcert/batchcert"
)

// t0 is the fixed start of every fixture run, so rendered output is deterministic.
var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// sampleResults is a realistic certify run with every outcome, violations and evidence,
// coverage, readings, all three load probes and a self-test kill matrix.
func sampleResults() *batchcert.Results {
	timeline := make([]batchcert.TimelinePoint, 0, 30)
	for i := 0; i < 30; i++ {
		p := batchcert.TimelinePoint{Offset: time.Duration(i) * 5 * time.Second}
		switch i % 12 {
		case 0, 1:
			p.Accepted = 40
		case 2:
			p.Accepted, p.Throttled = 20, 20
		default:
			p.Throttled = 40
		}
		timeline = append(timeline, p)
	}
	return &batchcert.Results{
		FormatVersion:  batchcert.ResultsVersion,
		Harness:        batchcert.Harness{Version: "v0.3.0", SpecHash: "9f2c4e1a7b3d5f60c8e2a4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5", CatalogHash: "1b3d5f7a9c2e4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c"},
		Target:         batchcert.Target{Name: "acme-iot-staging", URL: "https://iot.staging.acme.example:8743", Transport: "rest"},
		Profile:        "lenient",
		Command:        "certify",
		Start:          t0,
		End:            t0.Add(4*time.Minute + 12*time.Second),
		Verdict:        batchcert.Nonconformant,
		VerdictReasons: []string{"1 MUST check(s) failed: query-progress/3/invariants"},
		Gate:           &batchcert.Gate{Coverage: batchcert.GateProvocableMust},
		Checks: []batchcert.Check{
			{ID: "create-happy/1/status", Scenario: "create-happy", File: "suite/create.yaml", Requirements: []string{"RSP.create.taskID"}, Severity: batchcert.Must, Outcome: batchcert.Pass, Duration: 42 * time.Millisecond},
			{ID: "create-happy/2/echo", Scenario: "create-happy", File: "suite/create.yaml", Requirements: []string{"INV.echo", "RSP.query.taskId"}, Severity: batchcert.Must, Outcome: batchcert.Pass, Duration: 38 * time.Millisecond},
			{
				ID: "query-progress/3/invariants", Scenario: "query-progress", File: "suite/query.yaml",
				Requirements: []string{"INV.progress", "RSP.query.progress"}, Severity: batchcert.Must, Outcome: batchcert.Fail,
				Message:  "progress 1200 is outside 0..1000 <b>permille</b>",
				Duration: 51 * time.Millisecond,
				Violations: []batchcert.Violation{
					{Source: "invariant", Operation: "queryBatchTask", Requirement: "INV.progress", Pointer: "/progress", Message: "progress 1200 exceeds 1000"},
					{Source: "schema", Operation: "queryBatchTask", Requirement: "RSP.query.progress", Pointer: "/progress", Message: "must be <= 1000"},
				},
				Evidence: []batchcert.Evidence{{
					Request:  "GET /iocm/app/batchtask/v1.1.0/tasks/5c3f9a?appId=app-1 HTTP/1.1\napp_key: app-1\nAuthorization: Bearer [REDACTED]",
					Response: "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{\"taskId\":\"5c3f9a\",\"progress\":1200,\"note\":\"<script>alert(1)</script>\"}",
					Curl:     "curl -sS -H 'app_key: app-1' -H 'Authorization: Bearer [REDACTED]' 'https://iot.staging.acme.example:8743/iocm/app/batchtask/v1.1.0/tasks/5c3f9a?appId=app-1&select=tags'",
				}},
			},
			{
				ID: "refresh-errors/2/bad-token", Scenario: "refresh-errors", File: "suite/auth.yaml",
				Requirements: []string{"ERR.refresh.401.100208"}, Severity: batchcert.Should, Outcome: batchcert.Fail,
				Message: "want 401/100208, got 400/102202", Duration: 12 * time.Millisecond,
				Violations: []batchcert.Violation{{Source: "openapi", Operation: "refreshToken", Requirement: "ERR.refresh.401.100208", Pointer: "status", Message: "status 400, want 401"}},
				Evidence: []batchcert.Evidence{{
					Request:  "POST /iocm/app/sec/v1.1.0/refreshToken HTTP/1.1\nContent-Type: application/json\n\n{\"appId\":\"app-1\",\"secret\":\"[REDACTED]\",\"refreshToken\":\"[REDACTED]\"}",
					Response: "HTTP/1.1 400 Bad Request\nContent-Type: application/json\n\n{\"error_code\":\"102202\",\"error_desc\":\"missing field\"}",
					Curl:     "curl -sS -X POST -H 'Content-Type: application/json' -d '{\"appId\":\"app-1\",\"secret\":\"[REDACTED]\",\"refreshToken\":\"[REDACTED]\"}' https://iot.staging.acme.example:8743/iocm/app/sec/v1.1.0/refreshToken",
				}},
			},
			{ID: "graphql-mutations/1/create", Scenario: "graphql-mutations", File: "suite/graphql.yaml", Requirements: []string{"RSP.create.taskID"}, Severity: batchcert.Must, Outcome: batchcert.Skip, Message: "scenario needs transport graphql; target is rest"},
			{ID: "create-errors/7/internal", Scenario: "create-errors", File: "suite/create.yaml", Requirements: []string{"ERR.create.500.50252"}, Severity: batchcert.Must, Outcome: batchcert.KnownFail, Message: "want 500/50252, got 500 with an HTML body", Duration: 20 * time.Millisecond},
			{ID: "details-paging/1/page", Scenario: "details-paging", File: "suite/details.yaml", Requirements: []string{"FLD.details.pageSize"}, Severity: batchcert.Must, Outcome: batchcert.Errored, Message: "dial tcp 10.0.0.7:8743: connection refused", Duration: 3 * time.Second},
			{ID: "throttle/limit", Scenario: "probe:throttle", Requirements: []string{"RULE.throttle", "ERR.create.403.1010009"}, Severity: batchcert.Must, Outcome: batchcert.Pass, Message: "100 per 60s fixed window, as declared", Duration: 150 * time.Second},
			{ID: "tasklimit/race", Scenario: "probe:tasklimit", Requirements: []string{"RULE.tasklimit", "ERR.create.200.105001"}, Severity: batchcert.Must, Outcome: batchcert.Fail, Message: "run 4 admitted 11 unfinished tasks, limit 10", Duration: 9 * time.Second,
				Violations: []batchcert.Violation{{Source: "tasklimit", Operation: "createBatchTask", Requirement: "RULE.tasklimit", Message: "11 admitted > limit 10 in run 4"}}},
		},
		Coverage: batchcert.Coverage{
			ErrorCodes: []batchcert.CodeCoverage{
				{Operation: "login", Status: 401, Code: "100208", Exercised: true, Passed: true},
				{Operation: "refreshToken", Status: 401, Code: "100208", Exercised: true, Passed: false},
				{Operation: "createBatchTask", Status: 200, Code: "105001", Exercised: true, Passed: false},
				{Operation: "createBatchTask", Status: 200, Code: "100203", Exercised: true, Passed: true},
				{Operation: "createBatchTask", Status: 403, Code: "100203", Exercised: false},
				{Operation: "createBatchTask", Status: 403, Code: "1010009", Exercised: true, Passed: true},
				{Operation: "createBatchTask", Status: 500, Code: "50252", Exercised: true, Passed: false},
				{Operation: "queryBatchTask", Status: 403, Code: "100203", Exercised: true, Passed: true},
				{Operation: "queryBatchTask", Status: 403, Code: "1010009", Exercised: true, Passed: true},
				{Operation: "queryTaskDetails", Status: 400, Code: "100022", Exercised: false},
			},
			Requirements: batchcert.RequirementCoverage{Total: 15, Covered: 12, Missing: []string{"FLD.create.tags.tagName", "RULE.cross-app", "INV.final-state"}},
		},
		Selection: &batchcert.Selection{Run: "query-progress,req:RULE.tasklimit,code:105001",
			Scenarios: []string{"query-progress", "tasklimit"}, Of: 31},
		Readings: []batchcert.Reading{
			{ID: "AMB.2", Option: "timeoutUnit", Value: "either", Default: "minutes", Summary: "query echoes timeout in minutes or seconds"},
			{ID: "AMB.3", Option: "rateScale", Value: "permille", Default: "permille", Summary: "progress and successRate are permillages 0..1000"},
			{ID: "AMB.9", Option: "throttle", Value: "100/60s fixed", Default: "100/60s fixed", Summary: "100 calls per 60 s per app over all batch-task operations"},
		},
		Load: &batchcert.LoadResults{
			Throttle: &batchcert.ThrottleResult{
				DeclaredLimit: 100, DeclaredWindow: time.Minute, MeasuredLimit: 100, MeasuredConcurrent: 8,
				MeasuredWindow: time.Minute, WindowType: "fixed", RejectedCount: ptr(false), Isolated: ptr(true), Timeline: timeline,
				Connections: &batchcert.Connections{Model: "keep-alive", Requests: 412, Dials: 2, Handshakes: 2,
					HandshakeTime: 9 * time.Millisecond, HandshakeMean: 4500 * time.Microsecond},
			},
			TaskLimit: &batchcert.TaskLimitResult{
				Limit: 10, Concurrency: 20, Runs: 5,
				Admitted: []int{10, 10, 10, 11, 10}, Rejected: []int{10, 10, 9, 9, 10}, Other: []int{0, 0, 1, 0, 0}, SlotReturn: ptr(true),
				Connections: &batchcert.Connections{Model: "keep-alive", Requests: 118, Dials: 20, Handshakes: 20,
					HandshakeTime: 62 * time.Millisecond, HandshakeMean: 3100 * time.Microsecond},
			},
			Capacity: &batchcert.CapacityResult{
				Operation: "queryBatchTask", SLOp99: 250 * time.Millisecond, MaxErrorRate: 0.01, Sustained: 80,
				Steps: []batchcert.CapacityStep{
					{Rate: 10, Achieved: 10, Requests: 300, P50: 8 * time.Millisecond, P90: 15 * time.Millisecond, P99: 31 * time.Millisecond, Max: 44 * time.Millisecond, OK: true},
					{Rate: 20, Achieved: 20, Requests: 600, P50: 9 * time.Millisecond, P90: 18 * time.Millisecond, P99: 40 * time.Millisecond, Max: 61 * time.Millisecond, OK: true},
					{Rate: 40, Achieved: 39.9, Requests: 1197, P50: 12 * time.Millisecond, P90: 30 * time.Millisecond, P99: 85 * time.Millisecond, Max: 120 * time.Millisecond, OK: true},
					{Rate: 80, Achieved: 79.2, Requests: 2376, ErrorRate: 0.004, P50: 25 * time.Millisecond, P90: 90 * time.Millisecond, P99: 210 * time.Millisecond, Max: 340 * time.Millisecond, OK: true},
					{Rate: 160, Achieved: 121.5, Requests: 3645, ErrorRate: 0.052, P50: 140 * time.Millisecond, P90: 380 * time.Millisecond, P99: 720 * time.Millisecond, Max: 1900 * time.Millisecond, OK: false},
				},
				Connections: &batchcert.Connections{Model: "new-connection", Requests: 8118, Dials: 8118, Handshakes: 8118,
					HandshakeTime: 8118 * 2400 * time.Microsecond, HandshakeMean: 2400 * time.Microsecond, Failed: 3},
			},
		},
		SelfTest: &batchcert.SelfTest{
			CleanConformant: true,
			Faults: []batchcert.FaultKill{
				{Fault: "progress-percent", Description: "progress reported in percent", Killed: true, CaughtBy: []string{"query-progress/3/invariants"}},
				{Fault: "tasklimit-race", Description: "task limit checked without a lock", Killed: true, CaughtBy: []string{"tasklimit/race"}},
				{Fault: "throttle-sliding", Description: "sliding instead of fixed window", Killed: true, CaughtBy: []string{"throttle/limit"}},
				{Fault: "status-regress", Description: "a finished task read as Running again", Killed: true, Kills: 2, ShouldOnly: true,
					CaughtBy: []string{"lifecycle/a finished task stays finished/contract", "consistency/the pair stays Complete/contract"}},
				{Fault: "taskid-lowercase", Description: "create answers taskId", Killed: false},
			},
		},
	}
}
