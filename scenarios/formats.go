package scenarios

import (
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// Issue 15, class 3 (formats and values): the runner's part.
//
// The platform's clock is learned from its answers' Date headers, never assumed to be the
// harness's: every exchange records the newest Date any answer carried before it was sent and
// the Date of its own answer, so that a task's startTime can be judged against the platform's
// own time around its create (INV.startTime-created), whatever the platform's clock offset, a
// reference's time scale or its clock's advances.

// dateClock is the newest Date header the client has read, in Unix seconds (0: none yet), per
// family of paths: the batch-task API, the GraphQL facade, and the rest (authentication).
// Hosts behind one platform may keep different clocks (an authentication service, a facade),
// so a create is bounded only by the Dates of answers from where it was sent itself.
type dateClock struct{ newest [3]atomic.Int64 }

// dateFamily is the family of a request path, an index into dateClock.newest.
func dateFamily(path string) int {
	switch {
	case strings.HasPrefix(path, "/iocm/app/batchtask/"):
		return 0
	case path == "/graphql":
		return 1
	}
	return 2
}

// sent stamps an exchange about to be sent to path with the newest Date its family has seen.
func (d *dateClock) sent(ex *Exchange, path string) {
	ex.sentAt = time.Now()
	if s := d.newest[dateFamily(path)].Load(); s > 0 {
		ex.dateBefore = time.Unix(s, 0).UTC()
	}
}

// answered reads the Date header of the answer from path, if it has a usable one.
func (d *dateClock) answered(ex *Exchange, path string) {
	ex.answeredAt = time.Now()
	t, err := http.ParseTime(ex.RespHeader.Get("Date"))
	if err != nil || t.Year() < 2000 || t.Year() > 9999 {
		return
	}
	ex.dateAnswer = t.UTC()
	s, newest := t.Unix(), &d.newest[dateFamily(path)]
	for {
		old := newest.Load()
		if s <= old || newest.CompareAndSwap(old, s) {
			return
		}
	}
}

// formatsRequirements are the format rules the validation of one answer of op claims
// (responseRequirements): the charset of every REST answer, the Integer literals of a
// success answer that has Integer members, and the subtask error strings of a details answer.
func formatsRequirements(op string, isErr, graphql bool) []string {
	var out []string
	if !graphql {
		out = append(out, "RULE.content-type-charset")
	}
	if isErr {
		return out
	}
	if len(contracts.IntegerMembers(op)) > 0 {
		out = append(out, "RULE.integer-literal")
	}
	if op == "queryTaskDetails" {
		out = append(out, "RULE.subtask-error-json")
	}
	return out
}

// formatViolations are the format rules' violations of one answer of op (ValidateExchange).
func formatViolations(p contracts.Profile, op string, ex *Exchange, isErr bool) batchcert.Violations {
	var vs batchcert.Violations
	if ex.GraphQL == nil {
		vs = append(vs, contracts.CheckCharset(op, ex.RespHeader.Get("Content-Type"))...)
	}
	if isErr || ex.Status != http.StatusOK {
		return vs
	}
	vs = append(vs, contracts.CheckIntegerLiterals(p, op, ex.RespBody)...)
	if op == "queryTaskDetails" {
		vs = append(vs, contracts.CheckSubtaskErrors(p, ex.RespBody)...)
	}
	return vs
}

// undatedSkew is the tolerance when the platform sends no Date header and the profile declares
// no clockOffset: the harness's clock stands in for the platform's, and the two may disagree by
// minutes (contracts.StartTimeTolerance) without either being wrong; a local time labelled Z
// (an hour or more) still fails.
const undatedSkew = contracts.StartTimeTolerance

// createdWindow is the platform's time around a create exchange, for INV.startTime-created:
// from its Date headers (the newest before it was sent, and its answer's); without a Date on
// the answer, the harness's clock when it was sent and answered, shifted by the declared
// limits.clockOffset. skew is the declared limits.clockSkew, else the default for the case.
func (s *Suite) createdWindow(ex *Exchange) (from, to time.Time, skew time.Duration) {
	l := s.target.Limits
	declared, _ := time.ParseDuration(l.ClockSkew)
	if !ex.dateAnswer.IsZero() {
		return ex.dateBefore, ex.dateAnswer, declared
	}
	if ex.sentAt.IsZero() || ex.answeredAt.IsZero() {
		return time.Time{}, time.Time{}, 0
	}
	offset, err := time.ParseDuration(l.ClockOffset)
	if err != nil || l.ClockOffset == "" {
		offset = 0
		if declared <= 0 {
			declared = undatedSkew
		}
	}
	return ex.sentAt.Add(offset).Truncate(time.Second), ex.answeredAt.Add(offset), declared
}
