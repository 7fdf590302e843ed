package loadtest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
)

// queryServer answers every query 200 {"taskId":...} after delay; serial makes it serve one
// request at a time.
func queryServer(t *testing.T, delay time.Duration, serial bool) Target {
	t.Helper()
	var mu sync.Mutex
	return startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		if r.Method == http.MethodPost {
			writeJSON(w, 200, map[string]string{"taskID": "task-1"})
			return
		}
		if serial {
			mu.Lock()
			defer mu.Unlock()
		}
		time.Sleep(delay)
		writeJSON(w, 200, map[string]string{"taskId": "task-1", "status": "Running"})
	}))
}

func TestSearchCapacitySustainsAndMerges(t *testing.T) {
	t.Parallel()
	tgt := queryServer(t, 0, false)
	var file bytes.Buffer
	var progress strings.Builder
	validated := 0
	cfg := CapacityConfig{Rates: []float64{100, 200}, StepDuration: 300 * time.Millisecond, Results: &file, SLOp99: 10 * time.Second,
		ValidateEvery: 10, Progress: &progress,
		Validate: func(status int, body []byte) []batchcert.Violation { validated++; return nil }}
	res, viols, err := SearchCapacity(context.Background(), tgt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Timing on a shared 2-core machine varies (the SLO verdicts are tested on synthetic
	// results in TestStepVerdict): a step may fall short of its rate by being late, never send
	// more than planned.
	if len(res.Steps) == 0 || len(viols) != 0 {
		t.Fatalf("steps %+v violations %v: want steps and no violations", res.Steps, viols)
	}
	if len(res.Steps) == 1 {
		t.Skipf("the shared machine was too slow for 100 req/s: %+v", res.Steps[0])
	}
	total, wantValidated := 0, 0
	for i, planned := range []int{30, 60} {
		n := res.Steps[i].Requests
		if n > planned || n < planned/2 {
			t.Errorf("step %d sent %d requests, want at most and near %d (rate × duration)", i, n, planned)
		}
		total += n
		wantValidated += (n + 9) / 10
	}
	if validated != wantValidated {
		t.Errorf("validated %d responses, want one in 10 of each step's: %d", validated, wantValidated)
	}
	// The results file holds every request; merging it twice (as two generators' files)
	// doubles the count.
	rep, err := Merge(bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if int(rep.Metrics.Requests) != total || len(rep.Steps) != 2 || rep.Steps[1].Requests != res.Steps[1].Requests || rep.Steps[1].Rate != 200 {
		t.Errorf("merged %d requests, steps %+v; want %d in two steps", rep.Metrics.Requests, rep.Steps, total)
	}
	twice, err := Merge(bytes.NewReader(file.Bytes()), bytes.NewReader(file.Bytes()))
	if err != nil || int(twice.Metrics.Requests) != 2*total {
		t.Errorf("merging two files: %v, %d requests, want %d", err, twice.Metrics.Requests, 2*total)
	}
	if !strings.Contains(progress.String(), "capacity: step 200 req/s") {
		t.Errorf("progress lacks the step lines:\n%s", progress.String())
	}
}

func TestSearchCapacityMeasuresFromIntendedTime(t *testing.T) {
	t.Parallel()
	// One worker against a 20 ms server can send 50 req/s; at 100 req/s requests queue in
	// the generator. vegeta's latency stays ~20 ms; latency from the intended time grows.
	tgt := queryServer(t, 20*time.Millisecond, false)
	var file bytes.Buffer
	cfg := CapacityConfig{Rates: []float64{100}, StepDuration: 500 * time.Millisecond, MaxWorkers: 1, Workers: 1,
		SLOp99: 100 * time.Millisecond, Results: &file}
	res, _, err := SearchCapacity(context.Background(), tgt, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Steps[0]
	if st.OK || res.Sustained != 0 {
		t.Errorf("step %+v sustained; want it failed: the generator fell behind", st)
	}
	if st.P99 < 150*time.Millisecond {
		t.Errorf("p99 from the intended time %s, want the queueing (>150ms) included", st.P99)
	}
	rep, err := Merge(&file)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Steps[0].P99 < rep.Metrics.Latencies.P99+100*time.Millisecond {
		t.Errorf("vegeta p99 %s (service time), merged intended p99 %s: want the file to keep both",
			rep.Metrics.Latencies.P99, rep.Steps[0].P99)
	}
}

func TestSearchCapacityStopsAtFirstFailingStep(t *testing.T) {
	t.Parallel()
	tgt := queryServer(t, 0, false)
	bad := func(status int, body []byte) []batchcert.Violation {
		return []batchcert.Violation{{Source: "schema", Pointer: "/progress", Message: "missing"}}
	}
	res, viols, err := SearchCapacity(context.Background(), tgt, CapacityConfig{Rates: []float64{50, 100, 200},
		StepDuration: 100 * time.Millisecond, ValidateEvery: 1, Validate: bad})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) != 1 || res.Steps[0].OK || len(viols) == 0 || len(viols) > 10 {
		t.Errorf("steps %+v, %d violations: want one failed step and its (capped) violations", res.Steps, len(viols))
	}
}

func TestDescribeCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		reason  string
		cfg     CapacityConfig
		wantErr error
	}{
		{"over-throttle", "5 req/s exceeds 100 per 60 s", CapacityConfig{Rates: []float64{5}, DeclaredThrottle: 100.0 / 60}, ErrOverThrottle},
		{"allowed", "AllowOverThrottle lifts the guard", CapacityConfig{Rates: []float64{5}, DeclaredThrottle: 100.0 / 60, AllowOverThrottle: true}, nil},
		{"no-rates", "a search needs steps", CapacityConfig{}, nil},
		{"bad-rate", "a zero rate is no rate", CapacityConfig{Rates: []float64{0}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := DescribeCapacity(tc.cfg)
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("%s: err %v, want %v", tc.reason, err, tc.wantErr)
			case tc.name == "allowed" && (err != nil || p.MaxRequests != 50 || !strings.Contains(p.String(), "at most 5 req/s")):
				t.Errorf("%s: %v %q", tc.reason, err, p.String())
			case (tc.name == "no-rates" || tc.name == "bad-rate") && err == nil:
				t.Errorf("%s: no error", tc.reason)
			}
		})
	}
}

func TestSearchCapacityCancelKeepsPartial(t *testing.T) {
	t.Parallel()
	tgt := queryServer(t, 0, false)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, _, err := SearchCapacity(ctx, tgt, CapacityConfig{Rates: []float64{100}, StepDuration: 10 * time.Second})
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("err %v, want ErrPartial", err)
	}
	if time.Since(start) > 3*time.Second || len(res.Steps) != 1 || res.Steps[0].Requests == 0 {
		t.Errorf("stopped after %s with %+v: want a prompt stop keeping the requests sent", time.Since(start), res.Steps)
	}
}

func TestLinearRates(t *testing.T) {
	t.Parallel()
	got := LinearRates(100, 50, 3)
	if len(got) != 3 || got[0] != 100 || got[2] != 200 {
		t.Errorf("LinearRates(100, 50, 3) = %v", got)
	}
}

func TestStepVerdict(t *testing.T) {
	t.Parallel()
	base := time.Unix(1700000000, 0)
	tests := []struct {
		name    string
		reason  string
		lat     time.Duration // service latency of every request
		lag     time.Duration // how late each request was sent, beyond its intended time
		errEach int           // every errEach-th request fails (0: none)
		wantOK  bool
		wantP99 time.Duration
	}{
		{"fast", "1 ms answers on time hold a 50 ms SLO", time.Millisecond, 0, 0, true, time.Millisecond},
		{"late-sends", "sends 80 ms late count in the latency: the SLO fails", time.Millisecond, 80 * time.Millisecond, 0, false, 81 * time.Millisecond},
		{"errors", "2 % errors exceed the 1 % budget", time.Millisecond, 0, 50, false, time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStepStats(100)
			p := &intendedPacer{rate: 100, max: 1000, began: base}
			for i := range uint64(1000) {
				r := &vegeta.Result{Seq: i, Code: 200, Timestamp: p.intended(i).Add(tc.lag), Latency: tc.lat}
				if tc.errEach > 0 && int(i)%tc.errEach == 0 {
					r.Code, r.Error = 500, "500 Internal Server Error"
				}
				st.add(r, p.intended(i))
			}
			got := st.step(CapacityConfig{SLOp99: 50 * time.Millisecond, MaxErrorRate: 0.01})
			if got.OK != tc.wantOK || absDur(got.P99-tc.wantP99) > tc.wantP99/50 || got.Requests != 1000 {
				t.Errorf("%s: step %+v, want OK %v p99 %s", tc.reason, got, tc.wantOK, tc.wantP99)
			}
			if got.Achieved < 99.5 || got.Achieved > 100.5 {
				t.Errorf("%s: achieved %.2f req/s, want 100", tc.reason, got.Achieved)
			}
		})
	}
}
