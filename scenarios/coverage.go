package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// responseRequirements are what the validation of one answer proves for op.
func (s *Suite) responseRequirements(op string, ex *Exchange) []string {
	short := shortOp[op]
	if short == "" || ex.Err != nil {
		return nil
	}
	_, isErr := s.contract.ErrorCode(ex.RespBody)
	var out []string
	if ex.Status >= 400 || isErr {
		if ex.GraphQL != nil {
			return []string{"RULE.error-body"}
		}
		return []string{"RULE.error-body", "RULE.content-type"}
	}
	for _, r := range s.contract.Requirements() {
		switch {
		case strings.HasPrefix(r.ID, "RSP."+short+"."):
			out = append(out, r.ID)
		case op == "queryBatchTask" && strings.HasPrefix(r.ID, "INV."):
			out = append(out, r.ID)
		}
	}
	if ex.GraphQL != nil {
		return out // the REST Content-Type rule has no GraphQL meaning (transportSkips)
	}
	return append(out, "RULE.content-type")
}

// coverage counts the (op, status, code) contexts exercised and the requirements covered.
func (s *Suite) coverage(cs []batchcert.Check) batchcert.Coverage {
	var cov batchcert.Coverage
	outcome := map[string]batchcert.Outcome{}
	covered := map[string]bool{}
	// inexpressible are requirements a check skipped because the run's transport cannot
	// express them (GraphQL): no client of that transport can provoke them.
	inexpressible := map[string]bool{}
	for _, c := range cs {
		if c.Outcome == batchcert.Skip && strings.HasPrefix(c.Message, "no GraphQL meaning") {
			for _, id := range c.Requirements {
				inexpressible[id] = true
			}
		}
		if c.Outcome == batchcert.Skip || c.Outcome == batchcert.Errored {
			continue
		}
		for _, id := range c.Requirements {
			covered[id] = true
			if o, seen := outcome[id]; !seen || o == batchcert.Pass {
				outcome[id] = c.Outcome
			}
		}
	}
	for _, cc := range s.contract.ErrorContexts() {
		id := fmt.Sprintf("ERR.%s.%d.%s", shortOp[cc.Operation], cc.Status, cc.Code)
		cov.ErrorCodes = append(cov.ErrorCodes, batchcert.CodeCoverage{Operation: cc.Operation, Status: cc.Status,
			Code: cc.Code, Exercised: covered[id], Passed: covered[id] && outcome[id] == batchcert.Pass})
	}
	for _, r := range s.contract.Requirements() {
		cov.Requirements.Total++
		if covered[r.ID] {
			cov.Requirements.Covered++
		} else {
			cov.Requirements.Missing = append(cov.Requirements.Missing, r.ID)
			if r.Severity == batchcert.Must && provocable(r) && !inexpressible[r.ID] {
				cov.Requirements.MissingMust = append(cov.Requirements.MissingMust, r.ID)
			}
		}
	}
	sort.Strings(cov.Requirements.Missing)
	sort.Strings(cov.Requirements.MissingMust)
	return cov
}

// provocable tells whether a client can provoke a requirement: every one but the error rows
// only fault injection reaches (a platform that lost the application mid-call).
func provocable(r Requirement) bool {
	cat, err := contracts.Catalog()
	if err != nil {
		return true
	}
	e, ok := cat.Get(r.ID)
	return !ok || !strings.Contains(e.Trigger, "fault injection only")
}
