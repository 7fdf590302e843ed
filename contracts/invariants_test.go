package contracts

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func mustProfile(t testing.TB, name string) Profile {
	t.Helper()
	p, err := ProfileByName(name)
	if err != nil {
		t.Fatalf("ProfileByName(%q): %v", name, err)
	}
	return p
}

var createdAt = time.Date(2024, 1, 31, 23, 58, 0, 0, time.UTC)

// sentRequest is the create request behind baseTask.
func sentRequest() *CreateRequest {
	retransmit := 1
	return &CreateRequest{
		AppID: "app-1", TaskName: "nightly-reboot", TaskType: "DeviceCmd", Timeout: 60,
		Param: Param{Type: "DeviceList", DeviceList: []string{"dev-1", "dev-2", "dev-3"}, MaxRetransmit: &retransmit,
			Command: Command{ServiceID: "Switch", Method: "ON", Paras: map[string]any{"brightness": 80}}},
		Tags: []Tag{{TagName: "site", TagValue: "north"}},
	}
}

// baseTask is a consistent running task: 1 of 3 subtasks succeeded.
func baseTask(t *testing.T) BatchTask {
	t.Helper()
	task, err := DecodeTask([]byte(`{"appId":"app-1","taskId":"task-0001","taskName":"nightly-reboot","operator":"app-1",
		"taskFrom":"Northbound","taskType":"DeviceCmd","status":"Running","startTime":"20240131T235959Z","timeout":60,
		"progress":333,"totalCnt":3,"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":333,
		"param":{"type":"DeviceList","deviceList":["dev-1","dev-2","dev-3"],"maxRetransmit":1,
		"command":{"serviceId":"Switch","method":"ON","paras":{"brightness":80}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func counts(t *BatchTask, total, success, fail, timeout, expired int) {
	t.TotalCnt, t.SuccessCnt, t.FailCnt, t.TimeoutCnt, t.ExpiredCnt = total, success, fail, timeout, expired
	t.CompleteCnt = success + fail + timeout
	t.Progress = rate(t.CompleteCnt, total, 1000)
	t.SuccessRate = rate(success, total, 1000)
}

func TestCheckTask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, reason, profile string
		mutate                func(o *Observation)
		want                  []string
	}{
		{"consistent", "a correct running task breaks nothing", "doc-strict", func(o *Observation) {}, nil},
		{"progress rounded up", "1 of 3 is 333.3 permille: the docs say rounded down", "doc-strict",
			func(o *Observation) { o.Task.Progress = 334 }, []string{"INV.progress"}},
		{"percent instead of permille", "AMB.3: the query example reads as percent; doc-strict wants permille", "doc-strict",
			func(o *Observation) { o.Task.Progress, o.Task.SuccessRate = 33, 33 }, []string{"INV.progress", "INV.successRate"}},
		{"percent under lenient", "lenient's rate-percent accepts percentages", "lenient",
			func(o *Observation) { o.Task.Progress, o.Task.SuccessRate = 33, 33 }, nil},
		{"completeCnt without timeouts", "completeCnt must include timed-out subtasks", "doc-strict",
			func(o *Observation) { o.Task.TimeoutCnt = 1 }, []string{"INV.completeCnt"}},
		{"successRate over completeCnt", "AMB.5: doc-strict divides by totalCnt", "doc-strict",
			func(o *Observation) { counts(&o.Task, 3, 1, 1, 0, 0); o.Task.SuccessRate = 500 }, []string{"INV.successRate"}},
		{"successRate over completeCnt, lenient", "lenient's successrate-complete accepts completeCnt", "lenient",
			func(o *Observation) { counts(&o.Task, 3, 1, 1, 0, 0); o.Task.SuccessRate = 500 }, nil},
		{"zero subtasks", "totalCnt 0 gives progress and successRate 0, not a division by zero", "doc-strict",
			func(o *Observation) { counts(&o.Task, 0, 0, 0, 0, 0) }, nil},
		{"zero subtasks at 1000", "an empty task is not 1000 permille done", "doc-strict",
			func(o *Observation) { counts(&o.Task, 0, 0, 0, 0, 0); o.Task.Progress = 1000 }, []string{"INV.progress"}},
		{"counter beyond total", "successCnt 4 of 3 subtasks", "doc-strict",
			func(o *Observation) { counts(&o.Task, 3, 4, 0, 0, 0) }, []string{"INV.counters-bounded"}},
		{"buckets past total", "2 success + 2 expired of 3", "doc-strict",
			func(o *Observation) { counts(&o.Task, 3, 2, 0, 0, 2) }, []string{"INV.counters-bounded"}},
		{"status Complete to Running", "INV.status-moves: no way back from a final state", "doc-strict",
			func(o *Observation) { p := o.Task; p.Status = StatusComplete; o.Prev = &p }, []string{"INV.status-moves"}},
		{"status Timeout to Complete", "the two final states do not change into each other", "doc-strict",
			func(o *Observation) {
				counts(&o.Task, 3, 3, 0, 0, 0)
				o.Task.Status = StatusComplete
				p := o.Task
				p.Status = StatusTimeout
				o.Prev = &p
			}, []string{"INV.status-moves"}},
		{"forward move", "Pending to Running with progress growing is fine", "doc-strict",
			func(o *Observation) { p := o.Task; counts(&p, 3, 0, 0, 0, 0); p.Status = StatusPending; o.Prev = &p }, nil},
		{"counters went down", "a later query shows fewer successes", "doc-strict",
			func(o *Observation) { p := o.Task; counts(&p, 3, 2, 0, 0, 0); o.Prev = &p }, []string{"INV.monotonic"}},
		{"Complete with an expired subtask", "Complete means nothing expired", "doc-strict",
			func(o *Observation) { counts(&o.Task, 3, 2, 0, 0, 1); o.Task.Status = StatusComplete }, []string{"INV.final-state"}},
		{"expired counted in completeCnt", "AMB.R16: the query example counts expired subtasks; doc-strict reads the completeCnt row", "doc-strict",
			func(o *Observation) {
				counts(&o.Task, 3, 1, 1, 0, 1)
				o.Task.Status, o.Task.CompleteCnt, o.Task.Progress = StatusTimeout, 3, 1000
			}, []string{"INV.completeCnt", "INV.final-state"}},
		{"expired counted in completeCnt, lenient", "lenient accepts the query example's completeCnt (AMB.R16=either)", "lenient",
			func(o *Observation) {
				counts(&o.Task, 3, 1, 1, 0, 1)
				o.Task.Status, o.Task.CompleteCnt, o.Task.Progress = StatusTimeout, 3, 1000
			}, nil},
		{"expired counted in completeCnt, the table's count under lenient", "either reading holds under lenient", "lenient",
			func(o *Observation) { counts(&o.Task, 3, 1, 1, 0, 1); o.Task.Status = StatusTimeout }, nil},
		{"expired counted only under included", "AMB.R16=included wants the expired counted", "doc-strict+AMB.R16=included",
			func(o *Observation) { counts(&o.Task, 3, 1, 1, 0, 1); o.Task.Status = StatusTimeout }, []string{"INV.completeCnt", "INV.final-state"}},
		{"Timeout with a subtask unaccounted", "at timeout every subtask is complete or expired", "doc-strict",
			func(o *Observation) { counts(&o.Task, 3, 1, 0, 0, 1); o.Task.Status = StatusTimeout }, []string{"INV.final-state"}},
		{"Timeout accounted", "1 done, 1 timed out, 1 expired", "doc-strict",
			func(o *Observation) { counts(&o.Task, 3, 1, 0, 1, 1); o.Task.Status = StatusTimeout }, nil},
		{"tags without select", "tags only come with select=tags", "doc-strict",
			func(o *Observation) { o.Task.Tags = o.Sent.Tags }, []string{"INV.tags-select"}},
		{"tags without select, no raw", "without raw bytes the decoded tags decide", "doc-strict",
			func(o *Observation) { o.Task.Tags = o.Sent.Tags; o.Raw = nil }, []string{"INV.tags-select"}},
		{"select but tags missing", "select=tags on a tagged task must answer the tags", "doc-strict",
			func(o *Observation) { o.SelectTags = true }, []string{"INV.tags-select"}},
		{"select, tags echoed", "select=tags answers the created tags", "doc-strict",
			func(o *Observation) { o.SelectTags = true; o.Task.Tags = o.Sent.Tags }, nil},
		{"select, untagged task, empty list", "with select and no tags, [] is fine", "doc-strict",
			func(o *Observation) {
				o.SelectTags, o.Sent.Tags = true, nil
				o.Raw = []byte(strings.Replace(string(o.Raw), `"taskId"`, `"tags":[],"taskId"`, 1))
			}, nil},
		{"select, wrong tag value", "tags echo what create was given", "doc-strict",
			func(o *Observation) { o.SelectTags = true; o.Task.Tags = []Tag{{TagName: "site", TagValue: "south"}} }, []string{"INV.echo"}},
		{"taskFrom Portal", "a task created through the API is Northbound", "doc-strict",
			func(o *Observation) { o.Task.TaskFrom = "Portal" }, []string{"INV.taskFrom"}},
		{"startTime RFC 3339 under doc-strict", "AMB.11: doc-strict wants yyyyMMdd'T'HHmmss'Z'", "doc-strict",
			func(o *Observation) { o.Task.StartTime = "2024-01-31T23:59:59Z" }, []string{"INV.startTime"}},
		{"startTime RFC 3339 under lenient", "lenient's starttime-rfc3339", "lenient",
			func(o *Observation) { o.Task.StartTime = "2024-01-31T23:59:59Z" }, nil},
		{"startTime impossible date", "month 13 matches the pattern but is no time", "doc-strict",
			func(o *Observation) { o.Task.StartTime = "20241331T000000Z" }, []string{"INV.startTime"}},
		{"startTime an hour off", "the task claims to start long after create was called", "doc-strict",
			func(o *Observation) { o.Task.StartTime = "20240201T010000Z" }, []string{"INV.startTime"}},
		{"timeout echoed in seconds", "AMB.2: doc-strict echoes minutes", "doc-strict",
			func(o *Observation) { o.Task.Timeout = 3600 }, []string{"INV.echo"}},
		{"timeout in seconds, lenient", "lenient's timeout-seconds", "lenient",
			func(o *Observation) { o.Task.Timeout = 3600 }, nil},
		{"timeout off by a factor", "neither minutes nor seconds", "lenient",
			func(o *Observation) { o.Task.Timeout = 60000 }, []string{"INV.echo"}},
		{"command method changed", "param echoes the command as sent", "doc-strict",
			func(o *Observation) { o.Task.Param.Command.Method = "OFF" }, []string{"INV.echo"}},
		{"paras value changed", "paras echo deep-equal", "doc-strict",
			func(o *Observation) { o.Task.Param.Command.Paras = map[string]any{"brightness": 81.0} }, []string{"INV.echo"}},
		{"maxRetransmit dropped", "optional param fields echo too", "doc-strict",
			func(o *Observation) { o.Task.Param.MaxRetransmit = nil }, []string{"INV.echo"}},
		{"other app and name", "appId and taskName echo", "doc-strict",
			func(o *Observation) { o.Task.AppID, o.Task.TaskName = "app-2", "other" }, []string{"INV.echo"}},
		{"no create known", "without Sent, echo is not checked", "doc-strict",
			func(o *Observation) { o.Task.Timeout = 3600; o.Sent = nil }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := Observation{Task: baseTask(t), Sent: sentRequest(), CreatedAt: createdAt}
			o.Raw, _ = json.Marshal(o.Task)
			setRaw := o.Raw
			tc.mutate(&o)
			if o.Raw != nil && string(o.Raw) == string(setRaw) {
				o.Raw, _ = json.Marshal(o.Task) // the mutation changed the task, not its bytes
			}
			vs := CheckTask(mustProfile(t, tc.profile), o)
			got := map[string]bool{}
			for _, v := range vs {
				got[v.Requirement] = true
				if v.Source != SourceInvariant || v.Message == "" {
					t.Errorf("violation %+v lacks source or message", v)
				}
			}
			var ids []string
			for id := range got {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			if !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("%s: got %v, want %v\n%v", tc.reason, ids, tc.want, vs)
			}
		})
	}
}

func TestCheckTaskReportsEveryViolation(t *testing.T) {
	t.Parallel()
	o := Observation{Task: baseTask(t), Sent: sentRequest()}
	o.Task.Progress, o.Task.TaskFrom, o.Task.StartTime, o.Task.Timeout = 334, "Portal", "yesterday", 3600
	vs := CheckTask(mustProfile(t, "doc-strict"), o)
	if len(vs) != 4 {
		t.Fatalf("want 4 violations (progress, taskFrom, startTime, timeout echo), got %d: %v", len(vs), vs)
	}
}
