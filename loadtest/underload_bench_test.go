package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// queryAnswer is a conforming queryBatchTask answer of the size the reference gives.
const queryAnswer = `{"appId":"app-primary","taskId":"task-1","taskName":"n1","operator":"app-primary","taskFrom":"Northbound","taskType":"DeviceCmd","status":"Running","startTime":"20260102T030405Z","timeout":10,"progress":333,"totalCnt":3,"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":333,"param":{"type":"DeviceList","deviceList":["d1","d2","d3"],"command":{"serviceId":"S","method":"M"}}}`

// BenchmarkValidateUnderLoad runs one capacity step at 5,000 req/s with every answer
// validated (spec-level error-body rules, the batch-task schema: what load capacity's
// validator does) and reports what validation cost: validate-ns/answer, and validate-cores,
// the share of one core that validating at that rate takes. A step that cannot reach 5,000
// req/s on a shared machine reports the rate it reached. process-cpu-ns/req is the step's
// harness CPU per request, which here includes the in-process target's (TestFigures measures
// the generator alone, against a reference in another process).
//
//	go test -run - -bench ValidateUnderLoad -benchtime 1x ./loadtest
func BenchmarkValidateUnderLoad(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write([]byte(queryAnswer))
	}))
	defer srv.Close()
	set, err := contracts.Schemas()
	if err != nil {
		b.Fatal(err)
	}
	p, err := contracts.ProfileByName(contracts.DefaultProfile)
	if err != nil {
		b.Fatal(err)
	}
	validate := func(status int, body []byte) []batchcert.Violation {
		d := contracts.DecodeBody(body)
		schema := contracts.SchemaBatchTask
		if code, _, _, _ := contracts.ParseErrorBody(p, d); status != 200 || code != "" {
			schema = contracts.SchemaErrorBody
		}
		norm, _ := contracts.NormalizeBody(p, schema, d)
		return set.ValidateBody(schema, norm)
	}
	tgt := Target{BaseURL: srv.URL, Client: srv.Client(), Apps: testApps, Fixture: testFixture}
	for b.Loop() {
		res, vs, err := SearchCapacity(context.Background(), tgt, CapacityConfig{TaskID: "task-1", Rates: []float64{5000},
			StepDuration: 2 * time.Second, SLOp99: time.Minute, MaxErrorRate: 1, Validate: validate, ValidateEvery: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(vs) > 0 {
			b.Fatalf("a conforming answer broke the contract: %v", vs[0])
		}
		st := res.Steps[0]
		if st.Validated == 0 {
			b.Fatal("no answer validated")
		}
		perAnswer := st.Validation / time.Duration(st.Validated)
		b.ReportMetric(float64(perAnswer.Nanoseconds()), "validate-ns/answer")
		b.ReportMetric(perAnswer.Seconds()*5000, "validate-cores@5000")
		b.ReportMetric(st.Achieved, "req/s")
		b.ReportMetric(float64(st.HarnessCPU.Nanoseconds())/float64(st.Requests), "process-cpu-ns/req")
	}
}
