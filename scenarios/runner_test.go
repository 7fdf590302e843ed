package scenarios

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/contracts"
)

func TestRedact(t *testing.T) {
	r := &redactor{secrets: []string{"primary-secret"}}
	cases := []struct {
		name, reason, in, leak string
	}{
		{"form", "a login form carries the secret", "appId=app-primary&secret=primary-secret", "primary-secret"},
		{"form-unknown", "a secret the redactor was not told about is still a form secret", "appId=a&secret=s3cr3t", "s3cr3t"},
		{"json-tokens", "login answers carry both tokens",
			`{"accessToken":"at-123","refreshToken":"rt-456"}`, "at-123"},
		{"json-refresh", "refresh requests carry the refresh token", `{"refreshToken": "rt-456"}`, "rt-456"},
		{"bearer", "every call carries the access token", "Authorization: Bearer at-123\n", "at-123"},
		{"curl", "curl commands quote the header", `-H 'Authorization: Bearer at-123'`, "at-123"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if out := r.redact(tc.in); strings.Contains(out, tc.leak) {
				t.Errorf("%s: %q still holds %q", tc.reason, out, tc.leak)
			}
		})
	}
}

func TestEvidenceIsRedacted(t *testing.T) {
	r := &redactor{secrets: []string{"primary-secret"}}
	ex := &Exchange{Method: "POST", URL: "http://h/iocm/app/sec/v1.1.0/login",
		ReqHeader: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		ReqBody:   []byte("appId=app-primary&secret=primary-secret"), Status: 200,
		RespHeader: http.Header{"Content-Type": {"application/json"}},
		RespBody:   []byte(`{"accessToken":"at-123","refreshToken":"rt-456"}`)}
	e := r.evidence(ex)
	all := e.Request + e.Response + e.Curl
	for _, leak := range []string{"primary-secret", "at-123", "rt-456"} {
		if strings.Contains(all, leak) {
			t.Errorf("evidence holds %q:\n%s", leak, all)
		}
	}
	if !strings.HasPrefix(e.Curl, "curl ") || !strings.Contains(e.Curl, "--data-binary") {
		t.Errorf("curl %q does not repeat the request", e.Curl)
	}
}

// TestOneLoginPerApp proves concurrent requests of one app share one login: the platform keeps
// only the latest token, so parallel logins would invalidate each other (RULE.token-latest).
func TestOneLoginPerApp(t *testing.T) {
	var logins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		logins.Add(1)
		_, _ = w.Write([]byte(`{"accessToken":"a","refreshToken":"r","expiresIn":3600}`))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := &client{base: u, http: srv.Client(), limit: DefaultBodyLimit, timeout: DefaultRequestTimeout}
	c.auth = apiclient.NewAuth(c.authDo, map[string]apiclient.App{"primary": {AppID: "p", Secret: "s"}}, nil)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.auth.Token(context.Background(), "primary"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := logins.Load(); n != 1 {
		t.Errorf("%d logins for 32 concurrent requests, want 1", n)
	}
	c.auth.Invalidate("primary", "a")
	if _, err := c.auth.Token(context.Background(), "primary"); err != nil {
		t.Fatal(err)
	}
	if n := logins.Load(); n != 2 {
		t.Errorf("%d token calls after invalidation, want 2 (a refresh)", n)
	}
}

func TestMissingNeedsSkip(t *testing.T) {
	tg := startReference(t)
	tg.Control = nil
	tg.Apps.Frozen = nil
	fake := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	if fake.slept == 0 {
		t.Error("without control the pacer never waited, yet the suite makes more calls than the throttle admits")
	}
	byScenario := map[string]map[batchcert.Outcome]int{}
	for _, c := range res.Checks {
		if byScenario[c.Scenario] == nil {
			byScenario[c.Scenario] = map[batchcert.Outcome]int{}
		}
		byScenario[c.Scenario][c.Outcome]++
	}
	for _, sc := range []string{"lifecycle", "quick-throttle", "quick-tasklimit", "errors-faults", "tokens", "errors-login"} {
		o := byScenario[sc]
		if o[batchcert.Skip] == 0 || o[batchcert.Pass] != 0 {
			t.Errorf("%s needs what the target lacks, yet: %v", sc, o)
		}
	}
	if o := byScenario["errors-create"]; o[batchcert.Skip] != 0 || o[batchcert.Pass] == 0 {
		t.Errorf("errors-create needs nothing missing, yet: %v", o)
	}
}

// fakeClock is a clock that moves only when slept on.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.slept += d
	return nil
}

func TestKnownFailure(t *testing.T) {
	tg := startReference(t)
	// Declare an expectation the reference meets as failing, by asking for the wrong status.
	sc, err := ParseScenario("known.yaml", []byte(`name: known
description: a deliberately wrong expectation
steps:
  - name: unknown task
    request: {method: GET, path: /iocm/app/batchtask/v1.1.0/tasks/nope}
    expect:
      - {status: 200, requirements: [ERR.query.404.105005]}
      - {name: right, status: 404, requirements: [ERR.query.404.105005]}
`))
	if err != nil {
		t.Fatal(err)
	}
	tg.KnownFailures = []KnownFailure{{Check: `known/unknown task/expect-\d+`, Reason: "vendor ticket 42"}}
	// One scenario covers little of the catalog: the coverage gate is lifted to see the exception.
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Scenarios: []*Scenario{sc},
		Gate: batchcert.Gate{Coverage: batchcert.GateNone}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]batchcert.Outcome{}
	for _, c := range res.Checks {
		got[c.ID] = c.Outcome
	}
	if got["known/unknown task/expect-1"] != batchcert.KnownFail {
		t.Errorf("listed failure is %s, want KNOWN-FAIL", got["known/unknown task/expect-1"])
	}
	if got["known/unknown task/right"] != batchcert.Pass {
		t.Errorf("passing check is %s", got["known/unknown task/right"])
	}
	if res.Verdict != batchcert.ConformantWithExceptions || len(res.Exceptions) != 1 || res.Exceptions[0] != "known/unknown task/expect-1" {
		t.Errorf("verdict %s, exceptions %v: a known failure must make the target conformant with that exception", res.Verdict, res.Exceptions)
	}
}

func TestBoundariesFollowTheCatalog(t *testing.T) {
	ten, twenty := 10, 20
	reqs := []Requirement{
		{ID: "FLD.create.newField", Operation: "createBatchTask", Field: &FieldRule{In: "body", Path: "param.newField",
			Type: "integer", Required: true, Minimum: &ten, Maximum: &twenty}},
		{ID: "FLD.query.select", Operation: "queryBatchTask", Field: &FieldRule{In: "query", Path: "select", Type: "string"}},
	}
	scs := Boundaries(reqs)
	if len(scs) != 1 {
		t.Fatalf("%d scenarios, want 1 (only create body fields)", len(scs))
	}
	var names []string
	for _, st := range scs[0].Steps {
		names = append(names, st.Name)
		if st.Expect[0].Requirements[0] != "FLD.create.newField" {
			t.Errorf("%s proves %v", st.Name, st.Expect[0].Requirements)
		}
	}
	want := "value-9-min-minus-1 value-21-max-plus-1 missing wrong-type"
	if strings.Join(names, " ") != want {
		t.Errorf("cases %q, want %q", strings.Join(names, " "), want)
	}
	param := scs[0].Steps[0].Request.Body.(map[string]any)["param"].(map[string]any)
	if param["newField"] != 9 {
		t.Errorf("min-1 case sends %v", param["newField"])
	}
}

func TestSuiteRequirementsExistInCatalog(t *testing.T) {
	c, err := NewContract("")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range c.Requirements() {
		known[r.ID] = true
	}
	cat, err := contracts.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cat.Ambiguities() {
		known[a.ID] = true
	}
	scs, err := SuiteScenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		for _, st := range sc.all() {
			for _, e := range st.Expect {
				for _, id := range e.Requirements {
					if !known[id] {
						t.Errorf("%s: step %q: %s is not in the catalog", sc.File, st.Name, id)
					}
				}
			}
			if st.Concurrent != nil {
				for _, e := range st.Concurrent.Expect {
					for _, id := range e.Requirements {
						if !known[id] {
							t.Errorf("%s: step %q: %s is not in the catalog", sc.File, st.Name, id)
						}
					}
				}
			}
		}
	}
}
