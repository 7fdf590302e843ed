package refplatform

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchServer is a platform on loopback with the throttle and task limit out of the way.
func benchServer(b *testing.B) (*Server, http.Header, *http.Client) {
	b.Helper()
	srv, err := New(WithThrottle(ThrottleConfig{Limit: 1 << 30, Window: time.Minute, Type: ThrottleFixed}),
		WithTaskLimit(1<<30), WithControlAddr(""))
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	resp, err := client.Post(srv.URL()+PathLogin, "application/x-www-form-urlencoded",
		strings.NewReader("appId=app-primary&secret=primary-secret"))
	if err != nil {
		b.Fatal(err)
	}
	var lr LoginResponse
	err = json.NewDecoder(resp.Body).Decode(&lr)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"App_key": {"app-primary"}, "Authorization": {"Bearer " + lr.AccessToken},
		"Content-Type": {"application/json"}}
	return srv, h, client
}

// latencies collects per-request latencies from parallel clients for a p99.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if len(l.all) == 0 {
		return
	}
	slices.Sort(l.all)
	b.ReportMetric(float64(l.all[len(l.all)*99/100].Microseconds()), "p99-µs")
}

func benchCalls(b *testing.B, client *http.Client, req func(i int64) *http.Request, want int) {
	var lat latencies
	var n, bad atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			resp, err := client.Do(req(n.Add(1)))
			if err != nil {
				bad.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				bad.Add(1)
			}
			mine = append(mine, time.Since(start))
		}
		lat.add(mine)
	})
	b.StopTimer()
	if bad.Load() > 0 {
		b.Fatalf("%d calls failed", bad.Load())
	}
	lat.report(b)
}

// BenchmarkQuery measures queryBatchTask over loopback HTTP (goal: >= 30,000 req/s on 2 cores).
func BenchmarkQuery(b *testing.B) {
	srv, h, client := benchServer(b)
	body := `{"appId":"app-primary","taskName":"bench","taskType":"DeviceCmd","timeout":10,"param":{"type":"GroupList","groupList":["trio"],"command":{"serviceId":"S","method":"M"}}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+PathTasks, strings.NewReader(body))
	req.Header = h
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	url := srv.URL() + PathTasks + "/" + m["taskID"] + "?select=tags"
	benchCalls(b, client, func(int64) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, url, nil)
		r.Header = h
		return r
	}, http.StatusOK)
}

// BenchmarkCreate measures createBatchTask over loopback HTTP.
func BenchmarkCreate(b *testing.B) {
	srv, h, client := benchServer(b)
	benchCalls(b, client, func(i int64) *http.Request {
		body := fmt.Sprintf(`{"appId":"app-primary","taskName":"b%d","taskType":"DeviceCmd","timeout":10,"param":{"type":"DeviceList","deviceList":["dev-lone"],"command":{"serviceId":"S","method":"M"}}}`, i)
		r, _ := http.NewRequest(http.MethodPost, srv.URL()+PathTasks, strings.NewReader(body))
		r.Header = h
		return r
	}, http.StatusOK)
}

// BenchmarkQueryHandler measures the query handler alone (no sockets, no client): the
// platform's own cost per call.
func BenchmarkQueryHandler(b *testing.B) {
	srv, err := New(WithThrottle(ThrottleConfig{Limit: 1 << 30, Window: time.Minute, Type: ThrottleFixed}))
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	st := srv.p.st.Load()
	pair := st.auth.issue("app-primary", srv.Now())
	req, _ := parseCreate([]byte(`{"appId":"app-primary","taskName":"bench","taskType":"DeviceCmd","timeout":10,"param":{"type":"GroupList","groupList":["trio"],"command":{"serviceId":"S","method":"M"}}}`), docLimits)
	tk, aerr := st.engine.create(req, "app-primary", srv.Now())
	if aerr != nil {
		b.Fatal(aerr)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, _ := http.NewRequest(http.MethodGet, PathTasks+"/"+tk.id+"?select=tags", nil)
			r.Header.Set("App_key", "app-primary")
			r.Header.Set("Authorization", "Bearer "+pair.access)
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(s int)           { d.status = s }
