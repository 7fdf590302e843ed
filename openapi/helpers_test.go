package openapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

const base = "http://127.0.0.1:8743"

// newValidator builds a Validator or stops the test.
func newValidator(t testing.TB, opts ...Option) *Validator {
	t.Helper()
	v, err := NewValidator(opts...)
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

// validCreate is a create body that conforms; cases change one thing in it.
func validCreate() map[string]any {
	return map[string]any{
		"appId":    "app-0001",
		"taskName": "t1",
		"taskType": "DeviceCmd",
		"timeout":  10,
		"param": map[string]any{
			"type":       "DeviceList",
			"deviceList": []any{"dev-1"},
			"command":    map[string]any{"serviceId": "S", "method": "M"},
		},
		"tags": []any{map[string]any{"tagName": "n", "tagValue": "v"}},
	}
}

// validTask is a query 200 body that conforms.
func validTask() map[string]any {
	return map[string]any{
		"appId": "app-0001", "taskId": "task-1", "taskName": "t1", "operator": "",
		"taskFrom": "Northbound", "taskType": "DeviceCmd", "status": "Running",
		"startTime": "20240102T030405Z", "timeout": 10, "progress": 500,
		"totalCnt": 2, "successCnt": 1, "failCnt": 0, "timeoutCnt": 0, "expiredCnt": 0,
		"completeCnt": 1, "successRate": 500,
		"param": map[string]any{
			"type": "Broadcast", "command": map[string]any{"serviceId": "S", "method": "M"},
		},
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

// authed builds a request with the batch-task headers set.
func authed(method, target string, body []byte) *http.Request {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.Header.Set("app_key", "app-0001")
	req.Header.Set("Authorization", "Bearer tok")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func createRequest(t testing.TB, body any) (*http.Request, []byte) {
	t.Helper()
	b := mustJSON(t, body)
	return authed(http.MethodPost, base+"/iocm/app/batchtask/v1.1.0/tasks", b), b
}

func queryRequest() *http.Request {
	return authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/tasks/task-1?appId=app-0001", nil)
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
}

// pointers lists the violations' pointers, for failure messages and assertions.
func pointers(vs batchcert.Violations) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Pointer
	}
	return out
}

// hasPointer reports whether some violation sits at pointer.
func hasPointer(vs batchcert.Violations, pointer string) bool {
	for _, v := range vs {
		if v.Pointer == pointer {
			return true
		}
	}
	return false
}

// set sets a value at a dotted path in a nested map.
func set(m map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		m = m[k].(map[string]any)
	}
	if value == nil {
		delete(m, keys[len(keys)-1])
		return
	}
	m[keys[len(keys)-1]] = value
}
