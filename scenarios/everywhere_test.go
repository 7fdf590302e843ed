package scenarios

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestEverywhereKills: each fault of a rule that binds at more than one operation or moment,
// and each fault of a refused call that still had an effect, fails at least two distinct MUST
// checks of the scenarios named, so one check's mistake never lets it through (issue 15,
// class 2). The scenarios run on the reference's controlled clock.
func TestEverywhereKills(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault, run, reason string
	}{
		{refplatform.FaultNoRightsAllowed, "errors-create|everywhere-rights", "the refused create and the pair it would have bound"},
		{refplatform.FaultRefreshAfterExpiry, "tokens", "the refresh and the token it answers"},
		{refplatform.FaultThrottleNeverResets, "quick-throttle", "query and details in the next window"},
		{refplatform.FaultThrottlePerToken, "quick-throttle", "query, details and create with a new token"},
		{refplatform.FaultTokenNeverExpires, "tokens", "query and details after expiry"},
		{refplatform.FaultTokenNotSuperseded, "security", "query, details and create with the superseded token"},
		{refplatform.FaultTaskLimitSlotKept, "quick-tasklimit", "two slots after the timeout"},
		{refplatform.FaultCreate50252LongName, "everywhere-names", "two creates with 200-character names"},
		{refplatform.FaultRefusedBindsTags, "everywhere-refused", "pairs of creates refused 50400, 105202 and 105201"},
		{refplatform.FaultRefusedTakesName, "everywhere-refused", "names of creates refused 101001 and 105201"},
		{refplatform.FaultThrottledCreateInserted, "quick-throttle", "names of two throttled creates"},
		{refplatform.FaultLimitRefusedInserted, "quick-tasklimit", "names of two creates refused 105001"},
		{refplatform.FaultDetailsExpiredToken, "tokens", "details after expiry, with and without appId"},
		{refplatform.FaultDetailsSupersededToken, "security", "details with the superseded token, with and without appId"},
		{refplatform.FaultTaskNameTruncated, "everywhere-names", "the second long name and query's answer"},
		{refplatform.FaultAuthThrottled, "quick-throttle", "the burst after the login, and the refresh"},
		{refplatform.FaultDetailsUncounted, "quick-throttle", "the details burst and the query after it"},
		{refplatform.FaultFinishedReleases, "everywhere-finished", "two finished tasks' names and one's pair"},
		{refplatform.FaultDetailsCrossApp, "security", "details of the secondary's task and of primary's, as another app"},
		{refplatform.FaultQueryUncounted, "quick-throttle", "the query burst and the calls after it"},
		{refplatform.FaultTaskLimitGlobal, "quick-tasklimit", "the race beside another app's task, and that app's create"},
		{refplatform.FaultRefusedRefreshRevokes, "everywhere-tokens", "the refresh token after each refused refresh"},
		{refplatform.FaultRefusedLoginRevokes, "everywhere-tokens", "the refresh token after each refused login"},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			tg := startReference(t, refplatform.WithFaults(c.fault))
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret,
				Run: regexp.MustCompile("^(" + c.run + ")$")})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, ch := range res.Checks {
				if ch.Severity == batchcert.Must && ch.Outcome == batchcert.Fail && !strings.HasPrefix(ch.ID, "parity/") {
					seen[ch.ID] = true
				}
			}
			if len(seen) < 2 {
				t.Errorf("fault %s (%s): %d failed MUST check(s) %v, want at least 2", c.fault, c.reason, len(seen), seen)
			}
		})
	}
}

// TestBurstNotRunBlocksTheRest: a race the run's budget cannot start (a task slot held past
// -max-wait) leaves the steps after it unrun: they expect the full task limit the race makes,
// and a correct platform whose limit is not full would admit them.
func TestBurstNotRunBlocksTheRest(t *testing.T) {
	var creates atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		switch {
		case strings.HasSuffix(r.URL.Path, "/login"):
			io.WriteString(w, `{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":"a1","refreshToken":"r1"}`)
		case r.Method == http.MethodPost:
			io.WriteString(w, `{"taskID":"t-`+string(rune('a'+creates.Add(1)))+`"}`)
		default:
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"status":"Running"}`)
		}
	}))
	defer srv.Close()
	tg := ReferenceTarget()
	tg.BaseURL, tg.Control, tg.GraphQL = srv.URL, nil, nil
	sc, err := ParseScenario("race.yaml", []byte(`name: race
description: a task holds a slot, so the race cannot start; the create after it expects a full limit
vars:
  body: &body {appId: "{{.primaryAppId}}", taskName: "n-{{uniq}}", taskType: DeviceCmd, timeout: 10,
               param: {type: DeviceList, deviceList: ["d1"], command: {serviceId: s, method: m}}}
steps:
  - name: hold a slot
    request: {method: POST, path: /iocm/app/batchtask/v1.1.0/tasks, body: *body}
    expect:
      - {status: 200, success: true, requirements: [RSP.create.taskID]}
  - name: race
    concurrent:
      count: 3
      request: {method: POST, path: /iocm/app/batchtask/v1.1.0/tasks, body: *body}
      expect:
        - {name: admitted, status: 200, errorCode: none, min: 3, max: 3, requirements: [RULE.tasklimit]}
  - name: over the limit
    request: {method: POST, path: /iocm/app/batchtask/v1.1.0/tasks, pace: false, body: *body}
    expect:
      - {status: 200, errorCode: "105001", requirements: [ERR.create.200.105001]}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Scenarios: []*Scenario{sc},
		Clock: f, MaxWait: time.Minute, Progress: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range res.Checks {
		if c.Scenario == "race" {
			got[c.ID] = string(c.Outcome)
			if c.ID == "race/over the limit/expect-1" && !strings.Contains(c.Message, `step "race" before it was not run`) {
				t.Errorf("%s: message %q does not name the race", c.ID, c.Message)
			}
		}
	}
	want := map[string]string{"race/hold a slot/expect-1": string(batchcert.Pass),
		"race/race/admitted": string(batchcert.Skip), "race/over the limit/expect-1": string(batchcert.Skip)}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %q, want %q (all: %v)", id, got[id], w, got)
		}
	}
	if n := creates.Load(); n != 1 {
		t.Errorf("%d creates sent, want 1: neither the race nor the step after it may be sent", n)
	}
}
