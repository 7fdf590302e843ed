package scenarios

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// perOperationThrottle is a stand-in for a platform whose throttle keeps one quota per
// application and operation (create, query, details), a scope api-reference §3 item 9 leaves
// open (reading AMB.R15). It is the reference, with its own throttle out of reach, behind a
// proxy that throttles: 100 calls per 60 s of the reference's clock, a fixed window, throttled
// calls not counted, as the target declares.
func perOperationThrottle(t *testing.T) *Target {
	t.Helper()
	srv, err := refplatform.New(refplatform.WithClock(refplatform.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))),
		refplatform.WithThrottle(refplatform.ThrottleConfig{Limit: 1 << 20, Window: time.Minute, Type: refplatform.ThrottleFixed}))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	up, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	type window struct {
		start time.Time
		n     int
	}
	var mu sync.Mutex
	windows := map[string]*window{}
	admit := func(key string, now time.Time) bool {
		mu.Lock()
		defer mu.Unlock()
		w := windows[key]
		if w == nil || now.Sub(w.start) >= time.Minute {
			w = &window{start: now}
			windows[key] = w
		}
		if w.n >= refplatform.DefaultThrottle.Limit {
			return false
		}
		w.n++
		return true
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := ""
		switch p := r.URL.Path; {
		case r.Method == http.MethodPost && p == "/iocm/app/batchtask/v1.1.0/tasks":
			op = "create"
		case r.Method == http.MethodGet && strings.HasPrefix(p, "/iocm/app/batchtask/v1.1.0/tasks/"):
			op = "query"
		case r.Method == http.MethodGet && p == "/iocm/app/batchtask/v1.1.0/taskDetails":
			op = "details"
		}
		if now := srv.Now(); op != "" && !admit(r.Header.Get("app_key")+" "+op, now) {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error_code":"1010009","error_desc":"app throttle exceed."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	tg := ReferenceTarget()
	tg.BaseURL = front.URL
	tg.Control = &Control{URL: srv.ControlURL()}
	return tg
}

// TestThrottleScopePerOperation: a platform with a quota per operation passes quick-throttle
// under the lenient profile, the checks it decided naming AMB.R15; doc-strict refuses it
// naming the reading, not with a bare MUST.
func TestThrottleScopePerOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("plays quick-throttle twice")
	}
	t.Parallel()
	run := regexp.MustCompile("^quick-throttle$")
	lenient := checkWith(t, perOperationThrottle(t), "lenient", run)
	named := false
	for _, c := range lenient.Checks {
		if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored {
			t.Errorf("lenient: %s %s: %s", c.ID, c.Outcome, c.Message)
		}
		named = named || hasString(c.Readings, "AMB.R15")
	}
	if !named {
		t.Error("lenient: no check lists reading AMB.R15 among the readings that decided it")
	}
	strict := checkWith(t, perOperationThrottle(t), "doc-strict", run)
	refused := 0
	for _, c := range strict.Checks {
		if c.Outcome != batchcert.Fail {
			continue
		}
		if !strings.Contains(c.Message, "AMB.R15=operation") {
			t.Errorf("doc-strict: %s fails without naming the reading: %s", c.ID, c.Message)
		}
		refused++
	}
	if refused == 0 {
		t.Error("doc-strict: no check refused the per-operation quota")
	}
}
