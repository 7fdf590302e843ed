package loadtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

// Small fake platforms for the probes' tests: login, query and create, with a throttle on a
// clock shared with the probe, or a task limit that is atomic or racy.

// testFixture is the fakes' fixture: they accept any device and command.
var testFixture = Fixture{Devices: []string{"fx-device"}, ServiceID: "fx-service", Method: "fx-method", NoAnswerDevice: "fx-silent"}

var testApps = map[string]App{
	"primary":   {AppID: "app-primary", Secret: "primary-secret"},
	"secondary": {AppID: "app-secondary", Secret: "secondary-secret"},
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeCode(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error_code": code, "error_desc": desc})
}

// login answers the login call with a token naming the app; it reports whether it handled r.
func login(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != PathLogin {
		return false
	}
	if err := r.ParseForm(); err != nil {
		writeCode(w, 400, "102202", "bad form")
		return true
	}
	writeJSON(w, 200, map[string]any{"accessToken": "tok-" + r.PostForm.Get("appId"), "expiresIn": 3600})
	return true
}

func authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer tok-"+r.Header.Get("app_key")
}

// fakeThrottle is a throttle of Limit calls per Window per app_key.
type fakeThrottle struct {
	Clock         apiclient.Clock
	Limit         int
	Window        time.Duration
	Sliding       bool // a sliding log; else a fixed window aligned to the first call
	WallClock     bool // fixed windows aligned to the wall clock
	RejectedCount bool // throttled calls count against the quota
	Bucket        bool // a token bucket refilled Limit per Window
	BadBody       bool // throttled answers carry 429 and a numeric code
	Shared        bool // one quota for all apps: not isolated

	mu    sync.Mutex
	apps  map[string]*throttleState
	calls int
}

type throttleState struct {
	start  time.Time
	count  int
	log    []time.Time
	tokens float64
	last   time.Time
}

func (f *fakeThrottle) admit(app string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.apps == nil {
		f.apps = map[string]*throttleState{}
	}
	st, ok := f.apps[app]
	now := f.Clock.Now()
	if !ok {
		st = &throttleState{tokens: float64(f.Limit), last: now}
		f.apps[app] = st
	}
	switch {
	case f.Bucket:
		st.tokens = min(float64(f.Limit), st.tokens+float64(now.Sub(st.last))*float64(f.Limit)/float64(f.Window))
		st.last = now
		if st.tokens >= 1 {
			st.tokens--
			return true
		}
		return false
	case f.Sliding:
		keep := st.log[:0]
		for _, t := range st.log {
			if now.Sub(t) < f.Window {
				keep = append(keep, t)
			}
		}
		st.log = keep
		if len(st.log) < f.Limit {
			st.log = append(st.log, now)
			return true
		}
		if f.RejectedCount {
			st.log = append(st.log, now)
		}
		return false
	default:
		start := now
		if f.WallClock {
			start = now.Truncate(f.Window)
		}
		if st.start.IsZero() || !now.Before(st.start.Add(f.Window)) {
			st.start, st.count = start, 0
		}
		st.count++
		return st.count <= f.Limit
	}
}

func (f *fakeThrottle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if login(w, r) {
		return
	}
	if !authorized(r) {
		writeCode(w, 403, "1010005", "App_key or access_token is invalid.")
		return
	}
	key := r.Header.Get("app_key")
	if f.Shared {
		key = ""
	}
	if !f.admit(key) {
		if f.BadBody {
			writeJSON(w, 429, map[string]any{"error_code": 1010009, "error_desc": "app throttle exceed."})
			return
		}
		writeCode(w, 403, CodeThrottled, "app throttle exceed.")
		return
	}
	if strings.HasPrefix(r.URL.Path, PathTasks+"/") {
		writeCode(w, 404, "105005", "The batchTask is not existed.")
		return
	}
	writeCode(w, 404, "100022", "unknown path")
}

func startFake(t *testing.T, h http.Handler) Target {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Target{BaseURL: srv.URL, Client: srv.Client(), Apps: testApps, Fixture: testFixture}
}

// fakeTasks is a task-limit server: Limit unfinished tasks per app. Racy checks and inserts
// in two critical sections (the classic check-then-act race), and makes the race happen by
// construction: a barrier holds every create that passed the check until Limit+1 of them
// have, before any inserts, so Limit+1 or more are admitted whatever the scheduling. Extra
// admits that many more than Limit.
type fakeTasks struct {
	Limit int
	Racy  bool
	Extra int
	// FinishAfter finishes a task once it has been queried that many times (0: never).
	FinishAfter int
	queries     map[string]int

	mu    sync.Mutex
	tasks map[string]bool // taskID -> finished
	next  int
	// held counts the creates that passed the check since the last reset; open closes when
	// Limit+1 have (Racy).
	held int
	open chan struct{}
}

// barrierTimeout bounds the wait at the racy fake's barrier, so a probe that never sends
// Limit+1 creates at once fails its test instead of hanging it.
const barrierTimeout = time.Minute

func (f *fakeTasks) unfinished() int {
	n := 0
	for _, done := range f.tasks {
		if !done {
			n++
		}
	}
	return n
}

func (f *fakeTasks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if login(w, r) {
		return
	}
	switch {
	case r.URL.Path == "/control/reset":
		f.mu.Lock()
		f.tasks = map[string]bool{}
		f.held, f.open = 0, nil
		f.mu.Unlock()
		writeJSON(w, 200, map[string]string{})
		return
	case r.URL.Path == "/control/advance":
		// Any advance past the timeout finishes the oldest unfinished task: a task that
		// finishes frees exactly one slot.
		f.mu.Lock()
		for i := 0; i < f.next; i++ {
			id := fmt.Sprintf("task-%d", i)
			if done, ok := f.tasks[id]; ok && !done {
				f.tasks[id] = true
				break
			}
		}
		f.mu.Unlock()
		writeJSON(w, 200, map[string]string{})
		return
	case !authorized(r):
		writeCode(w, 403, "1010005", "App_key or access_token is invalid.")
		return
	case r.Method == http.MethodPost && r.URL.Path == PathTasks:
		f.create(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, PathTasks+"/"):
		id := strings.TrimPrefix(r.URL.Path, PathTasks+"/")
		f.mu.Lock()
		done, ok := f.tasks[id]
		if ok && !done && f.FinishAfter > 0 {
			if f.queries == nil {
				f.queries = map[string]int{}
			}
			if f.queries[id]++; f.queries[id] >= f.FinishAfter {
				f.tasks[id], done = true, true
			}
		}
		f.mu.Unlock()
		if !ok {
			writeCode(w, 404, "105005", "The batchTask is not existed.")
			return
		}
		status := "Running"
		if done {
			status = "Complete"
		}
		writeJSON(w, 200, map[string]string{"taskId": id, "status": status})
	default:
		writeCode(w, 404, "100022", "unknown path")
	}
}

func (f *fakeTasks) create(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	full := f.unfinished() >= f.Limit+f.Extra
	if f.Racy && !full {
		if f.open == nil {
			f.open = make(chan struct{})
		}
		open := f.open
		if f.held++; f.held == f.Limit+1 {
			close(open)
		}
		f.mu.Unlock()
		select {
		case <-open:
		case <-r.Context().Done():
			return
		case <-time.After(barrierTimeout):
			writeCode(w, 500, "50252", "racy fake: fewer than limit+1 concurrent creates reached the barrier")
			return
		}
		f.mu.Lock()
	}
	if full {
		f.mu.Unlock()
		writeCode(w, 200, CodeTaskLimit, "The batchTask count has reached the limit.")
		return
	}
	id := fmt.Sprintf("task-%d", f.next)
	f.next++
	if f.tasks == nil {
		f.tasks = map[string]bool{}
	}
	f.tasks[id] = false
	f.mu.Unlock()
	writeJSON(w, 200, map[string]string{"taskID": id})
}
