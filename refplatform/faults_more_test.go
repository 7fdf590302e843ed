package refplatform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// outcomes creates one task per body change (each under its own name) and lists the
// outcomes, comma-separated.
func outcomes(changes ...func(b map[string]any)) func(*testing.T, *env) string {
	return func(t *testing.T, e *env) string {
		var out []string
		for i, change := range changes {
			b := taskBody("app-primary", fmt.Sprintf("body-%d", i), nil)
			change(b)
			out = append(out, outcome(t, e.create("app-primary", b)))
		}
		return strings.Join(out, ",")
	}
}

// paramSet changes one key of the body's param (absent: deletes it).
func paramSet(key string, v any, absent bool) func(b map[string]any) {
	return func(b map[string]any) {
		p := b["param"].(map[string]any)
		if absent {
			delete(p, key)
			return
		}
		p[key] = v
	}
}

// commandSet changes one key of the body's param.command.
func commandSet(key string, v any) func(b map[string]any) {
	return func(b map[string]any) { b["param"].(map[string]any)["command"].(map[string]any)[key] = v }
}

// loginRaw logs app in and answers the raw login body's fields.
func loginRaw(t *testing.T, e *env, app string) map[string]json.RawMessage {
	r := e.do(http.MethodPost, PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		url.Values{"appId": {app}, "secret": {secrets[app]}}.Encode())
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("login body %q: %v", r.body, err)
	}
	return m
}

// refresh posts a refreshToken call for app and answers the response.
func refreshCall(e *env, app, refreshToken string) response {
	b, _ := json.Marshal(map[string]string{"appId": app, "secret": secrets[app], "refreshToken": refreshToken})
	return e.do(http.MethodPost, PathRefresh, http.Header{"Content-Type": {"application/json"}}, string(b))
}

// tenTasks fills app-primary's task limit with dev-lone tasks (each Complete after 3 s).
func tenTasks(e *env) {
	for i := range DefaultTaskLimit {
		e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint("slot-", i), nil))
	}
}

func gatewayDeviations() []deviation {
	tagged := func(name string) map[string]any {
		b := taskBody("app-primary", name, nil)
		b["tags"] = []Tag{{Name: "floor", Value: "3"}}
		return b
	}
	return []deviation{
		{fault: FaultValidationLax, reason: "invalid bodies processed: no param and no deviceList find nothing (101001), the rest is created",
			observe: outcomes(
				func(b map[string]any) { delete(b, "param") },
				paramSet("command", nil, true),
				paramSet("deviceList", nil, true),
				func(b map[string]any) { b["timeout"] = "12" },
				func(b map[string]any) { b["taskName"] = strings.Repeat("n", 257) },
				paramSet("deviceList", []string{}, false),
			),
			clean:  "50400,50400,50400,50400,50400,50400",
			faulty: "101001,ok,101001,ok,ok,101001"},
		{fault: FaultEdgesRejected, reason: "timeout 2880, method of 128 and maxRetransmit 0 rejected",
			observe: outcomes(
				func(b map[string]any) { b["timeout"] = 2880 },
				commandSet("method", strings.Repeat("m", 128)),
				paramSet("maxRetransmit", 0, false),
			),
			clean: "ok,ok,ok", faulty: "50400,50400,50400"},
		{fault: FaultMissingHeader, reason: "a create without app_key answered 403/1010005 (AMB.R1)",
			observe: func(t *testing.T, e *env) string {
				h := e.auth("app-primary")
				h.Del("App_key")
				b, _ := json.Marshal(taskBody("app-primary", "h", nil))
				return errorOf(t, e.do(http.MethodPost, PathTasks, h, string(b)))
			}, clean: "400 50400 error_code,error_desc", faulty: "403 1010005 error_code,error_desc"},
		{fault: FaultNoRightsAllowed, reason: "app-norights creates a task (AMB.R7)",
			observe: func(t *testing.T, e *env) string {
				return outcome(t, e.create("app-norights", taskBody("app-norights", "n", nil)))
			}, clean: CodeNoRight, faulty: "ok"},
		{fault: FaultErrorsStatus500, reason: "an unknown taskId answered 500, code kept",
			observe: unknownTask, clean: "404 105005 error_code,error_desc", faulty: "500 105005 error_code,error_desc"},
		{fault: FaultHTTP500As502, reason: "an injected 500/100203 arrives as 502",
			observe: func(t *testing.T, e *env) string {
				if err := e.srv.SetFault(OpQuery, 1, http.StatusInternalServerError, CodeAppNotExist); err != nil {
					t.Fatal(err)
				}
				return unknownTask(t, e)
			}, clean: "500 100203 error_code,error_desc", faulty: "502 100203 error_code,error_desc"},
		{fault: FaultCreate201, reason: "a successful create answered 201",
			observe: func(t *testing.T, e *env) string {
				return fmt.Sprint(e.create("app-primary", taskBody("app-primary", "s", nil)).status)
			}, clean: "200", faulty: "201"},
		{fault: FaultDetailsNoTotalCount, reason: "details without totalCount",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", group("trio")))
				return keys(e.details("app-primary", "taskId="+id).json(t))
			}, clean: "pageNo,pageSize,taskDetails,totalCount", faulty: "pageNo,pageSize,taskDetails"},
		{fault: FaultDetailsPageClamped, reason: "pageNo 9 of size 2 answers the last page (the third subtask)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", group("trio")))
				m := e.details("app-primary", "pageNo=9&pageSize=2&taskId="+id).json(t)
				l, _ := m["taskDetails"].([]any)
				return fmt.Sprint(m["pageNo"], " ", len(l))
			}, clean: "9 0", faulty: "1 1"},
		{fault: FaultDetailsPageNoOneBased, reason: "the first page answered as pageNo 1",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", group("trio")))
				return fmt.Sprint(e.details("app-primary", "taskId="+id).json(t)["pageNo"])
			}, clean: "0", faulty: "1"},
		{fault: FaultPendingAsWaitResult, reason: "an undelivered subtask reported WaitResult (AMB.R8)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", nil))
				l, _ := e.details("app-primary", "taskId="+id).json(t)["taskDetails"].([]any)
				if len(l) != 1 {
					return fmt.Sprint(len(l), " subtasks")
				}
				return fmt.Sprint(l[0].(map[string]any)["status"])
			}, clean: StatusPending, faulty: StatusWaitResult},
		{fault: FaultQueryNoAppID, reason: "query answers no appId",
			observe: viewAt(nil, 0, func(v map[string]any) string { _, ok := v["appId"]; return fmt.Sprint(ok) }),
			clean:   "true", faulty: "false"},
		{fault: FaultTaskLimitSlotKept, reason: "the 11th task refused although the first 10 are Complete (AMB.10)",
			observe: func(t *testing.T, e *env) string {
				tenTasks(e)
				e.advance(10 * time.Second)
				return outcome(t, e.create("app-primary", taskBody("app-primary", "11th", nil)))
			}, clean: "ok", faulty: CodeTaskLimit},
		{fault: FaultTagPairNotBound, reason: "a second task uses the pair (floor, 3) again (AMB.R4)",
			observe: func(t *testing.T, e *env) string {
				e.mustCreate("app-primary", tagged("first"))
				return outcome(t, e.create("app-primary", tagged("second")))
			}, clean: CodeTagUsed, faulty: "ok"},
		{fault: FaultTaskNameUniqueGlobal, reason: "app-primary may not use a name app-other used (AMB.R9)",
			observe: func(t *testing.T, e *env) string {
				e.mustCreate("app-other", taskBody("app-other", "same", nil))
				return outcome(t, e.create("app-primary", taskBody("app-primary", "same", nil)))
			}, clean: "ok", faulty: CodeTaskNameExists},
	}
}

func tokenDeviations() []deviation {
	expiresIn := func(t *testing.T, e *env) string {
		m := loginRaw(t, e, "app-primary")
		var rt string
		_ = json.Unmarshal(m["refreshToken"], &rt)
		var r map[string]json.RawMessage
		if err := json.Unmarshal(refreshCall(e, "app-primary", rt).body, &r); err != nil {
			t.Fatalf("refresh body: %v", err)
		}
		return string(m["expiresIn"]) + " " + string(r["expiresIn"])
	}
	return []deviation{
		{fault: FaultExpiresInMillis, reason: "login and refresh answer expiresIn 3600000",
			observe: expiresIn, clean: "3600 3600", faulty: "3600000 3600000"},
		{fault: FaultExpiresInString, reason: "login and refresh answer expiresIn \"3600\"",
			observe: expiresIn, clean: "3600 3600", faulty: `"3600" "3600"`},
		{fault: FaultLoginTokenReused, reason: "a second login answers the same access token (AMB.R10)",
			observe: func(t *testing.T, e *env) string {
				return fmt.Sprint(e.login("app-primary") == e.login("app-primary"))
			}, clean: "false", faulty: "true"},
		{fault: FaultRefreshAfterExpiry, reason: "a refresh 3601 s after login refused (RULE.token-expiry)",
			observe: func(t *testing.T, e *env) string {
				var rt string
				_ = json.Unmarshal(loginRaw(t, e, "app-primary")["refreshToken"], &rt)
				e.advance(AccessTokenLifetime + time.Second)
				return fmt.Sprint(refreshCall(e, "app-primary", rt).status)
			}, clean: "200", faulty: "401"},
	}
}
