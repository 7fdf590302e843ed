package reports_test

import (
	"os"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// ExampleRender renders the Markdown summary of a small run, as `batchcert report results.json
// --format md` does.
func ExampleRender() {
	start := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	r := &batchcert.Results{
		Harness: batchcert.Harness{Version: "v0.3.0", SpecHash: "9f2c4e1a7b3d5f60"},
		Target:  batchcert.Target{Name: "reference", URL: "http://127.0.0.1:8080", Transport: "rest", Reference: true},
		Profile: "doc-strict", Command: "check", Start: start, End: start.Add(2 * time.Second),
		Verdict: "CONFORMANT",
		Checks: []batchcert.Check{
			{ID: "create-happy/1/status", Scenario: "create-happy", Requirements: []string{"RSP.create.taskID"}, Severity: batchcert.Must, Outcome: batchcert.Pass},
		},
		Coverage: batchcert.Coverage{Requirements: batchcert.RequirementCoverage{Total: 1, Covered: 1}},
	}
	if err := reports.Render(reports.FormatMarkdown, r, os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// # ✅ batchcert: CONFORMANT
	//
	// Target **reference** (`http://127.0.0.1:8080`, rest, reference platform) ·
	// profile `doc-strict` · `batchcert v0.3.0` · spec `9f2c4e1a7b3d…` · 2s
	//
	// | Outcome | Checks |
	// | --- | ---: |
	// | PASS | 1 |
	// | FAIL (MUST) | 0 |
	// | FAIL (SHOULD) | 0 |
	// | KNOWN-FAIL | 0 |
	// | SKIP | 0 |
	// | ERROR | 0 |
	// | **Total** | **1** |
	//
	// ## Coverage
	//
	// - Error-code contexts: 0/0 exercised (0%), 0 passed
	// - Requirements: 1/1 covered (100%)
}
