package refplatform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func init() { moreDeviations = append(moreDeviations, formatsDeviations) }

// rawMember is the JSON text of member key of a body, as written.
func rawMember(t *testing.T, r response, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is no JSON object: %v: %s", err, r.body)
	}
	return string(m[key])
}

func formatsDeviations() []deviation {
	return []deviation{
		{fault: FaultStartTimeLocal8h, reason: "a task created at 12:00:00 UTC reports startTime 20:00:00 labelled Z (INV.startTime-created)",
			observe: queryField(nil, 0, "", "startTime"), clean: "20240301T120000Z", faulty: "20240301T200000Z"},
		{fault: FaultErrorCharsetLatin1, reason: "an error answer (105005) carries charset=ISO-8859-1; a success answer keeps UTF-8 (RULE.content-type-charset)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "cs", nil))
				ok := e.query("app-primary", id, "")
				bad := e.query("app-primary", "0123456789abcdef01234567", "")
				return fmt.Sprint(ok.status, " ", ok.header.Get("Content-Type"), " ", bad.status, " ", bad.header.Get("Content-Type"))
			},
			clean: "200 " + ContentType + " 404 " + ContentType, faulty: "200 " + ContentType + " 404 " + ErrorCharsetLatin1},
		{fault: FaultCountersFloat, reason: "totalCnt 3 and timeout 10 are written 3.0 and 10.0 (RULE.integer-literal)",
			observe: func(t *testing.T, e *env) string {
				r := e.query("app-primary", e.mustCreate("app-primary", taskBody("app-primary", "f", group("trio"))), "")
				return rawMember(t, r, "totalCnt") + " " + rawMember(t, r, "timeout") + " " + rawMember(t, r, "taskName")
			}, clean: `3 10 "f"`, faulty: `3.0 10.0 "f"`},
		{fault: FaultProgressOver1000, reason: "1 of 3 subtasks done answers progress 1333, then 1000 when Complete (RSP.query.progress, INV.progress)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "p", group("trio")))
				e.advance(6 * time.Second)
				running := fmt.Sprint(e.query("app-primary", id, "").json(t)["progress"])
				e.advance(5 * time.Second)
				return running + " " + fmt.Sprint(e.query("app-primary", id, "").json(t)["progress"])
			}, clean: "333 1000", faulty: "1333 1000"},
		{fault: FaultDetailsErrorPlain, reason: "the failed subtask's error is its bare description, not {error_code, error_desc} (RULE.subtask-error-json)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", group("trio")))
				e.advance(11 * time.Second)
				l, _ := e.details("app-primary", "status=Fail&taskId="+id).json(t)["taskDetails"].([]any)
				if len(l) != 1 {
					return fmt.Sprintf("%d failed subtasks", len(l))
				}
				return fmt.Sprint(l[0].(map[string]any)["error"])
			},
			clean:  `{"error_code":"DEVICE_FAIL","error_desc":"The device failed to execute the command."}`,
			faulty: "The device failed to execute the command."},
	}
}

// TestDateFollowsPlatformClock: every answer, success or error, carries the platform's own
// time in its Date header (not the host's), so a client can relate startTime to it.
func TestDateFollowsPlatformClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.mustCreate("app-primary", taskBody("app-primary", "date", nil))
	e.advance(30 * time.Minute)
	ok := e.query("app-primary", id, "")
	bad := e.query("app-primary", "0123456789abcdef01234567", "")
	want := t0.Add(30 * time.Minute).Format(http.TimeFormat)
	for _, r := range []response{ok, bad} {
		if got := r.header.Get("Date"); got != want {
			t.Errorf("HTTP %d: Date %q, want the platform's %q", r.status, got, want)
		}
	}
	if st := ok.json(t)["startTime"]; st != "20240301T120000Z" {
		t.Errorf("startTime %v, want the creation time 20240301T120000Z", st)
	}
}
