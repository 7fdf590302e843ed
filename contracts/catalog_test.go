package contracts

import (
	"strings"
	"testing"
)

func mustCatalog(t testing.TB) *RequirementCatalog {
	t.Helper()
	c, err := Catalog()
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	return c
}

func TestCatalogLoads(t *testing.T) {
	t.Parallel()
	c := mustCatalog(t)
	count := func(prefix string, rs []Requirement) int {
		n := 0
		for _, r := range rs {
			if strings.HasPrefix(r.ID, prefix) {
				n++
			}
		}
		return n
	}
	errs := c.Errors()
	for _, tc := range []struct {
		prefix string
		want   int
		reason string
	}{
		{"ERR.create.", 14, "create's table has 14 rows"},
		{"ERR.query.", 8, "query's table has 8 rows"},
		{"ERR.login.", 4, "login has 4 documented errors"},
	} {
		if got := count(tc.prefix, errs); got != tc.want {
			t.Errorf("%s: %d entries, want %d (%s)", tc.prefix, got, tc.want, tc.reason)
		}
	}
	codes := map[string]bool{}
	for _, r := range errs {
		if r.Operation == "createBatchTask" || r.Operation == "queryBatchTask" {
			codes[r.Code] = true
		}
	}
	if len(codes) != 15 {
		t.Errorf("%d distinct batch-task codes, the docs list 15", len(codes))
	}
	for _, id := range []string{"RULE.throttle", "RULE.tasklimit", "RULE.taskname-unique", "RULE.token-latest", "RULE.token-expiry",
		"RULE.cross-app", "RULE.error-body", "RULE.content-type", "INV.completeCnt", "INV.progress", "INV.successRate",
		"INV.counters-bounded", "INV.monotonic", "INV.status-moves", "INV.final-state", "INV.tags-select", "INV.taskFrom",
		"INV.startTime", "INV.echo", "RSP.create.taskID", "FLD.create.param.command.serviceId", "FLD.details.pageSize"} {
		if _, ok := c.Get(id); !ok {
			t.Errorf("%s missing from the catalog", id)
		}
	}
	if _, ok := c.Get("ERR.nope"); ok {
		t.Error("Get found an id that does not exist")
	}
	if r, ok := c.Error("queryBatchTask", 404, "105005"); !ok || r.Description != "The batchTask is not existed." {
		t.Errorf("Error(query,404,105005) = %+v, %v", r, ok)
	}
	if d, ok := c.Description("createBatchTask", "1010009"); !ok || d != "app throttle exceed." {
		t.Errorf("Description(create,1010009) = %q, %v", d, ok)
	}
	var amb, ambR int
	for _, a := range c.Ambiguities() {
		if strings.HasPrefix(a.ID, "AMB.R") {
			ambR++
		} else {
			amb++
		}
	}
	if amb != 12 || ambR != 16 {
		t.Errorf("ambiguities: %d AMB.n and %d AMB.Rn, want 12 and 16", amb, ambR)
	}
	if len(c.Musts()) == 0 || len(c.Musts()) == len(c.Requirements) {
		t.Errorf("Musts() = %d of %d: readings must be SHOULD, tables MUST", len(c.Musts()), len(c.Requirements))
	}
	if h := CatalogHash(); len(h) != 64 {
		t.Errorf("CatalogHash() = %q, want 64 hex digits", h)
	}
}

// TestFieldEntriesHaveExamples makes a field entry without valid and invalid examples fail:
// catalog-driven tests (here and against the OpenAPI spec) live on them.
func TestFieldEntriesHaveExamples(t *testing.T) {
	t.Parallel()
	c := mustCatalog(t)
	for _, r := range c.Fields() {
		valid, invalid := r.Examples()
		if len(valid) == 0 || len(invalid) == 0 {
			t.Errorf("%s: needs at least one valid and one invalid example (have %d, %d)", r.ID, len(valid), len(invalid))
		}
	}
}

func TestExampleMacros(t *testing.T) {
	t.Parallel()
	r := Requirement{Valid: []any{"${a*3}", "plain", 7}, Invalid: []any{Absent, "${ab*2}"}}
	valid, invalid := r.Examples()
	if valid[0].Value != "aaa" || valid[1].Value != "plain" || valid[2].Value != 7 {
		t.Errorf("valid examples expanded to %+v", valid)
	}
	if !invalid[0].Absent || invalid[1].Value != "${ab*2}" {
		t.Errorf("invalid examples expanded to %+v (only one-letter repeats are macros)", invalid)
	}
}

func TestParseCatalogRejects(t *testing.T) {
	t.Parallel()
	head := "requirements:\n"
	tail := "ambiguities: []\nprofiles:\n  - {name: p, default: true, summary: s, options: {}, throttle: {limit: 1, window: 1s}, taskLimit: 1}\n"
	cases := []struct {
		name, reason, entries, wantErr string
	}{
		{"duplicate", "ids are unique", "  - {id: RULE.a, kind: rule, severity: MUST, doc: d, summary: s}\n  - {id: RULE.a, kind: rule, severity: MUST, doc: d, summary: s}\n", "RULE.a: duplicate id"},
		{"bad scheme", "ids follow docs/design.md", "  - {id: RULE.Throttle_X, kind: rule, severity: MUST, doc: d, summary: s}\n", "RULE.Throttle_X: id does not match"},
		{"bad severity", "MUST or SHOULD only", "  - {id: RULE.a, kind: rule, severity: MAY, doc: d, summary: s}\n", "RULE.a: severity"},
		{"error without code", "error rows carry operation/status/code", "  - {id: ERR.create.200.1, kind: error, severity: MUST, doc: d, summary: s, operation: createBatchTask, status: 200, description: x}\n", "ERR.create.200.1: an error entry needs"},
		{"error id mismatch", "the id names the triple", "  - {id: ERR.create.200.1, kind: error, severity: MUST, doc: d, summary: s, operation: queryBatchTask, status: 200, code: '1', description: x}\n", "ERR.create.200.1: id disagrees"},
		{"unknown key", "typos in the YAML are caught", "  - {id: RULE.a, kind: rule, severity: MUST, doc: d, summary: s, sevrity: MUST}\n", "sevrity"},
		{"invariant without formula", "invariants state their formula", "  - {id: INV.x, kind: invariant, severity: MUST, doc: d, summary: s}\n", "INV.x: an invariant needs a formula"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCatalog([]byte(head + tc.entries + tail))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%s: err = %v, want it to contain %q", tc.reason, err, tc.wantErr)
			}
		})
	}
	if _, err := ParseCatalog([]byte(head + "  - {id: RULE.a, kind: rule, severity: MUST, doc: d, summary: s}\n" + tail)); err != nil {
		t.Errorf("a minimal good catalog is rejected: %v", err)
	}
	if _, err := ParseCatalog([]byte("requirements: [\n")); err == nil {
		t.Error("malformed YAML accepted")
	}
}
