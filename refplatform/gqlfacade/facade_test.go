package gqlfacade

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeREST answers every call with a fixed status and body, and records the requests.
type fakeREST struct {
	status int
	body   string
	mu     sync.Mutex
	seen   []string
	bodies []string
}

func (f *fakeREST) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.seen = append(f.seen, fmt.Sprintf("%s %s key=%v auth=%v ct=%s", r.Method, r.URL.String(), r.Header.Values("App_key"), r.Header.Values("Authorization"), r.Header.Get("Content-Type")))
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	w.WriteHeader(f.status)
	_, _ = w.Write([]byte(f.body))
}

func serve(t *testing.T, rest http.Handler, faults Faults, query string, vars map[string]any, hdr http.Header) map[string]any {
	t.Helper()
	h, err := New(Options{REST: rest, TasksPath: "/tasks", DetailsPath: "/details", Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer %q: %v", rec.Body, err)
	}
	return m
}

// TestTranslate: how a REST answer becomes data or an error, including the shapes only a
// faulty REST side produces.
func TestTranslate(t *testing.T) {
	t.Parallel()
	q := `{ batchTask(taskId: "t1") { taskId progress } }`
	for _, c := range []struct {
		name, reason string
		status       int
		body         string
		want         string
	}{
		{"ok", "a 2xx object is data", 200, `{"taskId":"t1","progress":5}`,
			`{"data":{"batchTask":{"progress":5,"taskId":"t1"}}}`},
		{"created", "any 2xx is a success", 201, `{"taskId":"t1","progress":5}`,
			`{"data":{"batchTask":{"progress":5,"taskId":"t1"}}}`},
		{"error-200", "a 200 with error_code is an error with httpStatus 200", 200, `{"error_code":"105001","error_desc":"d"}`,
			`{"data":{"batchTask":null},"errors":[{"extensions":{"code":"105001","desc":"d","httpStatus":200},"locations":[{"column":3,"line":1}],"message":"d","path":["batchTask"]}]}`},
		{"numeric-code", "a numeric error_code is rendered as its digits", 404, `{"error_code":105005,"error_desc":"d"}`,
			`{"data":{"batchTask":null},"errors":[{"extensions":{"code":"105005","desc":"d","httpStatus":404},"locations":[{"column":3,"line":1}],"message":"d","path":["batchTask"]}]}`},
		{"no-code", "a body without error_code gives no code (nothing invented)", 404, `{"resultcode":"105005"}`,
			`{"data":{"batchTask":null},"errors":[{"extensions":{"httpStatus":404},"locations":[{"column":3,"line":1}],"message":"the platform answered HTTP 404","path":["batchTask"]}]}`},
		{"not-json", "a non-JSON body is the facade's internal error", 502, `<html>`,
			`{"data":{"batchTask":null},"errors":[{"extensions":{"code":"50252","desc":"Internal server error.","httpStatus":502},"locations":[{"column":3,"line":1}],"message":"Internal server error.","path":["batchTask"]}]}`},
		{"wrong-type", "a field of the wrong JSON type is the facade's internal error", 200, `{"taskId":7}`,
			`{"data":{"batchTask":null},"errors":[{"extensions":{"code":"50252","desc":"Internal server error.","httpStatus":200},"locations":[{"column":3,"line":1}],"message":"Internal server error.","path":["batchTask"]}]}`},
		{"missing-nonnull", "a non-null field the REST answer lacks is GraphQL's null error, nulling the parent", 200, `{"taskId":"t1"}`,
			`{"data":{"batchTask":null},"errors":[{"message":"cannot return null for non-null field BatchTask.progress (Int!): the model struct field was nil and the field has no resolver","path":["batchTask","progress"]}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := mustMarshal(t, serve(t, &fakeREST{status: c.status, body: c.body}, Faults{}, q, nil, nil))
			if got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.reason, got, c.want)
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRESTRequests: arguments become the REST query string or body; credentials pass
// through as sent (both values of a duplicated header); nulls and omitted fields are left
// out of the body while an empty list stays.
func TestRESTRequests(t *testing.T) {
	t.Parallel()
	rest := &fakeREST{status: 404, body: `{"error_code":"1","error_desc":"x"}`}
	hdr := http.Header{"App_key": {"k1", "k2"}, "Authorization": {"Bearer tok"}}
	serve(t, rest, Faults{}, `{ batchTask(taskId: "a b/c", appId: "app", select: "tags") { taskId } }`, nil, hdr)
	serve(t, rest, Faults{}, `{ taskDetails(taskId: "t", status: "Fail", pageNo: 0, pageSize: 250, deviceId: null) { pageNo } }`, nil, hdr)
	serve(t, rest, Faults{}, `mutation($in: CreateBatchTaskInput!) { createBatchTask(input: $in) { taskID } }`,
		map[string]any{"in": map[string]any{"appId": "a", "taskName": "n", "taskType": "DeviceCmd", "timeout": 10, "tags": []any{},
			"param": map[string]any{"type": "DeviceList", "deviceList": "dev-1", "model": nil,
				"command": map[string]any{"serviceId": "s", "method": "m", "paras": map[string]any{"x": nil, "n": 12345678901234}}}}}, hdr)
	want := []string{
		"GET /tasks/a%20b%2Fc?appId=app&select=tags key=[k1 k2] auth=[Bearer tok] ct=",
		"GET /details?pageNo=0&pageSize=250&status=Fail&taskId=t key=[k1 k2] auth=[Bearer tok] ct=",
		"POST /tasks key=[k1 k2] auth=[Bearer tok] ct=application/json",
	}
	if got := strings.Join(rest.seen, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("REST requests:\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	wantBody := `{"appId":"a","taskName":"n","taskType":"DeviceCmd","timeout":10,"param":{"type":"DeviceList","deviceList":["dev-1"],"command":{"serviceId":"s","method":"m","paras":{"n":12345678901234,"x":null}}},"tags":[]}`
	if len(rest.bodies) != 3 || rest.bodies[2] != wantBody {
		t.Errorf("create body %q,\nwant %s", rest.bodies, wantBody)
	}
}

// TestFaultRewrites: each facade fault rewrites only its own part of the answer, following
// aliases of batchTask.
func TestFaultRewrites(t *testing.T) {
	t.Parallel()
	ok := &fakeREST{status: 200, body: `{"taskId":"t1","operator":"op","progress":1000}`}
	q := `{ x: batchTask(taskId: "t1") { taskId operator progress } }`
	for _, c := range []struct {
		name, reason string
		faults       Faults
		rest         http.Handler
		want         string
	}{
		{"clean", "no fault: the answer as executed", Faults{}, ok,
			`{"data":{"x":{"taskId":"t1","operator":"op","progress":1000}}}`},
		{"renamed", "taskId answered as taskID", Faults{FieldRenamed: true}, ok,
			`{"data":{"x":{"operator":"op","progress":1000,"taskID":"t1"}}}`},
		{"nonnull", "operator null", Faults{NullableNonNull: true}, ok,
			`{"data":{"x":{"operator":null,"progress":1000,"taskId":"t1"}}}`},
		{"disagrees", "progress 1000 answered 999 (stays in range)", Faults{DataDisagrees: true}, ok,
			`{"data":{"x":{"operator":"op","progress":999,"taskId":"t1"}}}`},
		{"no-code", "the error's code removed", Faults{ErrorWithoutCode: true}, &fakeREST{status: 404, body: `{"error_code":"105005","error_desc":"d"}`},
			`{"errors":[{"message":"d","path":["x"],"locations":[{"line":1,"column":3}],"extensions":{"desc":"d","httpStatus":404}}],"data":{"x":null}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, err := New(Options{REST: c.rest, TasksPath: "/tasks", DetailsPath: "/details", Faults: c.faults})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(mustMarshal(t, map[string]string{"query": q})))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := strings.TrimSpace(rec.Body.String()); got != c.want {
				t.Errorf("%s:\n got %s\nwant %s", c.reason, got, c.want)
			}
		})
	}
}

// TestNewRejects: New needs a REST handler and both paths.
func TestNewRejects(t *testing.T) {
	t.Parallel()
	for _, o := range []Options{{}, {REST: &fakeREST{}}, {REST: &fakeREST{}, TasksPath: "/t"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// TestFaultsFor: names map to the facade's faults; others are ignored.
func TestFaultsFor(t *testing.T) {
	t.Parallel()
	got := FaultsFor(map[string]bool{FaultFieldRenamed: true, FaultDataDisagrees: true, "progress-percent": true})
	if got != (Faults{FieldRenamed: true, DataDisagrees: true}) {
		t.Errorf("FaultsFor: %+v", got)
	}
	for n := range Descriptions {
		if !FaultsFor(map[string]bool{n: true}).any() {
			t.Errorf("fault %s switches nothing on", n)
		}
	}
}
