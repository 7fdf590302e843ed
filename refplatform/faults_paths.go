package refplatform

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file holds the named faults' code paths that are more than a flag on the clean path:
// the state flags a reset sets, the moved bounds, the wrong error answers and the wrong
// query answers. The clean platform goes through each function unchanged.

// RegressLag is how far behind the lagging read replica of fault progress-regress is.
const RegressLag = 30 * time.Second

// applyFaults switches the state-level faults on in a fresh state.
func (p *platform) applyFaults(st *state) {
	if p.fault(FaultTaskLimit11) {
		st.engine.limit++
	}
	st.engine.nonAtomic = p.fault(FaultTaskLimitNonAtomic)
	st.engine.limitGlobal = p.fault(FaultTaskLimitGlobal)
	st.engine.dupNames = p.fault(FaultTaskNameDuplicate)
	st.engine.slotKept = p.fault(FaultTaskLimitSlotKept)
	st.engine.tagsUnbound = p.fault(FaultTagPairNotBound)
	st.engine.namesGlobal = p.fault(FaultTaskNameUniqueGlobal)
	st.auth.keepOld = p.fault(FaultTokenNotSuperseded)
	st.auth.ignoreExpiry = p.fault(FaultTokenNeverExpires)
	if p.fault(FaultThrottle110) {
		st.throttle.cfg.Limit += 10
	}
	st.throttle.neverReset = p.fault(FaultThrottleNeverResets)
	p.applyMultiFaults(st)
	p.applyEverywhereFaults(st)
	p.applyGapFaults(st)
}

// throttleKey is what the throttle counts calls by: the application (AMB.9), or the access
// token under fault throttle-per-token.
func (p *platform) throttleKey(appKey, token string) string {
	if p.fault(FaultThrottlePerToken) {
		return "token:" + token
	}
	return appKey
}

// createLimits are create's bounds, moved by the boundary faults.
func (p *platform) createLimits() createLimits {
	l := docLimits
	if p.fault(FaultTaskName257Accepted) {
		l.taskNameMax++
	}
	if p.fault(FaultTaskName256Rejected) {
		l.taskNameMax--
	}
	if p.fault(FaultTimeout9Accepted) {
		l.timeoutMin--
	}
	if p.fault(FaultTimeout2881Accepted) {
		l.timeoutMax++
	}
	if p.fault(FaultMaxRetransmit4Accepted) {
		l.retransmitMax++
	}
	return l
}

// maxPageSize is details' largest pageSize (FLD.details.pageSize).
func (p *platform) maxPageSize() int {
	if p.fault(FaultPageSize251Accepted) {
		return MaxPageSize + 1
	}
	return MaxPageSize
}

// visible reports whether a read for owner may see t (RULE.cross-app).
func (p *platform) visible(t *task, owner string) bool {
	return t.app == owner || p.fault(FaultCrossAppRead)
}

// writeErr writes an error answer, in the shape and with the status the faults dictate.
func (p *platform) writeErr(w http.ResponseWriter, op string, e *apiError) {
	w = p.formatsErrorWriter(w)
	status := e.status
	switch {
	case e.code == CodeTaskNotExist && p.fault(FaultHTTP105005As400):
		status = http.StatusBadRequest
	case e.code == CodeTokenInvalid && p.fault(FaultHTTP1010005As401):
		status = http.StatusUnauthorized
	case e.code == CodeTaskLimit && p.fault(FaultHTTP105001As403):
		status = http.StatusForbidden
	}
	if p.fault(FaultErrorsStatus500) {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError && p.fault(FaultHTTP500As502) {
		status = http.StatusBadGateway
	}
	desc := Description(op, e.code)
	switch {
	case p.readingErrorShape(e.code):
		writeJSON(w, status, map[string]string{"resultcode": e.code, "resultmsg": desc})
	case p.fault(FaultErrorNoDesc):
		writeJSON(w, status, map[string]string{"error_code": e.code})
	case p.fault(FaultErrorCodeNumeric):
		n, err := strconv.ParseInt(e.code, 10, 64)
		if err != nil {
			writeError(w, op, errAt(status, e.code))
			return
		}
		writeJSON(w, status, map[string]any{"error_code": n, "error_desc": desc})
	default:
		writeError(w, op, errAt(status, e.code))
	}
}

// faultyView applies the query-answer faults to v, the clean answer for t with counters c at
// now, and returns what to write.
func (p *platform) faultyView(v TaskView, t *task, c counters, now time.Time) any {
	if p.fault(FaultTimeoutSeconds) {
		v.Timeout *= 60
	}
	if p.fault(FaultTaskFromPortal) {
		v.TaskFrom = "Portal"
	}
	p.faultyCounters(&v, t, c, now)
	switch {
	case c.status == StatusComplete && p.fault(FaultStatusRegress) && t.completeReads.Add(1)%2 == 0:
		v.Status = StatusRunning
	case c.status == StatusComplete && p.fault(FaultStatusCompleted):
		v.Status = "Completed"
	case c.status == StatusRunning && p.fault(FaultStatusLowercase):
		v.Status = "running"
	}
	switch {
	case p.fault(FaultTagsNever):
		v.Tags = nil
	case p.fault(FaultTagsAlways) && v.Tags == nil:
		tags := t.tags
		if tags == nil {
			tags = []Tag{}
		}
		v.Tags = &tags
	}
	if p.fault(FaultParamMissing) {
		v.Param = nil
	}
	if !p.fault(FaultParamCommandDropped) && !p.fault(FaultQueryNoAppID) {
		return v
	}
	return p.dropFields(v)
}

// faultyCounters applies the counter and rounding faults.
func (p *platform) faultyCounters(v *TaskView, t *task, c counters, now time.Time) {
	percent := p.fault(FaultProgressPercent)
	p.timeoutAsFail(v, c)
	if p.fault(FaultProgressRoundUp) {
		v.Progress = ceilRate(c.completeCnts, c.total, percent)
	}
	if p.fault(FaultSuccessRateNearest) && c.total > 0 {
		v.SuccessRate = (c.success*1000 + c.total/2) / c.total
	}
	if p.fault(FaultSuccessRateOverComplete) {
		v.SuccessRate = permille(c.success, c.completeCnts, false)
	}
	if p.fault(FaultCompleteCntNoTimeouts) {
		v.CompleteCnt = c.success + c.fail
	}
	if p.fault(FaultExpiredAsTimeout) {
		v.TimeoutCnt += c.expired
		v.CompleteCnt += c.expired
		v.ExpiredCnt = 0
	}
	if p.fault(FaultExpiredAsComplete) {
		v.CompleteCnt += c.expired
	}
	if p.fault(FaultTotalCntPlusOne) {
		v.TotalCnt++
	}
	if c.status == StatusRunning && p.fault(FaultProgressRegress) && t.reads.Add(1)%2 == 0 {
		old := t.state(now.Add(-RegressLag))
		v.Progress = permille(old.completeCnts, old.total, percent)
	}
}

// ceilRate is n/total in permille (or percent), rounded up.
func ceilRate(n, total int, percent bool) int {
	if total == 0 {
		return 0
	}
	scale := 1000
	if percent {
		scale = 100
	}
	return (n*scale + total - 1) / total
}

// dropFields renders v with the fields faults param-command-dropped (param.command) and
// query-no-appid (appId) remove.
func (p *platform) dropFields(v TaskView) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return v
	}
	if param, ok := m["param"].(map[string]any); ok && p.fault(FaultParamCommandDropped) {
		delete(param, "command")
	}
	if p.fault(FaultQueryNoAppID) {
		delete(m, "appId")
	}
	return m
}

// loginAnswer applies the token-answer faults to login's and refresh's answer.
func (p *platform) loginAnswer(r LoginResponse) any {
	if p.fault(FaultExpiresInMillis) {
		r.ExpiresIn *= 1000
	}
	if !p.fault(FaultExpiresInString) {
		return r
	}
	return map[string]any{"scope": r.Scope, "tokenType": r.TokenType, "expiresIn": strconv.Itoa(r.ExpiresIn),
		"accessToken": r.AccessToken, "refreshToken": r.RefreshToken}
}

// detailsPageNoTotal is details' answer under fault details-no-totalcount.
type detailsPageNoTotal struct {
	PageNo      int           `json:"pageNo"`
	PageSize    int           `json:"pageSize"`
	TaskDetails []SubtaskView `json:"taskDetails"`
}

// detailsAnswer applies the details-answer faults to page.
func (p *platform) detailsAnswer(page DetailsPage) any {
	if p.fault(FaultDetailsPageNoOneBased) {
		page.PageNo++
	}
	if p.fault(FaultDetailsNoTotalCount) {
		return detailsPageNoTotal{PageNo: page.PageNo, PageSize: page.PageSize, TaskDetails: page.TaskDetails}
	}
	return page
}

// atEdge reports whether a valid create request has a value exactly at a documented minimum
// or maximum (fault edges-rejected treats the bounds as exclusive).
func atEdge(r *createRequest, lim createLimits) bool {
	runes := utf8.RuneCountInString
	edge := func(n, lo, hi int) bool { return n == lo || n == hi }
	c := r.Param.Command
	switch {
	case edge(runes(r.TaskName), 1, lim.taskNameMax), edge(r.Timeout, lim.timeoutMin, lim.timeoutMax),
		edge(runes(c.ServiceID), 1, 64), edge(runes(c.Method), 1, 128):
		return true
	case r.Param.MaxRetransmit != nil && edge(*r.Param.MaxRetransmit, 0, lim.retransmitMax):
		return true
	}
	for _, t := range r.Tags {
		if edge(runes(t.Name), 1, 128) || edge(runes(t.Value), 1, 1024) {
			return true
		}
	}
	return false
}

// detailsPageNo is the page details answers for pageNo: under fault details-page-clamped, a
// pageNo past the last page answers the last page.
func (p *platform) detailsPageNo(pageNo, pageSize, n int) int {
	if last := max(n-1, 0) / pageSize; pageNo > last && p.fault(FaultDetailsPageClamped) {
		return last
	}
	return pageNo
}

// subtaskStatus is the status details answers for a subtask in status st: under fault
// pending-as-waitresult, a queued but undelivered subtask is already WaitResult.
func (p *platform) subtaskStatus(st string) string {
	if st == StatusPending && p.fault(FaultPendingAsWaitResult) {
		return StatusWaitResult
	}
	return st
}

// readLag is how long a new task stays unreadable under FaultReadLag.
const readLag = 5 * time.Second

// lagging reports whether t is still invisible to reads under FaultReadLag: a read replica or
// search index behind the write path, as eventually consistent platforms ship.
func (p *platform) lagging(t *task) bool {
	return p.fault(FaultReadLag) && p.clock.Now().Before(t.start.Add(readLag))
}
