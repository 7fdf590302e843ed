package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/batchcert/batchcert"
)

// A Selector chooses scenarios for a run (`-run`). Its text is a comma-separated list of terms;
// a scenario is chosen when any term matches it:
//
//	RE          the scenario's name matches the regexp RE (unanchored, as go test -run)
//	req:RE      one of its expectations names a requirement id that RE matches whole
//	            (req:RULE.tasklimit, req:ERR\.create\..*)
//	op:NAME     one of its steps calls the operation: an operationId (createBatchTask) or its
//	            short name (login, refresh, create, query, details)
//	code:CODE   one of its expectations expects the error code (code:105001), as an answer, a
//	            tolerated answer or in an ERR.* requirement
//
// Selecting by requirement, operation or code plays whole scenarios: a scenario's steps build
// on each other, so its checks for other requirements are reported too.
type Selector struct {
	text  string
	terms []selectTerm
}

type selectTerm struct {
	kind string // "scenario", "req", "op" or "code"
	re   *regexp.Regexp
	val  string
}

// operations are the operationIds a step can call, with their short names.
var operations = map[string]string{"login": "login", "refresh": "refreshToken", "create": "createBatchTask",
	"query": "queryBatchTask", "details": "queryTaskDetails"}

// ParseSelector parses a -run expression. An empty expression selects every scenario. A bad
// term is an error naming it.
func ParseSelector(text string) (*Selector, error) {
	sel := &Selector{text: text}
	if strings.TrimSpace(text) == "" {
		return sel, nil
	}
	for _, raw := range strings.Split(text, ",") {
		term := strings.TrimSpace(raw)
		if term == "" {
			return nil, fmt.Errorf("empty selector in %q", text)
		}
		kind, val, ok := strings.Cut(term, ":")
		if !ok || !slices.Contains([]string{"req", "op", "code", "scenario"}, kind) {
			kind, val = "scenario", term
		}
		if val == "" {
			return nil, fmt.Errorf("selector %q has no value", term)
		}
		t := selectTerm{kind: kind, val: val}
		switch kind {
		case "scenario", "req":
			expr := val
			if kind == "req" {
				expr = "^(?:" + val + ")$"
			}
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, fmt.Errorf("selector %q: %w", term, err)
			}
			t.re = re
		case "op":
			if id, short := operations[val]; short {
				t.val = id
			} else if !slices.Contains(operationIDs(), val) {
				return nil, fmt.Errorf("selector %q: unknown operation (want one of %s)", term, strings.Join(operationNames(), ", "))
			}
		case "code":
			if strings.Trim(val, "0123456789") != "" {
				return nil, fmt.Errorf("selector %q: an error code is digits, e.g. code:105001", term)
			}
		}
		sel.terms = append(sel.terms, t)
	}
	return sel, nil
}

func operationIDs() []string {
	var out []string
	for _, id := range operations {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func operationNames() []string {
	out := operationIDs()
	for short := range operations {
		out = append(out, short)
	}
	slices.Sort(out)
	return out
}

// String is the expression the selector was parsed from.
func (s *Selector) String() string {
	if s == nil {
		return ""
	}
	return s.text
}

// All says whether the selector chooses every scenario (no terms).
func (s *Selector) All() bool { return s == nil || len(s.terms) == 0 }

// Match says whether the selector chooses sc.
func (s *Selector) Match(sc *Scenario) bool {
	if s.All() {
		return true
	}
	for _, t := range s.terms {
		if t.match(sc) {
			return true
		}
	}
	return false
}

func (t selectTerm) match(sc *Scenario) bool {
	switch t.kind {
	case "scenario":
		return t.re.MatchString(sc.Name)
	case "op":
		return slices.Contains(ScenarioOperations(sc), t.val)
	}
	for _, st := range sc.all() {
		for _, e := range st.Expect {
			if t.kind == "code" && (e.ErrorCode == t.val || slices.Contains(e.Tolerate, t.val)) {
				return true
			}
			if t.reqs(e.Requirements) {
				return true
			}
		}
		if st.Concurrent != nil {
			for _, ty := range st.Concurrent.Expect {
				if t.kind == "code" && ty.ErrorCode == t.val {
					return true
				}
				if t.reqs(ty.Requirements) {
					return true
				}
			}
		}
	}
	return false
}

// reqs says whether a requirement list matches a req: term, or names a code: term's code in an
// ERR.<op>.<status>.<code> id.
func (t selectTerm) reqs(ids []string) bool {
	for _, id := range ids {
		switch t.kind {
		case "req":
			if t.re.MatchString(id) {
				return true
			}
		case "code":
			if strings.HasPrefix(id, "ERR.") && strings.HasSuffix(id, "."+t.val) {
				return true
			}
		}
	}
	return false
}

// ScenarioOperations lists the operationIds sc's steps call, in first-call order. The client
// logs in on its own, so every scenario that calls anything also calls login.
func ScenarioOperations(sc *Scenario) []string {
	var out []string
	add := func(op string) {
		if op != "" && !slices.Contains(out, op) {
			out = append(out, op)
		}
	}
	for _, st := range sc.all() {
		switch {
		case st.Request != nil:
			add(requestOperation(st.Request))
		case st.Poll != nil:
			add(requestOperation(&st.Poll.Request))
		case st.Concurrent != nil:
			add(requestOperation(&st.Concurrent.Request))
		}
	}
	return out
}

// requestOperation is the operationId a scenario request calls, from its method and path
// template; "" for a path of no operation (a scenario may call one on purpose).
func requestOperation(r *Request) string {
	p, m := r.Path, strings.ToUpper(r.Method)
	switch {
	case strings.HasSuffix(p, "/sec/v1.1.0/login"):
		return "login"
	case strings.HasSuffix(p, "/sec/v1.1.0/refreshToken"):
		return "refreshToken"
	case strings.HasSuffix(p, "/batchtask/v1.1.0/taskDetails"):
		return "queryTaskDetails"
	case strings.HasSuffix(p, "/batchtask/v1.1.0/tasks") && m == "POST":
		return "createBatchTask"
	case strings.Contains(p, "/batchtask/v1.1.0/tasks/") && m == "GET":
		return "queryBatchTask"
	}
	return ""
}

// selects says whether cfg runs sc: by cfg.Select when set, else by the cfg.Run regexp.
func (cfg Config) selects(sc *Scenario) bool {
	if cfg.Select != nil {
		return cfg.Select.Match(sc)
	}
	return cfg.Run == nil || cfg.Run.MatchString(sc.Name)
}

// selection records cfg's filter for the results, or nil when it selects every scenario.
func (cfg Config) selection(all, chosen []*Scenario) *batchcert.Selection {
	text := cfg.Select.String()
	if text == "" && cfg.Run != nil {
		text = cfg.Run.String()
	}
	if text == "" {
		return nil
	}
	sel := &batchcert.Selection{Run: text, Of: len(all), Scenarios: []string{}}
	for _, sc := range chosen {
		sel.Scenarios = append(sel.Scenarios, sc.Name)
	}
	return sel
}

// Selected returns the scenarios a run of cfg would play, in order, and the whole suite they
// were chosen from: cfg.Scenarios, or the embedded suite and the boundaries generated for the
// run's profile, filtered by cfg.Select (or cfg.Run). It reads no target and sends nothing.
func Selected(cfg Config) (chosen, all []*Scenario, err error) {
	all = cfg.Scenarios
	if all == nil {
		if all, err = SuiteScenarios(); err != nil {
			return nil, nil, batchcert.Usagef("embedded suite: %v", err)
		}
		profile := cfg.Profile
		if profile == "" && cfg.Target != nil {
			profile = cfg.Target.Profile
		}
		c, err := NewContract(profile)
		if err != nil {
			return nil, nil, fmt.Errorf("build contract: %w", err)
		}
		all = append(all, Boundaries(c.Requirements())...)
	}
	for _, sc := range all {
		if cfg.selects(sc) {
			chosen = append(chosen, sc)
		}
	}
	return chosen, all, nil
}

// PlannedCheck is a check a scenario will report: the id Play gives it and the requirement ids
// it proves.
type PlannedCheck struct {
	ID           string
	Requirements []string
}

// PlannedChecks lists the checks of sc's expectations and tallies, in step order, with the ids
// a run reports them under. (A run adds checks of its own, such as each answer's contract
// validation and a harness error when a step cannot be carried out.)
func PlannedChecks(sc *Scenario) []PlannedCheck {
	var out []PlannedCheck
	for _, st := range sc.all() {
		for i, e := range st.Expect {
			out = append(out, PlannedCheck{ID: sc.Name + "/" + st.Name + "/" + expectID(e, i), Requirements: e.Requirements})
		}
		if st.Concurrent != nil {
			for i, ty := range st.Concurrent.Expect {
				name := ty.Name
				if name == "" {
					name = fmt.Sprintf("tally-%d", i+1)
				}
				out = append(out, PlannedCheck{ID: sc.Name + "/" + st.Name + "/" + name, Requirements: ty.Requirements})
			}
		}
	}
	return out
}
