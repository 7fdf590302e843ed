package scenarios

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// BenchmarkValidateResponse measures the runner's per-response validation: OpenAPI, schema,
// error-body rules and, for a query answer, the invariants against the previous answer and
// what create was sent. Every iteration judges a body it has not seen (its operator differs),
// as live answers are, so no decode is remembered from one iteration to the next; the
// previous answer was decoded when it arrived, as in a run. Target: a median of 25 µs or
// less for query-200 (issue 13).
func BenchmarkValidateResponse(b *testing.B) {
	c, err := NewContract("doc-strict")
	if err != nil {
		b.Fatal(err)
	}
	s := &Suite{contract: c, redact: &redactor{}}
	r := s.newRunBare(&Scenario{Name: "bench"})
	sent := []byte(`{"appId":"app-primary","taskName":"n1","taskType":"DeviceCmd","timeout":10,"param":{"type":"DeviceList","deviceList":["d1","d2","d3"],"command":{"serviceId":"Switch","method":"SET"}}}`)
	body := []byte(`{"appId":"app-primary","taskId":"t-1","taskName":"n1","operator":"op-00000000","taskFrom":"Northbound","taskType":"DeviceCmd","status":"Running","startTime":"20260102T030405Z","timeout":10,"progress":333,"totalCnt":3,"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":333,"param":{"type":"DeviceList","deviceList":["d1","d2","d3"],"command":{"serviceId":"Switch","method":"SET"}}}`)
	r.tasks["t-1"] = &taskTrace{sent: sent, prev: body}
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/iocm/app/batchtask/v1.1.0/tasks/t-1", nil)
	req.Header.Set("app_key", "app-primary")
	req.Header.Set("Authorization", "Bearer x")
	var i uint32 // never reset: every body of every run is new
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
			at := bytes.Index(tc.body, []byte("op-0000"))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for b.Loop() {
				if at >= 0 {
					i++
					fresh := bytes.Clone(tc.body)
					hex.Encode(fresh[at+3:at+11], binary.BigEndian.AppendUint32(nil, i))
					ex.RespBody = fresh
				}
				r.validate(context.Background(), ex, false)
			}
			// CPU time, GC included, is what 100 % validation costs a load run, and unlike the
			// wall clock it does not grow when other processes share the cores.
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time (user + system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
