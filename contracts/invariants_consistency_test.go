package contracts

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// ledgerStep is one answer fed to a ledger: a query answer, or a details answer to a query.
type ledgerStep struct {
	task  *BatchTask
	query string // details' raw query string
	page  SubtaskPage
}

func sub(device, status string) Subtask {
	return Subtask{Status: status, Param: SubtaskParam{DeviceID: device}}
}

func page(total int, subs ...Subtask) SubtaskPage {
	return SubtaskPage{TotalCount: total, TaskDetails: subs}
}

// The four-device task of the consistency scenario, finished: one device of each behaviour.
func mixedTimeout() *BatchTask {
	return &BatchTask{TaskID: "t", Status: StatusTimeout, TotalCnt: 4, SuccessCnt: 1, FailCnt: 1, TimeoutCnt: 1, ExpiredCnt: 1, CompleteCnt: 3}
}

func running() *BatchTask {
	return &BatchTask{TaskID: "t", Status: StatusRunning, TotalCnt: 4, SuccessCnt: 1, CompleteCnt: 1}
}

var (
	okA, failB, tmoC, pendD = sub("a", SubtaskSuccess), sub("b", SubtaskFail), sub("c", SubtaskTimeout), sub("d", SubtaskPending)
)

func TestLedger(t *testing.T) {
	t.Parallel()
	sent := &CreateRequest{Param: Param{Type: "DeviceList", DeviceList: []string{"a", "b", "c", "d"}}}
	cases := []struct {
		name, reason string
		steps        []ledgerStep
		want         []string // substrings of the violations of the last step, in any order; none: clean
		// ids are the requirements those violations name, each once, sorted: what decides
		// whether they fail a platform (MUST) or only warn (SHOULD).
		ids []string
	}{
		{name: "finished pages partition", reason: "two full pages of size 2 after Timeout agree with the counters",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "pageSize=2", page: page(4, okA, failB)},
				{query: "pageSize=2&pageNo=1", page: page(4, tmoC, pendD)}}},
		{name: "running pages may move", reason: "before the task finished a device may show on two pages (the order may follow the status)",
			steps: []ledgerStep{{task: running()}, {query: "pageSize=2", page: page(4, okA, sub("b", SubtaskWaitResult))},
				{query: "pageSize=2&pageNo=1", page: page(4, sub("b", SubtaskFail), pendD)}}},
		{name: "overlap", reason: "page 1 repeats page 0's last subtask after the task finished",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "pageSize=2", page: page(4, okA, failB)},
				{query: "pageSize=2&pageNo=1", page: page(4, failB, tmoC)}},
			want: []string{"device b is on page 0 and on page 1", "pages 0..1 of size 2 hold 3 distinct subtasks"}, ids: []string{RuleDetailsOrder}},
		{name: "short page", reason: "page 0 of size 2 of 4 subtasks holds one, at any moment",
			steps: []ledgerStep{{query: "pageSize=2", page: page(4, okA)}},
			want:  []string{"page 0 of size 2 holds 1 subtasks, but totalCount 4 leaves 2"}, ids: []string{RuleDetailsPaging}},
		{name: "past the end", reason: "a page past the end holds nothing",
			steps: []ledgerStep{{query: "pageSize=2&pageNo=5", page: page(4, okA)}},
			want:  []string{"page 5 of size 2 holds 1 subtasks, but totalCount 4 leaves 0"}, ids: []string{RuleDetailsPaging}},
		{name: "running set still growing", reason: "while a task runs, details may answer a count of the subtasks made so far and a page read a moment before (a platform expanding a device list into subtasks)",
			steps: []ledgerStep{{query: "", page: page(3, okA)}}},
		{name: "unordered pages of a finished task", reason: "the docs fix no order of taskDetails: a page may repeat a subtask of another page, which is a SHOULD, and the pages then say nothing of the counters",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "pageSize=2", page: page(4, okA, tmoC)},
				{query: "pageSize=2&pageNo=1", page: page(4, failB, okA)}},
			want: []string{"device a is on page 0 and on page 1", "pages 0..1 of size 2 hold 3 distinct subtasks"}, ids: []string{RuleDetailsOrder}},
		{name: "expired listed Timeout", reason: "the docs do not say where details lists an expired subtask: a platform listing it Timeout (counted in expiredCnt) agrees under that reading",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "", page: page(4, okA, failB, tmoC, sub("d", SubtaskTimeout))},
				{query: "status=Timeout", page: page(2, tmoC, sub("d", SubtaskTimeout))}, {query: "status=Pending", page: page(0)}, {task: mixedTimeout()}}},
		{name: "expired listed both ways", reason: "the Timeout filter counts the expired subtask, the Pending filter too: no reading of where it is listed fits both",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "status=Timeout", page: page(2, tmoC, sub("d", SubtaskTimeout))}, {query: "status=Pending", page: page(1, pendD)}},
			want:  []string{"totalCount is 1 for status Pending, but the Timeout task counts 0 in no counter (expired subtasks listed Timeout)"}, ids: []string{RuleDetailsAgree, RuleDetailsMonotonic}},
		{name: "running status filter not counted", reason: "a running task's filtered count and page may be read at two instants",
			steps: []ledgerStep{{task: running()}, {query: "status=Success", page: page(2, okA)}}},
		{name: "filter", reason: "a Fail filter answers a Success subtask",
			steps: []ledgerStep{{query: "status=Fail", page: page(1, okA)}}, want: []string{"status is Success on a page filtered by status Fail"}, ids: []string{RuleDetailsFilter}},
		{name: "filtered count of a finished task", reason: "status=Fail of a finished task counts every subtask",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "status=Fail", page: page(4, failB)}},
			want:  []string{"totalCount is 4 for status Fail, but the Timeout task counts 1 in failCnt", "holds 1 subtasks, but totalCount 4 leaves 4"}, ids: []string{RuleDetailsAgree, RuleDetailsOrder, RuleDetailsPaging}},
		{name: "WaitResult after the end", reason: "a finished task lists a subtask still waiting",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "", page: page(4, okA, failB, sub("c", SubtaskWaitResult), pendD)}},
			want:  []string{"1 subtasks are WaitResult", "all 1 pages hold 0 subtasks Timeout", "all 1 pages hold 1 subtasks WaitResult"}, ids: []string{RuleDetailsAgree}},
		{name: "expired counted as timeout", reason: "details shows the offline device Pending, query counts no expired subtask",
			steps: []ledgerStep{{task: &BatchTask{TaskID: "t", Status: StatusTimeout, TotalCnt: 4, SuccessCnt: 1, FailCnt: 1, TimeoutCnt: 2, CompleteCnt: 4}},
				{query: "status=Pending", page: page(1, pendD)}},
			want: []string{"totalCount is 1 for status Pending, but the Timeout task counts 0 in expiredCnt", "1 subtasks are Pending"}, ids: []string{RuleDetailsAgree}},
		{name: "status changes after the end", reason: "a device answered Fail after the task finished is later Success",
			steps: []ledgerStep{{task: mixedTimeout()}, {query: "deviceId=b", page: page(1, failB)}, {query: "deviceId=b", page: page(1, sub("b", SubtaskSuccess))}},
			want:  []string{"device b is Success, but an earlier answer"}, ids: []string{RuleDetailsMonotonic}},
		{name: "not a device create named", reason: "a DeviceList task lists a device of another task",
			steps: []ledgerStep{{query: "", page: page(4, okA, failB, tmoC, sub("z", SubtaskPending))}},
			want:  []string{"device z is not one create named"}, ids: []string{RuleDetailsAgree}},
		{name: "totalCnt below details", reason: "a query answers fewer subtasks than details already listed",
			steps: []ledgerStep{{query: "", page: page(4, okA, failB, tmoC, pendD)}, {task: &BatchTask{TaskID: "t", Status: StatusRunning, TotalCnt: 3}}},
			want:  []string{"totalCnt is 3, but details already counted 4"}, ids: []string{RuleDetailsMonotonic}},
		{name: "startTime moves", reason: "a second read answers another creation time",
			steps: []ledgerStep{{task: &BatchTask{TaskID: "t", Status: StatusRunning, StartTime: "20240301T120000Z", TotalCnt: 4}},
				{task: &BatchTask{TaskID: "t", Status: StatusRunning, StartTime: "20240301T120003Z", TotalCnt: 4}}},
			want: []string{`startTime is "20240301T120003Z", but an earlier read of the task answered "20240301T120000Z"`}, ids: []string{RuleTaskStable}},
		{name: "counter behind details", reason: "details listed a Success subtask, a later query counts none",
			steps: []ledgerStep{{query: "status=Success", page: page(1, okA)}, {task: &BatchTask{TaskID: "t", Status: StatusRunning, TotalCnt: 4}}},
			want:  []string{"successCnt is 0, but details already listed 1 subtasks Success"}, ids: []string{RuleDetailsMonotonic}},
		{name: "details behind counter", reason: "the task counted a failure, a later Fail filter lists none",
			steps: []ledgerStep{{task: &BatchTask{TaskID: "t", Status: StatusRunning, TotalCnt: 4, FailCnt: 1, CompleteCnt: 1}}, {query: "status=Fail", page: page(0)}},
			want:  []string{"totalCount is 0 for status Fail, but the task already counted 1 in failCnt"}, ids: []string{RuleDetailsMonotonic}},
		{name: "an ended subtask moves back", reason: "a running task's Success subtask is later WaitResult",
			steps: []ledgerStep{{query: "deviceId=a", page: page(1, okA)}, {query: "deviceId=a", page: page(1, sub("a", SubtaskWaitResult))}},
			want:  []string{"device a is WaitResult, but an earlier answer listed it Success"}, ids: []string{RuleDetailsMonotonic}},
		{name: "frozen", reason: "a Complete task answers Running later",
			steps: []ledgerStep{{task: &BatchTask{TaskID: "t", Status: StatusComplete, TotalCnt: 4, SuccessCnt: 4, CompleteCnt: 4}},
				{task: &BatchTask{TaskID: "t", Status: StatusRunning, TotalCnt: 4, SuccessCnt: 4, CompleteCnt: 4}}},
			want: []string{"status is Running, but the task was already answered Complete"}, ids: []string{RuleFinalFrozen}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var l Ledger
			l.Created(sent)
			var got []string
			ids := map[string]bool{}
			for _, s := range c.steps {
				got = got[:0]
				clear(ids)
				if s.task != nil {
					_, vs := l.Query(*s.task)
					for _, v := range vs {
						got, ids[v.Requirement] = append(got, v.Message), true
					}
					continue
				}
				q, err := url.ParseQuery(s.query + "&taskId=t")
				if err != nil {
					t.Fatal(err)
				}
				pq, ok := ParsePageQuery(q)
				if !ok {
					t.Fatalf("query %q not judged", s.query)
				}
				_, vs := l.Details(pq, s.page)
				for _, v := range vs {
					got, ids[v.Requirement] = append(got, v.Message), true
				}
			}
			if named := slices.Sorted(maps.Keys(ids)); !slices.Equal(named, c.ids) {
				t.Errorf("%s: violations name %v, want %v", c.reason, named, c.ids)
			}
			all := strings.Join(got, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s: want a violation %q, got:\n%s", c.reason, w, all)
				}
			}
			if len(c.want) == 0 && len(got) > 0 {
				t.Errorf("%s: want none, got:\n%s", c.reason, all)
			}
		})
	}
}

func TestParsePageQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw    string
		ok     bool
		no, sz int
	}{
		{"taskId=t", true, 0, 25}, {"taskId=t&pageNo=2&pageSize=3", true, 2, 3},
		{"taskId=t&pageSize=251", false, 0, 0}, {"taskId=t&pageNo=-1", false, 0, 0},
		{"taskId=t&pageNo=x", false, 0, 0}, {"pageNo=1", false, 0, 0},
		{"taskId=t&pageNo=99999999999999999999", false, 0, 0},
	} {
		q, _ := url.ParseQuery(c.raw)
		pq, ok := ParsePageQuery(q)
		if ok != c.ok || (ok && (pq.PageNo != c.no || pq.PageSize != c.sz)) {
			t.Errorf("%s: %+v %v, want ok %v pageNo %d pageSize %d", c.raw, pq, ok, c.ok, c.no, c.sz)
		}
	}
}

// TestLedgerHugeTotal: a finished task's page claiming a vast totalCount is judged at once, not
// by walking every page number it implies.
func TestLedgerHugeTotal(t *testing.T) {
	t.Parallel()
	var l Ledger
	l.Query(*mixedTimeout())
	q, _ := ParsePageQuery(url.Values{"taskId": {"t"}, "pageSize": {"1"}})
	if _, vs := l.Details(q, page(1<<62, okA)); len(vs) == 0 {
		t.Fatal("a totalCount of 2^62 for a 4-subtask task passed")
	}
}

// FuzzLedger: any answers a platform gives, in any order, are judged without a panic.
func FuzzLedger(f *testing.F) {
	f.Add([]byte(`{"taskId":"t","status":"Timeout","totalCnt":4,"successCnt":1}`), "pageSize=2&pageNo=1&status=Success",
		[]byte(`{"pageNo":1,"pageSize":2,"totalCount":4,"taskDetails":[{"status":"Success","param":{"deviceId":"a"}}]}`))
	f.Add([]byte(`{"status":"Complete","totalCnt":-1}`), "pageNo=1073741824&pageSize=1", []byte(`{"totalCount":9223372036854775807,"taskDetails":[]}`))
	f.Fuzz(func(t *testing.T, task []byte, query string, body []byte) {
		var l Ledger
		l.Created(&CreateRequest{Param: Param{Type: "DeviceList", DeviceList: []string{"a", "b"}}})
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		q.Set("taskId", "t")
		for range 2 {
			if bt, err := DecodeTask(task); err == nil {
				l.Query(bt)
			}
			if pq, ok := ParsePageQuery(q); ok {
				if p, err := DecodeSubtaskPage(body); err == nil {
					l.Details(pq, p)
				}
			}
		}
	})
}
