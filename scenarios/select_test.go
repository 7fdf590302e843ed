package scenarios

import (
	"slices"
	"strings"
	"testing"
)

// selectFixture is a small suite whose scenarios differ in exactly what each selector kind reads.
func selectFixture() []*Scenario {
	return []*Scenario{
		{Name: "create-errors", Steps: []Step{{Name: "limit",
			Request: &Request{Method: "POST", Path: "/iocm/app/batchtask/v1.1.0/tasks"},
			Expect:  []Expect{{Status: 200, ErrorCode: "105001", Requirements: []string{"ERR.create.200.105001"}}}}}},
		{Name: "query-happy", Steps: []Step{{Name: "get",
			Request: &Request{Method: "GET", Path: "/iocm/app/batchtask/v1.1.0/tasks/{{.taskId}}"},
			Expect:  []Expect{{Status: 200, Requirements: []string{"RSP.query.status", "INV.progress"}}}}}},
		{Name: "details-poll", Steps: []Step{{Name: "wait",
			Poll:   &Poll{Request: Request{Method: "GET", Path: "/iocm/app/batchtask/v1.1.0/taskDetails"}},
			Expect: []Expect{{Status: 404, ErrorCode: "105005", Requirements: []string{"ERR.details.404.105005"}}}}}},
		{Name: "race", Steps: []Step{{Name: "burst",
			Concurrent: &Concurrent{Count: 3, Request: Request{Method: "POST", Path: "/iocm/app/batchtask/v1.1.0/tasks"},
				Expect: []Tally{{ErrorCode: "105001", Requirements: []string{"RULE.tasklimit"}}}}}}},
		{Name: "login-tolerant", Steps: []Step{{Name: "login",
			Request: &Request{Method: "POST", Path: "/iocm/app/sec/v1.1.0/login"},
			Expect:  []Expect{{Status: 200, Tolerate: []string{"100247"}, Requirements: []string{"RSP.login.accessToken"}}}}}},
	}
}

func selected(t *testing.T, expr string, scs []*Scenario) []string {
	t.Helper()
	sel, err := ParseSelector(expr)
	if err != nil {
		t.Fatalf("ParseSelector(%q): %v", expr, err)
	}
	var out []string
	for _, sc := range scs {
		if sel.Match(sc) {
			out = append(out, sc.Name)
		}
	}
	return out
}

// TestSelectorKinds: one case (at least) for each -run selector kind, with the reason it picks
// what it picks.
func TestSelectorKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr, reason string
		want         []string
	}{
		{"", "no selector runs everything", []string{"create-errors", "query-happy", "details-poll", "race", "login-tolerant"}},
		{"query", "a bare term is a scenario-name regexp, unanchored", []string{"query-happy"}},
		{"^(race|query-happy)$", "scenario regexps keep go test -run's syntax", []string{"query-happy", "race"}},
		{"scenario:errors$", "scenario: says the same explicitly", []string{"create-errors"}},
		{"req:INV.progress", "req: matches a requirement id of an expectation", []string{"query-happy"}},
		{"req:RULE.tasklimit", "req: reads a concurrent step's tallies too", []string{"race"}},
		{"req:ERR", "req: is anchored: ERR alone is no id", nil},
		{"req:ERR\\..*", "req: with a pattern", []string{"create-errors", "details-poll"}},
		{"op:create", "op: by short name, from method and path", []string{"create-errors", "race"}},
		{"op:queryTaskDetails", "op: by operationId, poll steps included", []string{"details-poll"}},
		{"op:query", "GET on a task path is queryBatchTask, not taskDetails", []string{"query-happy"}},
		{"code:105001", "code: an expected error code, in an answer or a tally", []string{"create-errors", "race"}},
		{"code:105005", "code: a poll step's expectation", []string{"details-poll"}},
		{"code:100247", "code: a tolerated answer counts", []string{"login-tolerant"}},
		{"op:login, code:105005", "terms are a union", []string{"details-poll", "login-tolerant"}},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			if got := selected(t, tc.expr, selectFixture()); !slices.Equal(got, tc.want) {
				t.Errorf("%s: -run %q selected %q, want %q", tc.reason, tc.expr, got, tc.want)
			}
		})
	}
}

func TestSelectorRejectsBadTerms(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, want, reason string }{
		{"op:delete", "unknown operation", "an operation the API does not have"},
		{"code:ten", "digits", "a code that cannot be one"},
		{"req:(", "error parsing regexp", "a broken requirement pattern"},
		{"(", "error parsing regexp", "a broken scenario regexp"},
		{"a,,b", "empty selector", "an empty term is a typo"},
		{"req:", "no value", "a kind without a value"},
	}
	for _, tc := range cases {
		_, err := ParseSelector(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ParseSelector(%q) = %v, want an error containing %q", tc.reason, tc.expr, err, tc.want)
		}
	}
}

// TestSelectorOverEmbeddedSuite: each kind picks a non-empty, strict part of the real suite.
func TestSelectorOverEmbeddedSuite(t *testing.T) {
	t.Parallel()
	scs, err := SuiteScenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{"lifecycle", "req:RULE.tasklimit", "op:refresh", "code:105001"} {
		got := selected(t, expr, scs)
		if len(got) == 0 || len(got) == len(scs) {
			t.Errorf("-run %q selected %d of %d scenarios; want some, not all", expr, len(got), len(scs))
		}
	}
}

func TestConfigSelection(t *testing.T) {
	t.Parallel()
	sel, err := ParseSelector("code:105001")
	if err != nil {
		t.Fatal(err)
	}
	scs := selectFixture()
	cfg := Config{Select: sel}
	var chosen []*Scenario
	for _, sc := range scs {
		if cfg.selects(sc) {
			chosen = append(chosen, sc)
		}
	}
	got := cfg.selection(scs, chosen)
	if got == nil || got.Run != "code:105001" || got.Of != 5 || !slices.Equal(got.Scenarios, []string{"create-errors", "race"}) {
		t.Errorf("selection = %+v", got)
	}
	if (Config{}).selection(scs, scs) != nil {
		t.Error("a run without -run records a selection")
	}
}

func TestSelectedAndPlannedChecks(t *testing.T) {
	t.Parallel()
	sel, err := ParseSelector("code:105001")
	if err != nil {
		t.Fatal(err)
	}
	chosen, all, err := Selected(Config{Select: sel, Scenarios: selectFixture()})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || len(chosen) != 2 || chosen[1].Name != "race" {
		t.Fatalf("Selected chose %d of %d", len(chosen), len(all))
	}
	got := PlannedChecks(chosen[1])
	if len(got) != 1 || got[0].ID != "race/burst/tally-1" || got[0].Requirements[0] != "RULE.tasklimit" {
		t.Errorf("PlannedChecks(race) = %+v", got)
	}
	emb, embAll, err := Selected(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(emb) != len(embAll) || len(emb) == 0 {
		t.Errorf("no selector chose %d of %d embedded scenarios", len(emb), len(embAll))
	}
}

// FuzzParseSelector: a -run expression is outside input: it parses or is refused, never panics,
// and a parsed selector matches without panicking.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"", "lifecycle", "req:RULE.tasklimit", "op:create,code:105001", "code:", "a,,b", "req:(", "scenario:x:y"} {
		f.Add(s)
	}
	scs := selectFixture()
	f.Fuzz(func(t *testing.T, expr string) {
		sel, err := ParseSelector(expr)
		if err != nil {
			return
		}
		for _, sc := range scs {
			sel.Match(sc)
		}
		if sel.String() != expr {
			t.Errorf("String() = %q, want the expression %q", sel.String(), expr)
		}
	})
}
