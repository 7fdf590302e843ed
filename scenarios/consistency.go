package scenarios

import (
	"encoding/json"
	"net/http"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// Consistency across answers: every query and details answer of a scenario is judged against
// everything the scenario was told before about the same task (contracts.Ledger): what create
// was given, the task's counters and status, and the subtasks of every earlier page. The
// judgements are part of the answer's contract check, like the invariants of one answer.

// ledgers are a scenario's task ledgers by task id, under scenarioRun.mu.
type ledgers map[string]*contracts.Ledger

// consistency judges one exchange of step st against the scenario's ledger of its task and
// records it there. It adds the requirements it judged to reqs and covers and returns the
// violations. A concurrent step's copies are not judged: they overlap in time, so none of them
// is known to come after another.
func (r *scenarioRun) consistency(st Step, op string, ex *Exchange, reqs, covers map[string]bool) batchcert.Violations {
	if st.Concurrent != nil || ex.Err != nil || ex.Status != http.StatusOK || ex.request == nil {
		return nil
	}
	if _, isErr := r.s.contract.ErrorCode(ex.RespBody); isErr {
		return nil
	}
	var ids []string
	var vs batchcert.Violations
	switch op {
	case "queryBatchTask":
		t, err := contracts.DecodeTask(r.view(ex))
		if err != nil || t.TaskID == "" {
			return nil
		}
		ids, vs = r.ledger(t.TaskID).Query(t)
	case "queryTaskDetails":
		q, ok := contracts.ParsePageQuery(ex.request.URL.Query())
		if !ok {
			return nil
		}
		p, err := contracts.DecodeSubtaskPage(r.view(ex))
		if err != nil {
			return nil
		}
		ids, vs = r.ledger(q.TaskID).Details(q, p)
	default:
		return nil
	}
	for _, id := range ids {
		reqs[id], covers[id] = true, true
	}
	return vs
}

// ledger is the ledger of task id, made on first use with the create request the scenario
// sent for it, when it sent one.
func (r *scenarioRun) ledger(id string) *contracts.Ledger {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ledgers == nil {
		r.ledgers = ledgers{}
	}
	l := r.ledgers[id]
	if l == nil {
		l = &contracts.Ledger{}
		if tr := r.tasks[id]; tr != nil && tr.sent != nil {
			var sent contracts.CreateRequest
			if json.Unmarshal(tr.sent, &sent) == nil {
				l.Created(&sent)
			}
		}
		r.ledgers[id] = l
	}
	return l
}
