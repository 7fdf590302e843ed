package contracts

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"

	"github.com/batchcert/batchcert"
)

// Consistency across answers: what one answer says about a task must agree with everything else
// the platform said about the same task. A Ledger keeps, per task, what create was given, the
// first finished query answer and the subtasks details answered, and judges each new answer
// against them. Time passes between calls, so before the task is seen finished only bounds that
// hold at any moment are judged; once it is finished (Complete or Timeout) nothing about it can
// change any more (reading AMB.R8), and the pages, the counters and the statuses must agree
// exactly.

// The requirements the ledger judges.
const (
	// RuleDetailsPaging: a page holds pageSize entries, fewer only on the last page and none
	// past it, no subtask twice; once finished, the pages of one filter and page size partition
	// the subtasks and each keeps its status.
	RuleDetailsPaging = "RULE.details-paging"
	// RuleDetailsFilter: a filtered page holds only what it asked for.
	RuleDetailsFilter = "RULE.details-filter"
	// RuleDetailsAgree: details agree with query and create about the task's subtasks.
	RuleDetailsAgree = "RULE.details-agree"
	// RuleFinalFrozen: a finished task's status and counters never change.
	RuleFinalFrozen = "RULE.final-frozen"
	// RuleTaskStable: what create fixed about a task answers the same on every read.
	RuleTaskStable = "RULE.task-stable"
	// RuleDetailsMonotonic (SHOULD): between two reads, what details and query said of the
	// subtasks in a status a subtask never leaves does not fall back, and a finished task's
	// subtasks and counts do not change. The docs state no moment at which the two operations'
	// answers agree, nor that a subtask's status is final (reading AMB.R8): a platform whose
	// counters lag its subtasks (or the reverse) is not wrong by the docs.
	RuleDetailsMonotonic = "RULE.details-monotonic"
	// RuleDetailsOrder (SHOULD): the pages of one filter and page size of a finished task
	// partition its subtasks. The docs fix no order of taskDetails, so a platform that pages
	// an unordered set may answer a subtask on two pages and another on none.
	RuleDetailsOrder = "RULE.details-order"
)

// Subtask statuses of details (api-reference §4; reading AMB.R8: an expired subtask stays
// Pending).
const (
	SubtaskPending    = "Pending"
	SubtaskWaitResult = "WaitResult"
	SubtaskSuccess    = "Success"
	SubtaskFail       = "Fail"
	SubtaskTimeout    = "Timeout"
)

// DefaultDetailsPageSize is details' pageSize when a call gives none (api-reference §4).
const DefaultDetailsPageSize = 25

// maxJudgedPageNo bounds the page numbers the ledger computes with.
const maxJudgedPageNo = 1 << 30

// PageQuery is what one details call asked: its filters and its page, defaults applied.
type PageQuery struct {
	TaskID, Status, DeviceID, CommandID string
	PageNo, PageSize                    int
}

// ParsePageQuery reads a details call's query string. ok is false when pageNo or pageSize is
// no number in its documented range: such a call is refused, and nothing is judged of it.
func ParsePageQuery(q url.Values) (PageQuery, bool) {
	pq := PageQuery{TaskID: q.Get("taskId"), Status: q.Get("status"), DeviceID: q.Get("deviceId"),
		CommandID: q.Get("commandId"), PageSize: DefaultDetailsPageSize}
	if s := q.Get("pageNo"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxJudgedPageNo {
			return pq, false
		}
		pq.PageNo = n
	}
	if s := q.Get("pageSize"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 250 {
			return pq, false
		}
		pq.PageSize = n
	}
	return pq, pq.TaskID != ""
}

// SubtaskPage is details' 200 body (api-reference §4).
type SubtaskPage struct {
	PageNo      int       `json:"pageNo"`
	PageSize    int       `json:"pageSize"`
	TotalCount  int       `json:"totalCount"`
	TaskDetails []Subtask `json:"taskDetails"`
}

// Subtask is one entry of a page's taskDetails.
type Subtask struct {
	Status string       `json:"status"`
	Param  SubtaskParam `json:"param"`
}

// SubtaskParam identifies a subtask's device and command.
type SubtaskParam struct {
	DeviceID  string `json:"deviceId"`
	CommandID string `json:"commandId"`
}

// DecodeSubtaskPage decodes a details body; a body of another shape is an error (the schema
// layer reports it).
func DecodeSubtaskPage(raw []byte) (SubtaskPage, error) {
	var p SubtaskPage
	if err := json.Unmarshal(raw, &p); err != nil {
		return SubtaskPage{}, fmt.Errorf("decode subtask page: %w", err)
	}
	return p, nil
}

// Ledger is what a run was told about one task. The zero Ledger is ready to use; it is not safe
// for concurrent use.
type Ledger struct {
	// devices are the distinct devices a DeviceList create named, nil when unknown or when the
	// list names one twice.
	devices map[string]bool
	// final is the first finished query answer.
	final *BatchTask
	// maxTotalCnt and maxTotal are the largest totalCnt and unfiltered totalCount answered.
	maxTotalCnt, maxTotal int
	// status is each subtask's status answered after the task was seen finished, by device.
	status map[string]string
	groups map[groupKey]*pageGroup
	// first is the first query answer, for RULE.task-stable.
	first *BatchTask
	// ended is each subtask answered in a status it never leaves (Success, Fail, Timeout),
	// at any moment, by device; counted and listed are the largest counter and the largest
	// status-filtered totalCount answered for each of those statuses.
	ended           map[string]string
	counted, listed map[string]int
	// expired are the statuses an expired subtask may still be listed in, by what the
	// finished task's answers allowed so far (nil: both, expiredStatuses).
	expired map[string]bool
}

// expiredStatuses are where details may list an expired subtask, one never delivered before
// the task timed out. The docs list no Expired status for subtasks and do not say: the
// harness reads Pending (reading AMB.R8; RULE.expired-pending, SHOULD, judges it), and a
// platform listing it Timeout, the status its time running out suggests, is not wrong by them.
var expiredStatuses = []string{SubtaskPending, SubtaskTimeout}

// counterUnder is the number of subtasks of the finished task f details lists in status when
// expired subtasks are listed in expiredAs.
func counterUnder(f *BatchTask, status, expiredAs string) (name string, n int, ok bool) {
	if expiredAs == SubtaskTimeout {
		switch status {
		case SubtaskTimeout:
			return "timeoutCnt + expiredCnt (expired subtasks listed Timeout)", f.TimeoutCnt + f.ExpiredCnt, true
		case SubtaskPending:
			return "no counter (expired subtasks listed Timeout)", 0, true
		}
	}
	return counterOf(f, status)
}

// agreeCount judges one count of the finished task's subtasks in status against its counters:
// holds tells whether it fits the number details lists there under a reading of where expired
// subtasks are listed. The readings it does not fit are dropped; when it fits none of those
// left, report is called with the counter's name and number under the first of them.
func (l *Ledger) agreeCount(status string, holds func(n int) bool, report func(name string, n int)) {
	if l.expired == nil {
		l.expired = map[string]bool{SubtaskPending: true, SubtaskTimeout: true}
	}
	var kept []string
	for _, r := range expiredStatuses {
		if _, n, ok := counterUnder(l.final, status, r); l.expired[r] && ok && holds(n) {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		for _, r := range expiredStatuses {
			if l.expired[r] {
				name, n, _ := counterUnder(l.final, status, r)
				report(name, n)
				return
			}
		}
		return
	}
	for _, r := range expiredStatuses {
		l.expired[r] = slices.Contains(kept, r)
	}
}

// endStatuses are the subtask statuses a subtask never leaves (reading AMB.R8).
var endStatuses = []string{SubtaskSuccess, SubtaskFail, SubtaskTimeout}

func isEnd(status string) bool {
	return status == SubtaskSuccess || status == SubtaskFail || status == SubtaskTimeout
}

// groupKey is one filter and page size: the pages that partition one set of subtasks.
type groupKey struct {
	status, device, command string
	size                    int
}

type pageGroup struct {
	total int
	pages map[int]bool
	// owner is the page each device was answered on.
	owner map[string]int
	done  bool
}

// Created records the create request that made the task.
func (l *Ledger) Created(sent *CreateRequest) {
	if sent == nil || sent.Param.Type != "DeviceList" || len(sent.Param.DeviceList) == 0 {
		return
	}
	l.devices = map[string]bool{}
	for _, d := range sent.Param.DeviceList {
		if l.devices[d] {
			l.devices = nil // one subtask per device: a list naming one twice is not judged
			return
		}
		l.devices[d] = true
	}
}

// Final is the first finished query answer of the task, nil before one was seen.
func (l *Ledger) Final() *BatchTask { return l.final }

func finished(status string) bool { return status == StatusComplete || status == StatusTimeout }

type judgement struct {
	judged map[string]bool
	out    batchcert.Violations
	op     string
}

func (j *judgement) judge(ids ...string) {
	for _, id := range ids {
		j.judged[id] = true
	}
}

func (j *judgement) add(req, pointer, format string, args ...any) {
	j.judged[req] = true
	j.out = append(j.out, batchcert.Violation{Source: SourceInvariant, Operation: j.op, Requirement: req,
		Pointer: pointer, Message: fmt.Sprintf(format, args...)})
}

func (j *judgement) result() ([]string, batchcert.Violations) {
	ids := make([]string, 0, len(j.judged))
	for id := range j.judged {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, j.out
}

// Query judges a query answer of the task against what the ledger holds, then records it. It
// returns the requirements it judged and the violations found.
func (l *Ledger) Query(t BatchTask) ([]string, batchcert.Violations) {
	j := &judgement{judged: map[string]bool{}, op: "queryBatchTask"}
	if f := l.final; f != nil {
		j.judge(RuleFinalFrozen)
		if t.Status != f.Status {
			j.add(RuleFinalFrozen, "/status", "status is %s, but the task was already answered %s, a finished state", t.Status, f.Status)
		}
		for _, c := range []struct {
			name      string
			now, then int
		}{{"totalCnt", t.TotalCnt, f.TotalCnt}, {"successCnt", t.SuccessCnt, f.SuccessCnt}, {"failCnt", t.FailCnt, f.FailCnt},
			{"timeoutCnt", t.TimeoutCnt, f.TimeoutCnt}, {"expiredCnt", t.ExpiredCnt, f.ExpiredCnt}, {"completeCnt", t.CompleteCnt, f.CompleteCnt}} {
			if c.now != c.then {
				j.add(RuleFinalFrozen, "/"+c.name, "%s is %d, but the task answered %d when it was already %s", c.name, c.now, c.then, f.Status)
			}
		}
	}
	if l.maxTotal > 0 {
		j.judge(RuleDetailsMonotonic)
		if t.TotalCnt < l.maxTotal {
			j.add(RuleDetailsMonotonic, "/totalCnt", "totalCnt is %d, but details already counted %d subtasks of the task", t.TotalCnt, l.maxTotal)
		}
	}
	if n := len(l.devices); n > 0 {
		j.judge(RuleDetailsAgree)
		switch {
		case t.TotalCnt > n:
			j.add(RuleDetailsAgree, "/totalCnt", "totalCnt is %d, but create named %d devices (one subtask per device)", t.TotalCnt, n)
		case finished(t.Status) && t.TotalCnt != n:
			j.add(RuleDetailsAgree, "/totalCnt", "the task is %s with totalCnt %d, but create named %d devices (one subtask per device)", t.Status, t.TotalCnt, n)
		}
	}
	l.stable(j, t)
	l.endBounds(j, t)
	l.maxTotalCnt = max(l.maxTotalCnt, t.TotalCnt)
	if l.final == nil && finished(t.Status) {
		f := t
		l.final = &f
	}
	return j.result()
}

// stable judges the fields create fixed against the task's first answer: they never change.
func (l *Ledger) stable(j *judgement, t BatchTask) {
	if l.first == nil {
		f := t
		l.first = &f
		return
	}
	f := l.first
	j.judge(RuleTaskStable)
	for _, c := range []struct{ name, now, then string }{
		{"appId", t.AppID, f.AppID}, {"taskName", t.TaskName, f.TaskName}, {"taskType", t.TaskType, f.TaskType},
		{"startTime", t.StartTime, f.StartTime}, {"operator", t.Operator, f.Operator}, {"taskFrom", t.TaskFrom, f.TaskFrom},
		{"timeout", strconv.Itoa(t.Timeout), strconv.Itoa(f.Timeout)},
	} {
		if c.now != c.then {
			j.add(RuleTaskStable, "/"+c.name, "%s is %q, but an earlier read of the task answered %q", c.name, c.now, c.then)
		}
	}
	if !reflect.DeepEqual(canonical(t.Param), canonical(f.Param)) {
		j.add(RuleTaskStable, "/param", "param is %s, but an earlier read of the task answered %s", short(canonical(t.Param)), short(canonical(f.Param)))
	}
}

// endBounds judges a query answer's counters of the statuses a subtask never leaves against
// what details listed before: no counter is below the subtasks already listed in its status.
func (l *Ledger) endBounds(j *judgement, t BatchTask) {
	if l.counted == nil {
		l.counted = map[string]int{}
	}
	seen := map[string]int{}
	for _, st := range l.ended {
		seen[st]++
	}
	for _, st := range endStatuses {
		name, n, _ := counterOf(&t, st)
		l.counted[st] = max(l.counted[st], n)
		ptr := "/" + name
		if st == SubtaskTimeout && t.ExpiredCnt > 0 {
			// An expired subtask may be listed Timeout (expiredStatuses).
			name, n = "timeoutCnt + expiredCnt", t.TimeoutCnt+t.ExpiredCnt
		}
		listed := max(seen[st], l.listed[st])
		if listed > 0 {
			j.judge(RuleDetailsMonotonic)
		}
		if n < listed {
			j.add(RuleDetailsMonotonic, ptr, "%s is %d, but details already listed %d subtasks %s, a status a subtask never leaves", name, n, listed, st)
		}
	}
}

// counterOf is the final counter a subtask status is counted in (reading AMB.R8: an expired
// subtask stays Pending; a finished task has no WaitResult subtask); ok is false for a status
// that is none of details'.
func counterOf(f *BatchTask, status string) (name string, n int, ok bool) {
	switch status {
	case SubtaskSuccess:
		return "successCnt", f.SuccessCnt, true
	case SubtaskFail:
		return "failCnt", f.FailCnt, true
	case SubtaskTimeout:
		return "timeoutCnt", f.TimeoutCnt, true
	case SubtaskPending:
		return "expiredCnt", f.ExpiredCnt, true
	case SubtaskWaitResult:
		return "no counter (a finished task has no WaitResult subtask)", 0, true
	}
	return "", 0, false
}

var subtaskStatuses = []string{SubtaskPending, SubtaskWaitResult, SubtaskSuccess, SubtaskFail, SubtaskTimeout}

// Details judges one details answer of the task against what the ledger holds, then records
// it. It returns the requirements it judged and the violations found.
func (l *Ledger) Details(q PageQuery, p SubtaskPage) ([]string, batchcert.Violations) {
	j := &judgement{judged: map[string]bool{}, op: "queryTaskDetails"}
	unfiltered := q.Status == "" && q.DeviceID == "" && q.CommandID == ""
	f := l.final
	// No subtask twice on one page, whatever the moment.
	j.judge(RuleDetailsPaging)
	seen := map[string]int{}
	for i, s := range p.TaskDetails {
		d := s.Param.DeviceID
		if d == "" {
			continue
		}
		if k, dup := seen[d]; dup {
			j.add(RuleDetailsPaging, fmt.Sprintf("/taskDetails/%d/param/deviceId", i), "device %s is on this page twice (entries %d and %d): one subtask per device", d, k, i)
			continue
		}
		seen[d] = i
	}
	l.filters(j, q, p)
	// The page's length: pageSize entries, fewer only on the last page, none past it. It is
	// judged where the set of matching subtasks cannot move within one answer: a finished
	// task, or no status filter on a task whose subtasks all exist (the devices create named,
	// all counted). A running task's set may still grow, say while a platform expands a group
	// or a device type into subtasks, and its count and its page need not be read at once.
	if f != nil || (q.Status == "" && len(l.devices) > 0 && p.TotalCount == len(l.devices)) {
		j.judge(RuleDetailsPaging)
		want := int64(p.TotalCount) - int64(q.PageNo)*int64(q.PageSize)
		want = min(max(want, 0), int64(q.PageSize))
		if int64(len(p.TaskDetails)) != want {
			j.add(RuleDetailsPaging, "/taskDetails", "page %d of size %d holds %d subtasks, but totalCount %d leaves %d for it", q.PageNo, q.PageSize, len(p.TaskDetails), p.TotalCount, want)
		}
	}
	if unfiltered {
		if l.maxTotalCnt > 0 {
			j.judge(RuleDetailsMonotonic)
			if p.TotalCount < l.maxTotalCnt {
				j.add(RuleDetailsMonotonic, "/totalCount", "totalCount is %d, but the task already answered totalCnt %d", p.TotalCount, l.maxTotalCnt)
			}
		}
		if n := len(l.devices); n > 0 {
			j.judge(RuleDetailsAgree)
			if p.TotalCount > n {
				j.add(RuleDetailsAgree, "/totalCount", "totalCount is %d, but create named %d devices (one subtask per device)", p.TotalCount, n)
			}
		}
		l.maxTotal = max(l.maxTotal, p.TotalCount)
	}
	l.endDetails(j, q, p)
	if f != nil {
		l.afterFinal(j, q, p, unfiltered)
	}
	return j.result()
}

// endDetails judges a page against what holds at any moment of the statuses a subtask never
// leaves: a subtask listed in one keeps it, and a status filter's totalCount is never below the
// counter answered before.
func (l *Ledger) endDetails(j *judgement, q PageQuery, p SubtaskPage) {
	if l.ended == nil {
		l.ended, l.listed = map[string]string{}, map[string]int{}
	}
	for i, s := range p.TaskDetails {
		d := s.Param.DeviceID
		if d == "" {
			continue
		}
		if was, ok := l.ended[d]; ok {
			j.judge(RuleDetailsMonotonic)
			if was != s.Status {
				j.add(RuleDetailsMonotonic, fmt.Sprintf("/taskDetails/%d/status", i), "device %s is %s, but an earlier answer listed it %s, a status a subtask never leaves", d, s.Status, was)
			}
			continue
		}
		if isEnd(s.Status) {
			l.ended[d] = s.Status
		}
	}
	if !isEnd(q.Status) || q.DeviceID != "" || q.CommandID != "" {
		return
	}
	if n := l.counted[q.Status]; n > 0 {
		j.judge(RuleDetailsMonotonic)
		if p.TotalCount < n {
			name, _, _ := counterOf(&BatchTask{}, q.Status)
			j.add(RuleDetailsMonotonic, "/totalCount", "totalCount is %d for status %s, but the task already counted %d in %s", p.TotalCount, q.Status, n, name)
		}
	}
	l.listed[q.Status] = max(l.listed[q.Status], p.TotalCount)
}

// filters judges what holds of a filtered page at any moment: only what it asked for, devices
// create named, at most one subtask for one device.
func (l *Ledger) filters(j *judgement, q PageQuery, p SubtaskPage) {
	if q.Status != "" || q.DeviceID != "" || q.CommandID != "" {
		j.judge(RuleDetailsFilter)
	}
	for i, s := range p.TaskDetails {
		at := fmt.Sprintf("/taskDetails/%d", i)
		if q.Status != "" && s.Status != q.Status {
			j.add(RuleDetailsFilter, at+"/status", "status is %s on a page filtered by status %s", s.Status, q.Status)
		}
		if q.DeviceID != "" && s.Param.DeviceID != q.DeviceID {
			j.add(RuleDetailsFilter, at+"/param/deviceId", "deviceId is %s on a page filtered by deviceId %s", s.Param.DeviceID, q.DeviceID)
		}
		if q.CommandID != "" && s.Param.CommandID != "" && s.Param.CommandID != q.CommandID {
			j.add(RuleDetailsFilter, at+"/param/commandId", "commandId is %s on a page filtered by commandId %s", s.Param.CommandID, q.CommandID)
		}
		if l.devices != nil && s.Param.DeviceID != "" {
			j.judge(RuleDetailsAgree)
			if !l.devices[s.Param.DeviceID] {
				j.add(RuleDetailsAgree, at+"/param/deviceId", "device %s is not one create named", s.Param.DeviceID)
			}
		}
	}
	if q.DeviceID != "" {
		if p.TotalCount > 1 {
			j.add(RuleDetailsFilter, "/totalCount", "totalCount is %d for one device: one subtask per device", p.TotalCount)
		}
		if l.devices != nil && l.devices[q.DeviceID] && q.Status == "" && q.CommandID == "" && l.final != nil && p.TotalCount != 1 {
			j.add(RuleDetailsAgree, "/totalCount", "totalCount is %d for device %s, which create named", p.TotalCount, q.DeviceID)
		}
	}
}

// afterFinal judges a page answered after the task was seen finished: its counts against the
// final counters, each subtask's status against the other answers, and the partition.
func (l *Ledger) afterFinal(j *judgement, q PageQuery, p SubtaskPage, unfiltered bool) {
	f := l.final
	j.judge(RuleDetailsAgree, RuleDetailsMonotonic)
	if unfiltered && p.TotalCount != f.TotalCnt {
		j.add(RuleDetailsAgree, "/totalCount", "totalCount is %d, but the %s task answered totalCnt %d", p.TotalCount, f.Status, f.TotalCnt)
	}
	if q.Status != "" && q.DeviceID == "" && q.CommandID == "" {
		if _, _, ok := counterOf(f, q.Status); ok {
			l.agreeCount(q.Status, func(n int) bool { return p.TotalCount == n }, func(name string, n int) {
				j.add(RuleDetailsAgree, "/totalCount", "totalCount is %d for status %s, but the %s task counts %d in %s", p.TotalCount, q.Status, f.Status, n, name)
			})
		}
	}
	if l.status == nil {
		l.status = map[string]string{}
		l.groups = map[groupKey]*pageGroup{}
	}
	touched := map[string]bool{}
	for i, s := range p.TaskDetails {
		d := s.Param.DeviceID
		if d == "" {
			continue
		}
		if was, ok := l.status[d]; ok && was != s.Status {
			j.add(RuleDetailsMonotonic, fmt.Sprintf("/taskDetails/%d/status", i), "device %s is %s, but an earlier answer, after the task was %s, said %s", d, s.Status, f.Status, was)
			continue
		}
		l.status[d] = s.Status
		touched[s.Status] = true
	}
	// Subtasks seen in a status never outnumber its counter.
	tally := l.tally(nil)
	for _, st := range subtaskStatuses {
		if !touched[st] {
			continue
		}
		l.agreeCount(st, func(n int) bool { return tally[st] <= n }, func(name string, n int) {
			j.add(RuleDetailsAgree, "/taskDetails", "%d subtasks are %s, but the %s task counts %d in %s", tally[st], st, f.Status, n, name)
		})
	}
	l.partition(j, q, p, unfiltered)
}

// tally counts the subtasks of each status, of every device seen or of the given ones.
func (l *Ledger) tally(devices map[string]int) map[string]int {
	out := map[string]int{}
	for d, st := range l.status {
		if devices != nil {
			if _, ok := devices[d]; !ok {
				continue
			}
		}
		out[st]++
	}
	return out
}

// partition judges the pages of one filter and page size of a finished task: no subtask on two
// pages, one totalCount, and once every page was answered, every subtask on one of them.
func (l *Ledger) partition(j *judgement, q PageQuery, p SubtaskPage, unfiltered bool) {
	j.judge(RuleDetailsOrder)
	key := groupKey{q.Status, q.DeviceID, q.CommandID, q.PageSize}
	g := l.groups[key]
	if g == nil {
		g = &pageGroup{total: p.TotalCount, pages: map[int]bool{}, owner: map[string]int{}}
		l.groups[key] = g
	}
	if p.TotalCount != g.total {
		j.add(RuleDetailsMonotonic, "/totalCount", "totalCount is %d, but page(s) of the same filter and size answered %d after the task was finished", p.TotalCount, g.total)
		return
	}
	for i, s := range p.TaskDetails {
		d := s.Param.DeviceID
		if d == "" {
			continue
		}
		if other, ok := g.owner[d]; ok && other != q.PageNo {
			j.add(RuleDetailsOrder, fmt.Sprintf("/taskDetails/%d/param/deviceId", i), "device %s is on page %d and on page %d of size %d: pages overlap", d, other, q.PageNo, q.PageSize)
			continue
		}
		g.owner[d] = q.PageNo
	}
	g.pages[q.PageNo] = true
	last := 0
	if g.total > 0 {
		last = (g.total - 1) / q.PageSize
	}
	// Fewer pages answered than there are pages: not every page was seen (this also bounds the
	// loop below by the number of answers, whatever totalCount a platform claims).
	if g.done || len(g.pages) <= last {
		return
	}
	for n := 0; n <= last; n++ {
		if !g.pages[n] {
			return
		}
	}
	g.done = true
	if len(g.owner) != g.total {
		// Without an order the pages need not partition the subtasks, and what they hold
		// says nothing certain of the counters: nothing more is judged of them.
		j.add(RuleDetailsOrder, "/taskDetails", "pages 0..%d of size %d hold %d distinct subtasks, but totalCount is %d: pages skip or repeat subtasks (the docs fix no order of taskDetails)", last, q.PageSize, len(g.owner), g.total)
		return
	}
	if !unfiltered {
		return
	}
	tally := l.tally(g.owner)
	for _, st := range subtaskStatuses {
		l.agreeCount(st, func(n int) bool { return tally[st] == n }, func(name string, n int) {
			j.add(RuleDetailsAgree, "/taskDetails", "all %d pages hold %d subtasks %s, but the %s task counts %d in %s", last+1, tally[st], st, l.final.Status, n, name)
		})
	}
	if l.devices != nil {
		var missing []string
		for d := range l.devices {
			if _, ok := g.owner[d]; !ok {
				missing = append(missing, d)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			j.add(RuleDetailsAgree, "/taskDetails", "no page holds device(s) %v, which create named", missing)
		}
	}
}
