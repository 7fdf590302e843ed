package scenarios

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// Coverage from evidence. A requirement is covered only by a check whose assertion judged it in
// a situation that could have broken it (batchcert.Check.Covers):
//   - an invariant over a task's life (INV.monotonic, INV.status-moves) needs a second read of
//     the task, INV.final-state a finished task (Complete or Timeout), INV.echo the create body
//     the task was made from, and the counter formulas (INV.completeCnt, INV.progress,
//     INV.successRate) a task whose counters have moved;
//   - an error row ERR.op.status.code needs an answer with that status and code, or an
//     expectation that asserted both;
//   - RSP.query.tags needs a query that asked for tags (select=tags).
// Coverage is computed over every check of a run: the suite's and the load probes'
// (RecomputeCoverage, after the probes).

// responseRequirements are what the validation of one answer is about: the claims of the
// contract check, whether or not the answer could have broken them (judged says which did).
func (s *Suite) responseRequirements(op string, ex *Exchange) []string {
	short := shortOp[op]
	if short == "" || ex.Err != nil {
		return nil
	}
	_, isErr := s.contract.ErrorCode(ex.RespBody)
	var out []string
	if ex.Status >= 400 || isErr {
		if ex.GraphQL != nil {
			return append([]string{"RULE.error-body"}, formatsRequirements(op, true, true)...)
		}
		return append([]string{"RULE.error-body", "RULE.content-type"}, formatsRequirements(op, true, false)...)
	}
	out = append(out, formatsRequirements(op, false, ex.GraphQL != nil)...)
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

// observe records the observation a query answer was judged in, for judged and covers.
func (r *scenarioRun) observe(ex *Exchange, obs TaskObservation) {
	if r.obs == nil {
		r.obs = map[*Exchange]TaskObservation{}
	}
	r.obs[ex] = obs
}

func (r *scenarioRun) observation(ex *Exchange) (TaskObservation, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	obs, ok := r.obs[ex]
	return obs, ok
}

// judged are the requirements the contract validation of one answer of op judged in a situation
// that could have broken them: a subset of responseRequirements, plus the error row the answer's
// (status, code) names.
func (r *scenarioRun) judged(op string, ex *Exchange) []string {
	claims := r.s.responseRequirements(op, ex)
	if len(claims) == 0 {
		return nil
	}
	if code, isErr := r.s.contract.ErrorCode(ex.RespBody); isErr || ex.Status >= 400 {
		if isErr {
			if id := fmt.Sprintf("ERR.%s.%d.%s", shortOp[op], ex.Status, code); r.s.known(id) {
				claims = append(claims, id)
			}
		}
		return claims
	}
	obs, seen := r.observation(ex)
	var out []string
	for _, id := range claims {
		if strings.HasPrefix(id, "INV.") && (!seen || !situation(id, obs, true)) {
			continue
		}
		if id == "RSP.query.tags" && !(seen && obs.SelectTags) {
			continue
		}
		out = append(out, id)
	}
	return out
}

// covers are the requirements of an expectation its assertion judged on ex.
func (r *scenarioRun) covers(e Expect, ex *Exchange) []string {
	out := []string{}
	if ex.Err != nil {
		return out
	}
	obs, seen := r.observation(ex)
	for _, id := range e.Requirements {
		switch {
		case strings.HasPrefix(id, "ERR."):
			if e.Status == 0 || e.ErrorCode == "" || fmt.Sprintf("ERR.%s.%d.%s", strings.Split(id, ".")[1], e.Status, e.ErrorCode) != id {
				continue // the row's status and code were not both asserted
			}
		case strings.HasPrefix(id, "INV."):
			// The expectation judges one answer, without the previous read.
			if !seen || !situation(id, obs, false) {
				continue
			}
		}
		out = append(out, id)
	}
	return out
}

// situation tells whether an observation of a task could have broken an invariant; withPrev
// says whether the judgement compared it with the previous read.
func situation(id string, obs TaskObservation, withPrev bool) bool {
	var t struct {
		Status      string `json:"status"`
		TotalCnt    int    `json:"totalCnt"`
		SuccessCnt  int    `json:"successCnt"`
		FailCnt     int    `json:"failCnt"`
		TimeoutCnt  int    `json:"timeoutCnt"`
		ExpiredCnt  int    `json:"expiredCnt"`
		CompleteCnt int    `json:"completeCnt"`
	}
	if json.Unmarshal(obs.Raw, &t) != nil {
		return false
	}
	moved := t.SuccessCnt+t.FailCnt+t.TimeoutCnt+t.ExpiredCnt+t.CompleteCnt > 0
	switch id {
	case "INV.monotonic", "INV.status-moves":
		return withPrev && obs.Prev != nil
	case "INV.final-state":
		return t.Status == "Complete" || t.Status == "Timeout"
	case "INV.echo":
		return obs.Sent != nil
	case "INV.startTime-created":
		return !obs.CreatedTo.IsZero()
	case "INV.completeCnt", "INV.progress":
		return moved
	case "INV.successRate":
		return t.SuccessCnt > 0
	}
	return true
}

// known tells whether id is a requirement of the catalog.
func (s *Suite) known(id string) bool {
	_, ok := s.severity[id]
	return ok
}

// coverage counts the (op, status, code) contexts exercised and the requirements covered.
func (s *Suite) coverage(cs []batchcert.Check) batchcert.Coverage {
	return coverageOf(cs, s.contract.Requirements(), s.contract.ErrorContexts())
}

// RecomputeCoverage computes res.Coverage again over all of res.Checks, with the contract of
// res.Profile: the certification pipeline calls it after the load probes have added their
// checks, so the probes' evidence counts (RULE.throttle, ERR.query.403.1010009, ...). Decide the
// verdict again afterwards (res.Apply).
func RecomputeCoverage(res *batchcert.Results) error {
	c, err := NewContract(res.Profile)
	if err != nil {
		return fmt.Errorf("coverage: %w", err)
	}
	res.Coverage = coverageOf(res.Checks, c.Requirements(), c.ErrorContexts())
	return nil
}

// coverageOf is the coverage of checks over a catalog's requirements and error contexts.
func coverageOf(cs []batchcert.Check, reqs []Requirement, contexts []CodeContext) batchcert.Coverage {
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
		switch c.Outcome {
		case batchcert.Pass, batchcert.Fail, batchcert.KnownFail:
		default:
			continue // it never judged the platform
		}
		ids := c.Covers
		if ids == nil {
			ids = c.Requirements
		}
		for _, id := range ids {
			covered[id] = true
			if o, seen := outcome[id]; !seen || o == batchcert.Pass {
				outcome[id] = c.Outcome
			}
		}
	}
	for _, cc := range contexts {
		id := fmt.Sprintf("ERR.%s.%d.%s", shortOp[cc.Operation], cc.Status, cc.Code)
		cov.ErrorCodes = append(cov.ErrorCodes, batchcert.CodeCoverage{Operation: cc.Operation, Status: cc.Status,
			Code: cc.Code, Exercised: covered[id], Passed: covered[id] && outcome[id] == batchcert.Pass})
	}
	for _, r := range reqs {
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
