package scenarios

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// brokenControl runs the reference platform with its control API behind a handler that
// answers path's calls with status and body instead, and returns the target profile.
func brokenControl(t *testing.T, path string, status int, body string) *Target {
	t.Helper()
	srv, err := refplatform.New(refplatform.WithClock(refplatform.NewManualClock(
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ctl := srv.ControlHandler()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			ctl.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(broken.Close)
	tg := ReferenceTarget()
	tg.BaseURL = srv.URL()
	tg.Control = &Control{URL: broken.URL}
	return tg
}

// TestPlatformClockReportsNowFailure: a control API whose /control/now fails makes the suite's
// platform clock say so on the progress stream; the zero time it leaves is no silent
// fallback.
func TestPlatformClockReportsNowFailure(t *testing.T) {
	for _, tc := range []struct {
		name, why   string
		status      int
		body, wants string
	}{
		{"500", "a refused read names the call and the status", 500, `{"error":"clock down"}`,
			`control: read the platform's clock: control GET /control/now: status 500: "clock down"`},
		{"garbage", "an answer that is no time is no time", 200, `<html>`,
			`control: read the platform's clock: control GET /control/now: status 200: "<html>": decode`},
		{"no time", "an answer without the time is refused", 200, `{"then":"2026-01-02T03:04:05Z"}`,
			`control GET /control/now: status 200: "{\"then\":\"2026-01-02T03:04:05Z\"}": no "now" time in the answer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := brokenControl(t, "/control/now", tc.status, tc.body)
			var progress bytes.Buffer
			s, err := NewSuite(context.Background(), Config{Target: tg, Secrets: lookupSecret, Progress: &progress})
			if err != nil {
				t.Fatal(err)
			}
			if now := s.platform.Now(); !now.IsZero() {
				t.Errorf("%s: Now gave %s from a failed read", tc.why, now)
			}
			if !strings.Contains(progress.String(), tc.wants) {
				t.Errorf("%s: progress %q, want a line with %q", tc.why, progress.String(), tc.wants)
			}
		})
	}
}

// TestControlStepFailureIsAnError: a control step or a wait the control API refuses is an
// ERROR check whose message names the call and the reference's answer.
func TestControlStepFailureIsAnError(t *testing.T) {
	tg := brokenControl(t, "/control/advance", http.StatusConflict, `{"error":"the clock is real time"}`)
	sc, err := ParseScenario("ctl.yaml", []byte(`name: ctl
description: control calls the control API refuses
steps:
  - name: advance
    control: {advance: 5}
  - name: pause
    wait: {seconds: 5}
  - name: fault
    control: {fault: {operation: createBatchTask, status: 500, code: "50252"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Scenarios: []*Scenario{sc},
		Gate: batchcert.Gate{Coverage: batchcert.GateNone}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]batchcert.Check{}
	for _, c := range res.Checks {
		got[c.ID] = c
	}
	want := `control POST /control/advance: status 409: "the clock is real time"`
	for _, id := range []string{"ctl/advance/control", "ctl/pause/wait"} {
		c, ok := got[id]
		if !ok || c.Outcome != batchcert.Errored || !strings.Contains(c.Message, want) {
			t.Errorf("%s: %s %q, want ERROR with %q", id, c.Outcome, c.Message, want)
		}
	}
	if _, ok := got["ctl/fault/control"]; ok {
		t.Errorf("the fault the reference accepted is an error: %+v", got["ctl/fault/control"])
	}
	if _, ok := got["ctl/setup/reset"]; ok {
		t.Errorf("the reset the reference accepted is an error: %+v", got["ctl/setup/reset"])
	}
}
