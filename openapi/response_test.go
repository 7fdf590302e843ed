package openapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestResponses(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	create := func() *http.Request { r, _ := createRequest(t, validCreate()); return r }
	details := func() *http.Request {
		return authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/taskDetails?taskId=t", nil)
	}
	login := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, base+"/iocm/app/sec/v1.1.0/login", nil)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	task := func(change func(map[string]any)) string {
		m := validTask()
		change(m)
		return string(mustJSON(t, m))
	}
	tests := []struct {
		name     string
		req      func() *http.Request
		status   int
		header   http.Header
		body     string
		pointers []string // nil: conforms
		reason   string
	}{
		{"create success", create, 200, jsonHeader(), `{"taskID":"x"}`, nil, "the table's answer"},
		{"create taskId", create, 200, jsonHeader(), `{"taskId":"x"}`, []string{"/taskID"}, "AMB.1 doc-strict: create answers taskID"},
		{"create 200 error row", create, 200, jsonHeader(), `{"error_code":"105001","error_desc":"limit"}`, nil, "AMB.6: 105001 comes with 200"},
		{"create 200 foreign code", create, 200, jsonHeader(), `{"error_code":"50400","error_desc":"bad"}`, []string{"/error_code"}, "50400 comes with 400, not 200"},
		{"create 200 both shapes", create, 200, jsonHeader(), `{"taskID":"x","error_code":"105001","error_desc":"d"}`, []string{""}, "a body is success or error, not both"},
		{"create 403 row", create, 403, jsonHeader(), `{"error_code":"1010009","error_desc":"app throttle exceed."}`, nil, "throttle row"},
		{"create 403 foreign code", create, 403, jsonHeader(), `{"error_code":"105001","error_desc":"x"}`, []string{"/error_code"}, "105001 is a 200 row"},
		{"create 500 100203", create, 500, jsonHeader(), `{"error_code":"100203","error_desc":"x"}`, nil, "AMB.6: 100203 with 500"},
		{"numeric error_code", create, 400, jsonHeader(), `{"error_code":50400,"error_desc":"x"}`, []string{"/error_code", "/error_code"}, "AMB.7 doc-strict: the code is a string (and so not in the enum)"},
		{"resultcode body", create, 403, jsonHeader(), `{"resultcode":"1010005","resultmsg":"x"}`, []string{"/error_code", "/error_desc"}, "AMB.7 doc-strict: lenient shape is a violation here"},
		{"unlisted status", create, 418, jsonHeader(), `{}`, []string{"status"}, "create lists 200, 400, 401, 403, 404, 500"},
		{"query 401 unlisted", queryRequest, 401, jsonHeader(), `{"error_code":"100028","error_desc":"x"}`, []string{"status"}, "query has no 401 row"},
		{"wrong content type", create, 200, http.Header{"Content-Type": {"text/html"}}, `<html>`, []string{"header/Content-Type"}, "RULE.content-type"},
		{"no content type", create, 200, http.Header{}, `{"taskID":"x"}`, []string{"header/Content-Type"}, "the body must say it is JSON"},
		{"not JSON", create, 200, jsonHeader(), `{"taskID":`, []string{"body"}, "a truncated body"},
		{"query ok", queryRequest, 200, jsonHeader(), task(func(map[string]any) {}), nil, "a conforming task"},
		{"query tags", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { m["tags"] = tag("n", "v") }), nil, "select=tags answer"},
		{"progress 1001", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { m["progress"] = 1001 }), []string{"/progress"}, "AMB.3 permille 0..1000"},
		{"successRate -1", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { m["successRate"] = -1 }), []string{"/successRate"}, "permille 0..1000"},
		{"negative counter", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { m["expiredCnt"] = -1 }), []string{"/expiredCnt"}, "counters >= 0"},
		{"rfc3339 startTime", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { m["startTime"] = "2024-01-02T03:04:05Z" }), []string{"/startTime"}, "AMB.11 compact form"},
		{"fileId param", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { m["param"] = map[string]any{"fileId": "f"} }), []string{"/param/type"}, "AMB.4: fileId is no ObjectNode"},
		{"query missing tags fine, missing operator not", queryRequest, 200, jsonHeader(), task(func(m map[string]any) { delete(m, "operator") }), []string{"/operator"}, "every field but tags is required"},
		{"several wrong fields", queryRequest, 200, jsonHeader(), task(func(m map[string]any) {
			m["progress"] = 1001
			m["status"] = "Done"
			m["taskFrom"] = "API"
			delete(m, "taskId")
		}), []string{"/progress", "/status", "/taskFrom", "/taskId"}, "MultiError: every violation, not the first"},
		{"query 404", queryRequest, 404, jsonHeader(), `{"error_code":"105005","error_desc":"The batchTask is not existed."}`, nil, "unknown taskId"},
		{"details ok", details, 200, jsonHeader(), `{"pageNo":0,"pageSize":25,"totalCount":1,"taskDetails":[{"status":"Success","output":"","error":"","param":{"deviceId":"d","commandId":"c"}}]}`, nil, "a page"},
		{"details bad status", details, 200, jsonHeader(), `{"pageNo":0,"pageSize":25,"totalCount":1,"taskDetails":[{"status":"Expired","param":{"deviceId":"d"}}]}`, []string{"/taskDetails/0/status"}, "AMB.R8: expired subtasks stay Pending"},
		{"details no deviceId", details, 200, jsonHeader(), `{"pageNo":0,"pageSize":25,"totalCount":1,"taskDetails":[{"status":"Pending","param":{}}]}`, []string{"/taskDetails/0/param/deviceId"}, "param carries deviceId"},
		{"login ok", login, 200, jsonHeader(), `{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":"a","refreshToken":"r"}`, nil, "§4"},
		{"login no accessToken", login, 200, jsonHeader(), `{"scope":"default","tokenType":"bearer","expiresIn":3600,"refreshToken":"r"}`, []string{"/accessToken"}, "RSP.login.accessToken"},
		{"login 401", login, 401, jsonHeader(), `{"error_code":"100208","error_desc":"AppId or secret is not right."}`, nil, "§4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vs := v.ValidateResponse(context.Background(), tc.req(), nil, tc.status, tc.header, []byte(tc.body))
			got := pointers(vs)
			if strings.Join(got, ",") != strings.Join(tc.pointers, ",") || len(got) != len(tc.pointers) {
				t.Fatalf("pointers = %q, want %q (%s); violations: %v", got, tc.pointers, tc.reason, vs)
			}
			for _, viol := range vs {
				if !strings.HasPrefix(viol.Message, "response") || viol.Source != Source || viol.Operation == "" {
					t.Errorf("violation is not labelled as a response one: %+v", viol)
				}
			}
		})
	}
}

func TestValidateExchangeReportsBothSides(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	body := validCreate()
	body["timeout"] = 5
	req, b := createRequest(t, body)
	vs := v.ValidateExchange(context.Background(), req, b, 200, jsonHeader(), []byte(`{"taskId":"x"}`))
	if len(vs) != 2 || vs[0].Pointer != "/timeout" || vs[1].Pointer != "/taskID" {
		t.Fatalf("want the request's /timeout then the response's /taskID, got %v", vs)
	}
	if !strings.HasPrefix(vs[0].Message, "request") || !strings.HasPrefix(vs[1].Message, "response") {
		t.Errorf("messages do not say which side: %q, %q", vs[0].Message, vs[1].Message)
	}
	if !strings.Contains(vs[1].Message, "taskID") {
		t.Errorf("message does not name the missing field: %q", vs[1].Message)
	}
}

// TestRequestNotMutated guards callers that reuse their request after validation.
func TestRequestNotMutated(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	req := authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/taskDetails?taskId=t", nil)
	before := req.URL.RawQuery
	_ = v.ValidateExchange(context.Background(), req, nil, 200, jsonHeader(), []byte(`{}`))
	if req.URL.RawQuery != before {
		t.Errorf("query changed from %q to %q (defaults must not be injected)", before, req.URL.RawQuery)
	}
}

func BenchmarkValidateQueryResponse(b *testing.B) {
	v := newValidator(b)
	body := mustJSON(b, validTask())
	req := queryRequest()
	h := jsonHeader()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if vs := v.ValidateResponse(ctx, req, nil, 200, h, body); len(vs) != 0 {
			b.Fatal(vs)
		}
	}
}
