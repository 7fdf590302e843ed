package refplatform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// raceHandler fires n concurrent creates straight at the handler (no sockets, so 50 runs
// stay fast under -race) and counts admitted and 105001 answers.
func raceHandler(t *testing.T, e *env, n int, prefix string) (admitted, limited, other int) {
	t.Helper()
	h := e.auth("app-primary")
	handler := e.srv.Handler()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(taskBody("app-primary", fmt.Sprintf("%s-%d", prefix, i), nil))
			req := httptest.NewRequest(http.MethodPost, PathTasks, strings.NewReader(string(b)))
			req.Header = h.Clone()
			rec := httptest.NewRecorder()
			<-start
			handler.ServeHTTP(rec, req)
			var m map[string]string
			err := json.Unmarshal(rec.Body.Bytes(), &m)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && m["taskID"] != "":
				admitted++
			case err == nil && m["error_code"] == CodeTaskLimit:
				limited++
			default:
				other++
			}
		}()
	}
	close(start)
	wg.Wait()
	return admitted, limited, other
}

// raceCreates fires n concurrent creates of one-device tasks for app-primary and counts the
// admitted (taskID) and the 105001 answers.
func raceCreates(t *testing.T, e *env, client *http.Client, n int, prefix string) (admitted, limited, other int) {
	t.Helper()
	h := e.auth("app-primary")
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(taskBody("app-primary", fmt.Sprintf("%s-%d", prefix, i), nil))
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL()+PathTasks, strings.NewReader(string(b)))
			req.Header = h.Clone()
			resp, err := client.Do(req)
			var m map[string]string
			if err == nil {
				err = json.NewDecoder(resp.Body).Decode(&m)
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && m["taskID"] != "":
				admitted++
			case err == nil && m["error_code"] == CodeTaskLimit:
				limited++
			default:
				other++
			}
		}()
	}
	wg.Wait()
	return admitted, limited, other
}

func raceClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
}

// TestTaskLimitAtomic: 200 concurrent creates from an app with no unfinished task admit
// exactly 10, 50 times over (RULE.tasklimit, AMB.10); a completed task frees exactly one slot.
func TestTaskLimitAtomic(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithThrottle(ThrottleConfig{Limit: 1 << 30, Window: time.Minute, Type: ThrottleFixed}))
	client := raceClient()
	defer client.CloseIdleConnections()
	for run := range 50 {
		e.srv.Reset()
		delete(e.tokens, "app-primary")
		race := raceHandler
		if run < 2 { // twice over loopback HTTP too
			race = func(t *testing.T, e *env, n int, p string) (int, int, int) { return raceCreates(t, e, client, n, p) }
		}
		a, l, o := race(t, e, 200, fmt.Sprint("run", run))
		if a != 10 || l != 190 || o != 0 {
			t.Fatalf("run %d: admitted %d, limited %d, other %d; want 10, 190, 0", run, a, l, o)
		}
	}
	// dev-lone answers 3 s after the start: every task is then Complete and frees its slot.
	// One more task with a 20-minute device keeps exactly one slot in use after that.
	e.srv.Reset()
	delete(e.tokens, "app-primary")
	slow := e.mustCreate("app-primary", taskBody("app-primary", "slow", map[string]any{"type": "DeviceList", "deviceList": []string{"dev-slow"}}))
	for i := range 9 {
		e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint("fast", i), nil))
	}
	wantError(t, e.create("app-primary", taskBody("app-primary", "eleventh", nil)), OpCreate, 200, CodeTaskLimit)
	e.advance(3 * time.Second)
	if a, l, o := raceCreates(t, e, client, 50, "after"); a != 9 || l != 41 || o != 0 {
		t.Fatalf("after 9 completions: admitted %d, limited %d, other %d; want 9, 41, 0", a, l, o)
	}
	if s := e.view(slow).Status; s != StatusRunning {
		t.Fatalf("slow task %s, want Running", s)
	}
	// The limit is per app: app-secondary (created by primary on its behalf) still has room.
	e.mustCreate("app-primary", taskBody("app-secondary", "for-secondary", nil))
}

// TestTaskLimitPendingCounts: Pending tasks count as unfinished (AMB.10), and a Timeout frees
// the slot.
func TestTaskLimitPendingCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 10 {
		id := e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint("p", i), group("septet")))
		if s := e.view(id).Status; s != StatusPending {
			t.Fatalf("task %d is %s, want Pending", i, s)
		}
	}
	wantError(t, e.create("app-primary", taskBody("app-primary", "x", nil)), OpCreate, 200, CodeTaskLimit)
	e.advance(10 * time.Minute)
	e.mustCreate("app-primary", taskBody("app-primary", "x", nil))
}

// throttleCalls makes n queries of an unknown task at the current time and counts the
// throttled answers.
func throttleCalls(e *env, n int) (ok, throttled int) {
	for range n {
		r := e.query("app-primary", "nosuchtask", "")
		if r.status == http.StatusForbidden {
			throttled++
		} else {
			ok++
		}
	}
	return ok, throttled
}

// TestThrottleFixed: exactly Limit calls are accepted per window; the window opens at the
// first call after the previous one expired; throttled calls do not count (AMB.9).
func TestThrottleFixed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, WithThrottle(ThrottleConfig{Limit: 5, Window: time.Minute, Type: ThrottleFixed}))
	steps := []struct {
		advance time.Duration
		calls   int
		ok      int
		why     string
	}{
		{0, 8, 5, "the first window admits exactly 5"},
		{59 * time.Second, 3, 0, "still inside the window that opened at 0 s"},
		{time.Second, 7, 5, "a new window opens at 60 s"},
		{90 * time.Second, 2, 2, "a new window opens at the first call after 120 s, at 150 s"},
		{50 * time.Second, 4, 3, "200 s is inside the window opened at 150 s: 3 left"},
		{10 * time.Second, 5, 5, "210 s: the window opened at 150 s expired"},
	}
	for _, s := range steps {
		e.advance(s.advance)
		if ok, _ := throttleCalls(e, s.calls); ok != s.ok {
			t.Fatalf("%s: %d accepted, want %d", s.why, ok, s.ok)
		}
	}
	// Login is not throttled, and the throttle is per app.
	e.login("app-primary")
	if ok, _ := throttleCalls(e, 1); ok != 0 {
		t.Fatal("a new token reset the throttle")
	}
	if r := e.query("app-secondary", "nosuchtask", ""); r.status != http.StatusNotFound {
		t.Fatalf("another app throttled: %d %s", r.status, r.body)
	}
	if got := e.srv.Counters().Throttled; got != 10 {
		t.Fatalf("throttled counter %d, want 10", got)
	}
}

// TestThrottleSliding: never more than Limit calls in any Window-long span; with
// RejectedCount, throttled calls push the window on.
func TestThrottleSliding(t *testing.T) {
	t.Parallel()
	cfg := ThrottleConfig{Limit: 4, Window: 10 * time.Second, Type: ThrottleSliding}
	e := newEnv(t, WithThrottle(cfg))
	var accepted []time.Time
	for i := range 200 {
		// uneven steps of 0..2.9 s
		e.advance(time.Duration(i*7%30) * 100 * time.Millisecond)
		if ok, _ := throttleCalls(e, 1+i%3); ok > 0 {
			for range ok {
				accepted = append(accepted, e.clock.Now())
			}
		}
	}
	for i := range accepted {
		n := 0
		for j := i; j < len(accepted) && accepted[j].Sub(accepted[i]) < cfg.Window; j++ {
			n++
		}
		if n > cfg.Limit {
			t.Fatalf("%d calls accepted within %v from %v", n, cfg.Window, accepted[i])
		}
	}
	if len(accepted) < 100 {
		t.Fatalf("only %d calls accepted: the throttle is too strict", len(accepted))
	}

	cfg.RejectedCount = true
	e = newEnv(t, WithThrottle(cfg))
	if ok, _ := throttleCalls(e, 4); ok != 4 {
		t.Fatal("the first 4 calls must pass")
	}
	e.advance(9 * time.Second)
	throttleCalls(e, 4) // rejected, but counted: the window now ends at 19 s
	e.advance(5 * time.Second)
	if ok, _ := throttleCalls(e, 1); ok != 0 {
		t.Fatal("with rejectedCount, calls rejected at 9 s must still count at 14 s")
	}
}

// TestTokens: a new login supersedes the previous token, tokens expire after 3600 s, and
// refreshToken issues a new pair (AMB.R10, AMB.R5).
func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.login("app-primary")
	hdr := func(tok string) http.Header {
		return http.Header{"App_key": {"app-primary"}, "Authorization": {"Bearer " + tok}}
	}
	get := func(tok string) response { return e.do(http.MethodGet, PathTasks+"/nosuchtask", hdr(tok), "") }
	if r := get(first); r.status != http.StatusNotFound {
		t.Fatalf("fresh token: %d", r.status)
	}
	second := e.login("app-primary")
	wantError(t, get(first), OpQuery, 403, CodeTokenInvalid)
	if r := get(second); r.status != http.StatusNotFound {
		t.Fatalf("latest token: %d", r.status)
	}
	// app_key must match the token's app.
	h := hdr(second)
	h.Set("App_key", "app-secondary")
	wantError(t, e.do(http.MethodGet, PathTasks+"/nosuchtask", h, ""), OpQuery, 403, CodeTokenInvalid)

	e.advance(3599 * time.Second)
	if r := get(second); r.status != http.StatusNotFound {
		t.Fatalf("token at 3599 s: %d", r.status)
	}
	e.advance(time.Second)
	wantError(t, get(second), OpQuery, 403, CodeTokenInvalid)

	// Refresh with the latest refresh token.
	r := e.do(http.MethodPost, PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		url.Values{"appId": {"app-primary"}, "secret": {"primary-secret"}}.Encode())
	var lr LoginResponse
	if err := json.Unmarshal(r.body, &lr); err != nil || lr.ExpiresIn != 3600 || lr.TokenType != "bearer" || lr.Scope != "default" {
		t.Fatalf("login answer %s (%v)", r.body, err)
	}
	body := fmt.Sprintf(`{"appId":"app-primary","secret":"primary-secret","refreshToken":%q}`, lr.RefreshToken)
	r = e.do(http.MethodPost, PathRefresh, http.Header{"Content-Type": {"application/json"}}, body)
	var lr2 LoginResponse
	if err := json.Unmarshal(r.body, &lr2); err != nil || r.status != 200 || lr2.AccessToken == lr.AccessToken {
		t.Fatalf("refresh: %d %s (%v)", r.status, r.body, err)
	}
	wantError(t, get(lr.AccessToken), OpQuery, 403, CodeTokenInvalid)
	if r := get(lr2.AccessToken); r.status != http.StatusNotFound {
		t.Fatalf("refreshed token: %d", r.status)
	}
	// The old refresh token is superseded too.
	r = e.do(http.MethodPost, PathRefresh, http.Header{"Content-Type": {"application/json"}}, body)
	wantError(t, r, OpRefresh, 401, CodeBadSecret)
}
