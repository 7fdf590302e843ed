package refplatform

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

// view is the part of query's answer the lifecycle tests compare.
type view struct {
	Status                                                     string
	Progress, SuccessRate                                      int
	TotalCnt, SuccessCnt, FailCnt, TimeoutCnt, ExpiredCnt, Cnt int
}

func (e *env) view(id string) view {
	e.t.Helper()
	r := e.query("app-primary", id, "")
	if r.status != http.StatusOK {
		e.t.Fatalf("query: %d %s", r.status, r.body)
	}
	var v TaskView
	if err := json.Unmarshal(r.body, &v); err != nil {
		e.t.Fatal(err)
	}
	return view{Status: v.Status, Progress: v.Progress, SuccessRate: v.SuccessRate, TotalCnt: v.TotalCnt,
		SuccessCnt: v.SuccessCnt, FailCnt: v.FailCnt, TimeoutCnt: v.TimeoutCnt, ExpiredCnt: v.ExpiredCnt, Cnt: v.CompleteCnt}
}

// step is the expected view at an offset from the task's start.
type step struct {
	at   time.Duration
	why  string
	want view
}

func runSteps(t *testing.T, e *env, id string, steps []step) {
	t.Helper()
	var at time.Duration
	for _, s := range steps {
		e.advance(s.at - at)
		at = s.at
		if got := e.view(id); got != s.want {
			t.Fatalf("at %v (%s):\n got %+v\nwant %+v", s.at, s.why, got, s.want)
		}
	}
}

// TestLifecycleComplete drives the 3-device group to Complete: exact counters, permillages
// rounded down over totalCnt (AMB.3, AMB.5), Pending -> Running -> Complete (AMB.R8).
func TestLifecycleComplete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.mustCreate("app-primary", taskBody("app-primary", "trio", group("trio")))
	runSteps(t, e, id, []step{
		{0, "nothing delivered yet", view{Status: "Pending", TotalCnt: 3}},
		{2 * time.Second, "delivered to all three", view{Status: "Running", TotalCnt: 3}},
		{5 * time.Second, "dev-trio-1 succeeded (3 s latency)", view{Status: "Running", Progress: 333, SuccessRate: 333, TotalCnt: 3, SuccessCnt: 1, Cnt: 1}},
		{7 * time.Second, "dev-trio-3 failed", view{Status: "Running", Progress: 666, SuccessRate: 333, TotalCnt: 3, SuccessCnt: 1, FailCnt: 1, Cnt: 2}},
		{10 * time.Second, "dev-trio-2 succeeded: all final", view{Status: "Complete", Progress: 1000, SuccessRate: 666, TotalCnt: 3, SuccessCnt: 2, FailCnt: 1, Cnt: 3}},
		{59 * time.Minute, "a complete task never moves again", view{Status: "Complete", Progress: 1000, SuccessRate: 666, TotalCnt: 3, SuccessCnt: 2, FailCnt: 1, Cnt: 3}},
	})
}

// TestLifecycleTimeout drives the 7-device group to Timeout: WaitResult -> Timeout
// (timeoutCnt), Pending -> expired (expiredCnt) at startTime + timeout minutes (AMB.R8).
func TestLifecycleTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.mustCreate("app-primary", taskBody("app-primary", "septet", group("septet")))
	runSteps(t, e, id, []step{
		{time.Second, "nothing delivered yet", view{Status: "Pending", TotalCnt: 7}},
		{9 * time.Second, "4 answered, one never will, two offline", view{Status: "Running", Progress: 571, SuccessRate: 428, TotalCnt: 7, SuccessCnt: 3, FailCnt: 1, Cnt: 4}},
		{10*time.Minute - time.Second, "a second before the timeout", view{Status: "Running", Progress: 571, SuccessRate: 428, TotalCnt: 7, SuccessCnt: 3, FailCnt: 1, Cnt: 4}},
		{10 * time.Minute, "timed out", view{Status: "Timeout", Progress: 714, SuccessRate: 428, TotalCnt: 7, SuccessCnt: 3, FailCnt: 1, TimeoutCnt: 1, ExpiredCnt: 2, Cnt: 5}},
	})
	// Expired subtasks stay Pending in details (AMB.R8).
	var page DetailsPage
	r := e.details("app-primary", "taskId="+id+"&status=Pending")
	if err := json.Unmarshal(r.body, &page); err != nil || page.TotalCount != 2 {
		t.Fatalf("Pending subtasks after timeout: %s (%v)", r.body, err)
	}
	for _, s := range page.TaskDetails {
		if s.Param.DeviceID != "dev-sep-6" && s.Param.DeviceID != "dev-sep-7" {
			t.Errorf("unexpected Pending subtask %+v", s)
		}
	}
	r = e.details("app-primary", "taskId="+id+"&status=Timeout")
	if err := json.Unmarshal(r.body, &page); err != nil || page.TotalCount != 1 || page.TaskDetails[0].Param.DeviceID != "dev-sep-5" || page.TaskDetails[0].Error == "" {
		t.Fatalf("Timeout subtasks: %s (%v)", r.body, err)
	}
}

// TestRetransmit: a device that drops the first two deliveries gets the command only when
// maxRetransmit allows two retransmissions; otherwise it expires.
func TestRetransmit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		why  string
		max  int
		want view
	}{
		{"enough", "two retransmissions reach it at 62 s; it answers 1 s later", 2,
			view{Status: "Complete", Progress: 1000, SuccessRate: 1000, TotalCnt: 1, SuccessCnt: 1, Cnt: 1}},
		{"too-few", "one retransmission is dropped too: never delivered, expired", 1,
			view{Status: "Timeout", TotalCnt: 1, ExpiredCnt: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := group("retry")
			p["maxRetransmit"] = c.max
			id := e.mustCreate("app-primary", taskBody("app-primary", "r", p))
			e.advance(10 * time.Minute)
			if got := e.view(id); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestEveryTargetType: each of the six param types targets the documented devices.
func TestEveryTargetType(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		why   string
		param map[string]any
		total int
	}{
		{"DeviceList", "two ids, one repeated: one subtask per device", map[string]any{"type": "DeviceList", "deviceList": []string{"dev-lone", "dev-slow", "dev-lone"}}, 2},
		{"DeviceType", "WaterMeter/acme/WM-100 is the trio", map[string]any{"type": "DeviceType", "deviceType": "WaterMeter", "manufacturerId": "acme", "model": "WM-100"}, 3},
		{"DeviceArea", "field-b is the septet", map[string]any{"type": "DeviceArea", "deviceLocation": "field-b"}, 7},
		{"GroupList", "trio and retry by name", map[string]any{"type": "GroupList", "groupList": []string{"trio", "retry"}}, 4},
		{"GroupIdList", "the septet by id", map[string]any{"type": "GroupIdList", "groupList": []string{"grp-septet"}}, 7},
		{"Broadcast", "every device of the world", map[string]any{"type": "Broadcast"}, 13},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := e.mustCreate("app-primary", taskBody("app-primary", "x", c.param))
			if got := e.view(id).TotalCnt; got != c.total {
				t.Fatalf("totalCnt %d, want %d", got, c.total)
			}
		})
	}
}

// TestQueryEcho: query echoes create's input (INV.echo), timeout in minutes (AMB.2), taskId
// with a lower-case d (AMB.1), startTime compact UTC (AMB.11), taskFrom Northbound.
func TestQueryEcho(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := map[string]any{"type": "DeviceType", "deviceType": "WaterMeter", "manufacturerId": "acme",
		"model": "WM-100", "maxRetransmit": 0, "groupTag": "", "unknownField": true,
		"command": map[string]any{"serviceId": "Switch", "method": "ON", "paras": map[string]any{"b": 1, "a": "x"}}}
	body := taskBody("app-secondary", "echo", p)
	body["timeout"] = 2880
	body["tags"] = []Tag{{Name: "floor", Value: "3"}}
	id := e.mustCreate("app-primary", body)
	r := e.query("app-primary", id, "appId=app-secondary&select=tags")
	got := r.json(t)
	delete(p, "unknownField") // unknown fields are ignored, not echoed
	wantParam, _ := json.Marshal(p)
	var wantP any
	_ = json.Unmarshal(wantParam, &wantP)
	checks := map[string]any{"appId": "app-secondary", "taskId": id, "taskName": "echo", "operator": "app-primary",
		"taskFrom": "Northbound", "taskType": "DeviceCmd", "timeout": 2880.0, "startTime": "20240301T120000Z",
		"param": wantP, "tags": []any{map[string]any{"tagName": "floor", "tagValue": "3"}}}
	for k, want := range checks {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("%s = %#v, want %#v", k, got[k], want)
		}
	}
	if _, ok := e.query("app-primary", id, "appId=app-secondary").json(t)["tags"]; ok {
		t.Error("tags answered without select=tags")
	}
	// The tag pair is now bound: another task may not use it (AMB.R4).
	b2 := taskBody("app-primary", "other", nil)
	b2["tags"] = []Tag{{Name: "floor", Value: "3"}}
	wantError(t, e.create("app-primary", b2), OpCreate, 400, CodeTagUsed)
}

// TestDetailsPaging: pageNo/pageSize slice the filtered subtasks; filters by deviceId and
// commandId find one subtask.
func TestDetailsPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.mustCreate("app-primary", taskBody("app-primary", "b", map[string]any{"type": "Broadcast"}))
	page := func(q string) DetailsPage {
		var p DetailsPage
		r := e.details("app-primary", "taskId="+id+"&"+q)
		if err := json.Unmarshal(r.body, &p); err != nil || r.status != 200 {
			t.Fatalf("details %s: %d %s", q, r.status, r.body)
		}
		return p
	}
	if p := page(""); p.PageNo != 0 || p.PageSize != 25 || p.TotalCount != 13 || len(p.TaskDetails) != 13 {
		t.Fatalf("defaults: %+v", p)
	}
	if p := page("pageNo=2&pageSize=5"); p.TotalCount != 13 || len(p.TaskDetails) != 3 || p.TaskDetails[0].Param.DeviceID != "dev-retry" {
		t.Fatalf("third page of five: %+v", p)
	}
	if p := page("pageNo=99999999999&pageSize=250"); len(p.TaskDetails) != 0 {
		t.Fatalf("far page: %+v", p)
	}
	first := page("pageSize=1").TaskDetails[0].Param
	if p := page("commandId=" + first.CommandID); p.TotalCount != 1 || p.TaskDetails[0].Param != first {
		t.Fatalf("by commandId: %+v", p)
	}
	if p := page("deviceId=dev-lone"); p.TotalCount != 1 || p.TaskDetails[0].Param.DeviceID != "dev-lone" {
		t.Fatalf("by deviceId: %+v", p)
	}
}

// TestCallbacks: each final subtask result is POSTed once to callbackUrl.
func TestCallbacks(t *testing.T) {
	t.Parallel()
	got := make(chan CallbackBody, 16)
	fails := 1
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var cb CallbackBody
		if json.Unmarshal(b, &cb) != nil {
			t.Errorf("callback body %s", b)
		}
		if cb.DeviceID == "dev-trio-3" && fails > 0 { // the first attempt fails: retried
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		got <- cb
	}))
	defer hook.Close()
	e := newEnv(t)
	p := group("trio")
	p["callbackUrl"] = hook.URL + "/results"
	id := e.mustCreate("app-primary", taskBody("app-primary", "cb", p))
	e.advance(6 * time.Second)
	e.advance(10 * time.Second)
	seen := map[string]string{}
	deadline := time.After(10 * time.Second)
	for len(seen) < 3 {
		select {
		case cb := <-got:
			if cb.TaskID != id || seen[cb.DeviceID] != "" {
				t.Fatalf("unexpected callback %+v", cb)
			}
			seen[cb.DeviceID] = cb.Status
		case <-deadline:
			t.Fatalf("callbacks so far: %v", seen)
		}
	}
	want := map[string]string{"dev-trio-1": "Success", "dev-trio-2": "Success", "dev-trio-3": "Fail"}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("callbacks %v, want %v", seen, want)
	}
}
