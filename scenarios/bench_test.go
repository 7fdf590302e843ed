package scenarios

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkValidateResponse measures the runner's per-response validation: OpenAPI, schema,
// error-body rules and, for a query answer, the invariants against the previous answer and
// what create was sent.
func BenchmarkValidateResponse(b *testing.B) {
	c, err := NewContract("doc-strict")
	if err != nil {
		b.Fatal(err)
	}
	s := &Suite{contract: c, redact: &redactor{}}
	r := s.newRunBare(&Scenario{Name: "bench"})
	sent := []byte(`{"appId":"app-primary","taskName":"n1","taskType":"DeviceCmd","timeout":10,"param":{"type":"DeviceList","deviceList":["d1","d2","d3"],"command":{"serviceId":"Switch","method":"SET"}}}`)
	body := []byte(`{"appId":"app-primary","taskId":"t-1","taskName":"n1","operator":"app-primary","taskFrom":"Northbound","taskType":"DeviceCmd","status":"Running","startTime":"20260102T030405Z","timeout":10,"progress":333,"totalCnt":3,"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":333,"param":{"type":"DeviceList","deviceList":["d1","d2","d3"],"command":{"serviceId":"Switch","method":"SET"}}}`)
	r.tasks["t-1"] = &taskTrace{sent: sent, prev: body}
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/iocm/app/batchtask/v1.1.0/tasks/t-1", nil)
	req.Header.Set("app_key", "app-primary")
	req.Header.Set("Authorization", "Bearer x")
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
	}{
		{"query-200", 200, body},
		{"query-404", 404, []byte(`{"error_code":"105005","error_desc":"The batchTask is not existed."}`)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ex := &Exchange{Method: "GET", URL: req.URL.String(), ReqHeader: req.Header, Status: tc.status,
				RespHeader: http.Header{"Content-Type": {"application/json;charset=UTF-8"}}, RespBody: tc.body, request: req}
			if _, vs := r.validate(context.Background(), ex, false); len(vs) > 0 {
				b.Fatalf("conforming answer has violations: %v", vs)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r.validate(context.Background(), ex, false)
			}
		})
	}
}
