package refplatform

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// errorOf summarises an error answer: status, error_code and the body's keys.
func errorOf(t *testing.T, r response) string {
	m := r.json(t)
	return fmt.Sprintf("%d %v %s", r.status, m["error_code"], keys(m))
}

// unknownTask queries a taskId that does not exist.
func unknownTask(t *testing.T, e *env) string {
	return errorOf(t, e.query("app-primary", "nosuch", ""))
}

func errorDeviations() []deviation {
	long := func(n int) func(b map[string]any) {
		return func(b map[string]any) { b["taskName"] = strings.Repeat("n", n) }
	}
	return []deviation{
		{fault: FaultErrorBodyResultCode, reason: "resultcode/resultmsg body (AMB.7)",
			observe: unknownTask, clean: "404 105005 error_code,error_desc", faulty: "404 <nil> resultcode,resultmsg"},
		{fault: FaultErrorNoDesc, reason: "error_desc missing (RULE.error-body)",
			observe: unknownTask, clean: "404 105005 error_code,error_desc", faulty: "404 105005 error_code"},
		{fault: FaultErrorCodeNumeric, reason: "error_code is a JSON number (AMB.7)",
			observe: func(t *testing.T, e *env) string {
				return fmt.Sprintf("%T", e.query("app-primary", "nosuch", "").json(t)["error_code"])
			}, clean: "string", faulty: "float64"},
		{fault: FaultHTTP105005As400, reason: "unknown taskId answered 400",
			observe: unknownTask, clean: "404 105005 error_code,error_desc", faulty: "400 105005 error_code,error_desc"},
		{fault: FaultHTTP1010005As401, reason: "a wrong token answered 401",
			observe: func(t *testing.T, e *env) string {
				h := e.auth("app-primary")
				h.Set("Authorization", "Bearer wrong")
				return errorOf(t, e.do(http.MethodGet, PathTasks+"/nosuch", h, ""))
			}, clean: "403 1010005 error_code,error_desc", faulty: "401 1010005 error_code,error_desc"},
		{fault: FaultHTTP105001As403, reason: "the 11th unfinished task answered 403",
			observe: func(t *testing.T, e *env) string {
				for i := range 10 {
					e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint(i), nil))
				}
				return errorOf(t, e.create("app-primary", taskBody("app-primary", "11th", nil)))
			}, clean: "200 105001 error_code,error_desc", faulty: "403 105001 error_code,error_desc"},
		{fault: FaultCreate50252LongName, reason: "a valid 200-character taskName answered 500/50252",
			observe: createWith(long(200)), clean: "ok", faulty: CodeInternal},
		{fault: FaultTaskName257Accepted, reason: "taskName of 257 characters accepted",
			observe: createWith(long(257)), clean: CodeInputInvalid, faulty: "ok"},
		{fault: FaultTaskName256Rejected, reason: "taskName of 256 characters rejected",
			observe: createWith(long(256)), clean: "ok", faulty: CodeInputInvalid},
		{fault: FaultTimeout9Accepted, reason: "timeout 9 accepted",
			observe: createWith(func(b map[string]any) { b["timeout"] = 9 }), clean: CodeInputInvalid, faulty: "ok"},
		{fault: FaultTimeout2881Accepted, reason: "timeout 2881 accepted",
			observe: createWith(func(b map[string]any) { b["timeout"] = 2881 }), clean: CodeInputInvalid, faulty: "ok"},
		{fault: FaultMaxRetransmit4Accepted, reason: "maxRetransmit 4 accepted",
			observe: createWith(func(b map[string]any) { b["param"].(map[string]any)["maxRetransmit"] = 4 }),
			clean:   CodeInputInvalid, faulty: "ok"},
		{fault: FaultPageSize251Accepted, reason: "details pageSize 251 accepted",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "p", nil))
				return fmt.Sprint(e.details("app-primary", "pageSize=251&taskId="+id).status)
			}, clean: "400", faulty: "200"},
	}
}

func ruleDeviations() []deviation {
	tight := []Option{WithThrottle(ThrottleConfig{Limit: 5, Window: time.Minute, Type: ThrottleFixed})}
	return []deviation{
		{fault: FaultTaskLimit11, reason: "the 11th unfinished task admitted (AMB.10)",
			observe: func(t *testing.T, e *env) string {
				for i := range 10 {
					e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint(i), nil))
				}
				return outcome(t, e.create("app-primary", taskBody("app-primary", "11th", nil)))
			}, clean: CodeTaskLimit, faulty: "ok"},
		{fault: FaultTaskLimitNonAtomic, reason: "200 concurrent creates over-admit in one of 5 runs",
			opts: []Option{WithThrottle(ThrottleConfig{Limit: 1 << 20, Window: time.Minute, Type: ThrottleFixed})},
			observe: func(t *testing.T, e *env) string {
				for run := range 5 {
					e.srv.Reset()
					delete(e.tokens, "app-primary")
					if a, _, _ := raceHandler(t, e, 200, fmt.Sprint(run)); a > DefaultTaskLimit {
						return "over-admitted"
					}
				}
				return "held"
			}, clean: "held", faulty: "over-admitted"},
		{fault: FaultThrottle110, reason: "110 of 120 calls admitted in a window (AMB.9)",
			observe: func(t *testing.T, e *env) string { ok, _ := throttleCalls(e, 120); return fmt.Sprint(ok) },
			clean:   "100", faulty: "110"},
		{fault: FaultThrottleNeverResets, reason: "still throttled in the next window (AMB.9)", opts: tight,
			observe: func(t *testing.T, e *env) string {
				first, _ := throttleCalls(e, 7)
				e.advance(61 * time.Second)
				second, _ := throttleCalls(e, 3)
				return fmt.Sprint(first, " ", second)
			}, clean: "5 3", faulty: "5 0"},
		{fault: FaultThrottlePerToken, reason: "a new login gives a fresh quota (AMB.9)", opts: tight,
			observe: func(t *testing.T, e *env) string {
				first, _ := throttleCalls(e, 6)
				e.login("app-primary")
				second, _ := throttleCalls(e, 2)
				return fmt.Sprint(first, " ", second)
			}, clean: "5 0", faulty: "5 2"},
		{fault: FaultTaskNameDuplicate, reason: "a second task of the same name admitted (AMB.R9)",
			observe: func(t *testing.T, e *env) string {
				e.mustCreate("app-primary", taskBody("app-primary", "same", nil))
				return outcome(t, e.create("app-primary", taskBody("app-primary", "same", nil)))
			}, clean: CodeTaskNameExists, faulty: "ok"},
		{fault: FaultTokenNotSuperseded, reason: "the previous token still works after a new login (RULE.token-latest)",
			observe: func(t *testing.T, e *env) string {
				old := e.login("app-primary")
				e.login("app-primary")
				h := http.Header{"App_key": {"app-primary"}, "Authorization": {"Bearer " + old}}
				return fmt.Sprint(e.do(http.MethodGet, PathTasks+"/nosuch", h, "").status)
			}, clean: "403", faulty: "404"},
		{fault: FaultTokenNeverExpires, reason: "a token works 3601 s after login (RULE.token-expiry)",
			observe: func(t *testing.T, e *env) string {
				e.login("app-primary")
				e.advance(AccessTokenLifetime + time.Second)
				return fmt.Sprint(e.query("app-primary", "nosuch", "").status)
			}, clean: "403", faulty: "404"},
	}
}
