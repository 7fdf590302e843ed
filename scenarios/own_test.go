package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

// authTap sits between the suite and the reference: it counts the logins, refreshes and
// GraphQL posts it forwards, the 1010005 answers, and keeps every token an answer carries.
type authTap struct {
	mu                         sync.Mutex
	logins, refreshes, graphql int
	superseded                 int
	tokens                     []string
}

func (tp *authTap) start(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		tp.mu.Lock()
		defer tp.mu.Unlock()
		switch p := resp.Request.URL.Path; {
		case strings.HasSuffix(p, loginPath):
			tp.logins++
		case strings.HasSuffix(p, refreshPath):
			tp.refreshes++
		case strings.HasSuffix(p, "/graphql"):
			tp.graphql++
		}
		if bytes.Contains(body, []byte("1010005")) {
			tp.superseded++
		}
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for _, k := range []string{"accessToken", "refreshToken"} {
				if s, ok := m[k].(string); ok && s != "" {
					tp.tokens = append(tp.tokens, s)
				}
			}
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestOwnedLoginOverGraphQL is the suspected deadlock, played: over transport graphql, a
// scenario's own logins and refresh (sent under Auth.Own, alone and four at once) alternate
// with GraphQL batch-task calls of the same app, whose tokens come from the cache. Were
// anything between Own and adopt to ask the cache for that app's token, the step would ERROR
// with apiclient.ErrOwned, or wait for the lock until the context's generous deadline and
// leave the run INCOMPLETE. The cache adopts every own login instead of logging in over it:
// the reference sees only the scenario's logins, and no call meets a superseded token
// (1010005). No token the run was issued appears in its results.
func TestOwnedLoginOverGraphQL(t *testing.T) {
	tg := startReference(t)
	tap := &authTap{}
	tg.BaseURL = tap.start(t, tg.BaseURL)
	sc, err := ParseScenario("own-login.yaml", []byte(`name: own-login
description: own logins and refreshes between graphql calls of the same app
steps:
  - name: own login
    request:
      method: POST
      path: /iocm/app/sec/v1.1.0/login
      form: {appId: "{{.primaryAppId}}", secret: '{{secret "primary"}}'}
    expect:
      - {status: 200, schema: login-response, requirements: [RSP.login.accessToken]}
  - name: create over graphql
    request:
      method: POST
      path: /iocm/app/batchtask/v1.1.0/tasks
      body: {appId: "{{.primaryAppId}}", taskName: "own-{{uniq}}", taskType: DeviceCmd, timeout: 30,
             param: {type: DeviceList, deviceList: "{{.deviceIds}}", command: {serviceId: "{{.serviceId}}", method: "{{.method}}"}}}
    capture: {task: /taskID}
    expect:
      - {status: 200, success: true, requirements: [RSP.create.taskID]}
  - name: own refresh
    request:
      method: POST
      path: /iocm/app/sec/v1.1.0/refreshToken
      body: {appId: "{{.primaryAppId}}", secret: '{{secret "primary"}}', refreshToken: '{{refreshToken "primary"}}'}
    expect:
      - {status: 200, schema: login-response, requirements: [RSP.refresh.accessToken]}
  - name: query over graphql
    request: {method: GET, path: "/iocm/app/batchtask/v1.1.0/tasks/{{.task}}"}
    expect:
      - {status: 200, requirements: [RSP.create.taskID]}
  - name: own logins at once
    concurrent:
      count: 4
      request:
        method: POST
        path: /iocm/app/sec/v1.1.0/login
        form: {appId: "{{.primaryAppId}}", secret: '{{secret "primary"}}'}
      expect:
        - {status: 200, errorCode: none, min: 4, max: 4, requirements: [RSP.login.accessToken]}
  - name: query again over graphql
    request: {method: GET, path: /iocm/app/batchtask/v1.1.0/taskDetails, query: {taskId: "{{.task}}"}}
    expect:
      - {status: 200, requirements: [RSP.create.taskID]}
      - {name: shown, status: 299, requirements: [RSP.create.taskID]}
  - name: own login shown
    request:
      method: POST
      path: /iocm/app/sec/v1.1.0/login
      form: {appId: "{{.primaryAppId}}", secret: '{{secret "primary"}}'}
    expect:
      - {status: 200, requirements: [RSP.login.accessToken]}
      - {name: shown, status: 299, requirements: [RSP.login.accessToken]}
`))
	if err != nil {
		t.Fatal(err)
	}
	// Two expectations fail on purpose (known failures), so that the results show the
	// evidence of a GraphQL call and of an own login: the bearer token and the tokens answered.
	tg.KnownFailures = []KnownFailure{{Check: `^own-login/.*/shown$`, Reason: "evidence for the redaction check"}}
	deadline := errors.New("the test's deadline passed: a call waited for a lock")
	ctx, cancel := context.WithTimeoutCause(context.Background(), 2*time.Minute, deadline)
	defer cancel()
	res, err := Check(ctx, Config{Target: tg, Secrets: lookupSecret, Transport: TransportGraphQL,
		Scenarios: []*Scenario{sc}, Gate: batchcert.Gate{Coverage: batchcert.GateNone}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Incomplete {
		t.Fatalf("the run is incomplete: %s", res.IncompleteReason)
	}
	own, shown := 0, 0
	for _, c := range res.Checks {
		switch {
		case strings.HasSuffix(c.ID, "/shown"):
			shown++
			if c.Outcome != batchcert.KnownFail || len(c.Evidence) == 0 {
				t.Errorf("%s: %s with %d evidence, want KNOWN-FAIL with evidence", c.ID, c.Outcome, len(c.Evidence))
			}
		case strings.HasPrefix(c.ID, "own-login/"):
			own++
			if c.Outcome != batchcert.Pass {
				t.Errorf("%s: %s %s %v", c.ID, c.Outcome, c.Message, c.Violations)
			}
		case c.Outcome != batchcert.Pass && c.Outcome != batchcert.Skip:
			// The run's own checks (the cache's logins: none here) may skip.
			t.Errorf("%s: %s %s %v", c.ID, c.Outcome, c.Message, c.Violations)
		}
	}
	if own == 0 || shown != 2 {
		t.Errorf("the scenario made %d checks and %d shown, want some and 2", own, shown)
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if tap.logins != 6 || tap.refreshes != 1 {
		t.Errorf("the reference saw %d logins and %d refreshes, want the scenario's 6 and 1: the cache logged in over an own login",
			tap.logins, tap.refreshes)
	}
	if tap.graphql < 2 {
		t.Errorf("%d GraphQL posts: the batch-task calls did not go over the facade", tap.graphql)
	}
	if tap.superseded != 0 {
		t.Errorf("%d answers refused a superseded token (1010005): an own login was not adopted", tap.superseded)
	}
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if len(tap.tokens) < 14 {
		t.Errorf("the tap kept %d tokens, want both of each of the 7 answers", len(tap.tokens))
	}
	for _, tok := range tap.tokens {
		if bytes.Contains(out, []byte(tok)) {
			t.Errorf("the results quote an issued token")
			break
		}
	}
	if sec, _ := lookupSecret(secretName(tg.Apps.Primary)); bytes.Contains(out, []byte(sec)) {
		t.Errorf("the results quote the primary secret")
	}
}
