package refplatform

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func init() { moreDeviations = append(moreDeviations, gapDeviations) }

// statusOutcome is an answer's HTTP status and error code (or "ok" for a created task).
func statusOutcome(t *testing.T, r response) string {
	return fmt.Sprint(r.status, "/", outcome(t, r))
}

// loginForm posts a login with the given form.
func loginForm(e *env, form url.Values) response {
	return e.do(http.MethodPost, PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
}

// bearer is app's headers with another access token.
func bearer(e *env, app, token string) http.Header {
	h := e.auth(app)
	h.Set("Authorization", "Bearer "+token)
	return h
}

// gapDeviations are the cases of the faults of faults_gaps.go.
func gapDeviations() []deviation {
	tight := []Option{WithThrottle(ThrottleConfig{Limit: 2, Window: time.Minute, Type: ThrottleFixed})}
	return []deviation{
		{fault: FaultThrottle429, reason: "the third call of a 2-call window is 429, its body still 1010009", opts: tight,
			observe: func(t *testing.T, e *env) string {
				throttleCalls(e, 2)
				return statusOutcome(t, e.query("app-primary", "nosuchtask", ""))
			}, clean: "403/1010009", faulty: "429/1010009"},
		{fault: FaultHTTP105002As409, reason: "a second task of one name is 409/105002",
			observe: func(t *testing.T, e *env) string {
				e.mustCreate("app-primary", taskBody("app-primary", "twice", nil))
				return statusOutcome(t, e.create("app-primary", taskBody("app-primary", "twice", nil)))
			}, clean: "200/105002", faulty: "409/105002"},
		{fault: FaultHTTP105201As409, reason: "the world's bound pair is 409/105201",
			observe: func(t *testing.T, e *env) string {
				return statusOutcome(t, e.create("app-primary", withTags("app-primary", "bound", Tag{Name: "region", Value: "eu-west"})))
			}, clean: "400/105201", faulty: "409/105201"},
		{fault: FaultDetailsNoTaskID404, reason: "details without taskId is 404/105005; without headers still 400/100019",
			observe: func(t *testing.T, e *env) string {
				bare := e.do(http.MethodGet, PathDetails, nil, "")
				return statusOutcome(t, e.details("app-primary", "pageNo=0")) + " " + statusOutcome(t, bare)
			}, clean: "400/100019 400/100019", faulty: "404/105005 400/100019"},
		{fault: FaultReadUnknownAppID404, reason: "query and details naming app-unknown are 404/105005; an unknown app_key still 403/100203",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "mine", nil))
				h := e.auth("app-primary")
				h.Set("App_key", "app-unknown")
				return strings.Join([]string{statusOutcome(t, e.query("app-primary", id, "appId=app-unknown")),
					statusOutcome(t, e.details("app-primary", "appId=app-unknown&taskId="+id)),
					statusOutcome(t, e.do(http.MethodGet, PathTasks+"/"+id, h, ""))}, " ")
			}, clean: "403/100203 403/100203 403/100203", faulty: "404/105005 404/105005 403/100203"},
		{fault: FaultLoginFrozenAllowed, reason: "the frozen app's login answers a token",
			observe: func(t *testing.T, e *env) string {
				r := loginForm(e, url.Values{"appId": {"app-frozen"}, "secret": {"frozen-secret"}})
				tok, _ := r.json(t)["accessToken"].(string)
				return fmt.Sprint(r.status, " ", tok != "")
			}, clean: "400 false", faulty: "200 true"},
		{fault: FaultLoginEmptyAs100208, reason: "a login without secret and a refresh without refreshToken are 401/100208",
			observe: func(t *testing.T, e *env) string {
				return statusOutcome(t, loginForm(e, url.Values{"appId": {"app-primary"}})) + " " +
					statusOutcome(t, refreshCall(e, "app-primary", ""))
			}, clean: "400/102202 400/102202", faulty: "401/100208 401/100208"},
		{fault: FaultRefreshKeepsOld, reason: "after a refresh, the token it replaced is still accepted",
			observe: func(t *testing.T, e *env) string {
				m := loginRaw(t, e, "app-primary")
				old, refresh := strings.Trim(string(m["accessToken"]), `"`), strings.Trim(string(m["refreshToken"]), `"`)
				r := refreshCall(e, "app-primary", refresh)
				return fmt.Sprint(r.status, " ", statusOutcome(t, e.do(http.MethodGet, PathTasks+"/nosuchtask", bearer(e, "app-primary", old), "")))
			}, clean: "200 403/1010005", faulty: "200 404/105005"},
		{fault: FaultRefreshTokenUnchecked, reason: "a refresh with a wrong refreshToken answers new tokens; a wrong secret is still refused",
			observe: func(t *testing.T, e *env) string {
				e.login("app-primary")
				wrongSecret := e.do(http.MethodPost, PathRefresh, http.Header{"Content-Type": {"application/json"}},
					`{"appId":"app-primary","secret":"nope","refreshToken":"wrong"}`)
				return fmt.Sprint(refreshCall(e, "app-primary", "wrong").status, " ", wrongSecret.status)
			}, clean: "401 401", faulty: "200 401"},
		{fault: FaultDetailsDeviceIDIgnored, reason: "the deviceId filter answers all three subtasks",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "three", threeDevices()))
				return detailsSummary(t, e, "app-primary", "taskId="+id+"&deviceId=dev-trio-2")
			}, clean: "1[dev-trio-2]", faulty: "3[dev-trio-1 dev-trio-2 dev-lone]"},
		{fault: FaultDetailsDeviceIDRenamed, reason: "a subtask's param names its device deviceID",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "one", nil))
				l, _ := e.details("app-primary", "taskId="+id).json(t)["taskDetails"].([]any)
				p, _ := l[0].(map[string]any)["param"].(map[string]any)
				return keys(p)
			}, clean: "commandId,deviceId", faulty: "commandId,deviceID"},
		{fault: FaultQueryTaskIDUpper, reason: "query answers taskID",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "one", nil))
				m := e.query("app-primary", id, "").json(t)
				return fmt.Sprint(m["taskId"] == id, " ", m["taskID"] == id)
			}, clean: "true false", faulty: "false true"},
		{fault: FaultQueryNoOperator, reason: "query answers no operator",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "one", nil))
				_, ok := e.query("app-primary", id, "").json(t)["operator"]
				return fmt.Sprint(ok)
			}, clean: "true", faulty: "false"},
		{fault: FaultReadsTextPlain, reason: "query and details are text/plain; create and errors keep JSON",
			observe: func(t *testing.T, e *env) string {
				c := e.create("app-primary", taskBody("app-primary", "one", nil))
				id := c.json(t)["taskID"].(string)
				return strings.Join([]string{c.header.Get("Content-Type"), e.query("app-primary", id, "").header.Get("Content-Type"),
					e.details("app-primary", "taskId="+id).header.Get("Content-Type"),
					e.query("app-primary", "nosuchtask", "").header.Get("Content-Type")}, " | ")
			}, clean: strings.Repeat(ContentType+" | ", 3) + ContentType,
			faulty: ContentType + " | text/plain; charset=utf-8 | text/plain; charset=utf-8 | " + ContentType},
		{fault: FaultPageNoNegativeZero, reason: "pageNo -1 answers page 0",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "one", nil))
				r := e.details("app-primary", "pageNo=-1&taskId="+id)
				if r.status != http.StatusOK {
					return statusOutcome(t, r)
				}
				return fmt.Sprint(r.status, " ", r.json(t)["pageNo"])
			}, clean: "400/100022", faulty: "200 0"},
		{fault: FaultDefaultPageSize10, reason: "without pageSize, a 10-subtask task answers a page of 10 with pageSize 10; 25 given still pages by 25",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "groups", map[string]any{"type": "GroupList", "groupList": []string{"septet", "trio"}}))
				d := e.details("app-primary", "taskId="+id).json(t)
				l, _ := d["taskDetails"].([]any)
				g, _ := e.details("app-primary", "pageSize=25&taskId="+id).json(t)["taskDetails"].([]any)
				return fmt.Sprint(d["pageSize"], " ", len(l), " ", len(g))
			}, clean: "25 10 10", faulty: "10 10 10"},
		{fault: FaultCreateUnknownAppIDCaller, reason: "a create for app-unknown creates a task of app-primary",
			observe: func(t *testing.T, e *env) string {
				r := e.create("app-primary", taskBody("app-unknown", "nobody", nil))
				if r.status != http.StatusOK || outcome(t, r) != "ok" {
					return statusOutcome(t, r)
				}
				return fmt.Sprint(e.query("app-primary", r.json(t)["taskID"].(string), "").json(t)["appId"])
			}, clean: "200/100203", faulty: "app-primary"},
		{fault: FaultCreateForeignAppIDCaller, reason: "a create for app-other creates a task of app-primary; one for app-secondary stays app-secondary's",
			observe: func(t *testing.T, e *env) string {
				r := e.create("app-primary", taskBody("app-other", "theirs", nil))
				sec := e.mustCreate("app-primary", taskBody("app-secondary", "acted-for", nil))
				owner := fmt.Sprint(e.query("app-primary", sec, "appId=app-secondary").json(t)["appId"])
				if r.status != http.StatusOK {
					return statusOutcome(t, r) + " " + owner
				}
				return fmt.Sprint(e.query("app-primary", r.json(t)["taskID"].(string), "").json(t)["appId"], " ", owner)
			}, clean: "403/100217 app-secondary", faulty: "app-primary app-secondary"},
		{fault: FaultTokenExpiresEarly, reason: "a token is refused 31 minutes after login; a new login's is accepted",
			observe: func(t *testing.T, e *env) string {
				e.login("app-primary")
				e.advance(31 * time.Minute)
				before := statusOutcome(t, e.query("app-primary", "nosuchtask", ""))
				e.login("app-primary")
				return before + " " + statusOutcome(t, e.query("app-primary", "nosuchtask", ""))
			}, clean: "404/105005 404/105005", faulty: "403/1010005 404/105005"},
		{fault: FaultStatusFilterCaseless, reason: "status=success is taken for Success; status=Finished is still refused",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "one", nil))
				e.advance(time.Minute)
				r := e.details("app-primary", "status=success&taskId="+id)
				first := statusOutcome(t, r)
				if r.status == http.StatusOK {
					first = fmt.Sprint(r.status, " ", r.json(t)["totalCount"])
				}
				return first + " " + statusOutcome(t, e.details("app-primary", "status=Finished&taskId="+id))
			}, clean: "400/100022 400/100022", faulty: "200 1 400/100022"},
		{fault: FaultDetailsCommandIDIgnored, reason: "the commandId filter answers all three subtasks",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "three", threeDevices()))
				l, _ := e.details("app-primary", "pageSize=1&taskId="+id).json(t)["taskDetails"].([]any)
				cmd := l[0].(map[string]any)["param"].(map[string]any)["commandId"].(string)
				return detailsSummary(t, e, "app-primary", "taskId="+id+"&commandId="+cmd)
			}, clean: "1[dev-trio-1]", faulty: "3[dev-trio-1 dev-trio-2 dev-lone]"},
		{fault: FaultDetailsTotalCountPage, reason: "3 subtasks in pages of 2: totalCount 2, then 1",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "three", threeDevices()))
				return detailsSummary(t, e, "app-primary", "pageSize=2&taskId="+id) + " " +
					detailsSummary(t, e, "app-primary", "pageSize=2&pageNo=1&taskId="+id)
			}, clean: "3[dev-trio-1 dev-trio-2] 3[dev-lone]", faulty: "2[dev-trio-1 dev-trio-2] 1[dev-lone]"},
		{fault: FaultSubtaskOutputObject, reason: "a successful subtask's output is an object",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "one", nil))
				e.advance(time.Minute)
				l, _ := e.details("app-primary", "taskId="+id).json(t)["taskDetails"].([]any)
				return fmt.Sprintf("%T", l[0].(map[string]any)["output"])
			}, clean: "string", faulty: "map[string]interface {}"},
		{fault: FaultLoginUnknownApp100203, reason: "an unknown app's login and refresh are 403/100203; a wrong secret still 401/100208",
			observe: func(t *testing.T, e *env) string {
				return strings.Join([]string{statusOutcome(t, loginForm(e, url.Values{"appId": {"app-unknown"}, "secret": {"x"}})),
					statusOutcome(t, e.do(http.MethodPost, PathRefresh, http.Header{"Content-Type": {"application/json"}},
						`{"appId":"app-unknown","secret":"x","refreshToken":"r"}`)),
					statusOutcome(t, loginForm(e, url.Values{"appId": {"app-primary"}, "secret": {"x"}}))}, " ")
			}, clean: "401/100208 401/100208 401/100208", faulty: "403/100203 403/100203 401/100208"},
		{fault: FaultAppKeyFromToken, reason: "app-secondary's token with app_key app-primary reads as app-secondary",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-secondary", taskBody("app-secondary", "theirs", nil))
				h := e.auth("app-secondary")
				h.Set("App_key", "app-primary")
				r := e.do(http.MethodGet, PathTasks+"/"+id, h, "")
				if r.status == http.StatusOK {
					return fmt.Sprint(r.status, " ", r.json(t)["appId"])
				}
				return statusOutcome(t, r)
			}, clean: "403/1010005", faulty: "200 app-secondary"},
		{fault: FaultBearerOptional, reason: "the bare token is accepted",
			observe: func(t *testing.T, e *env) string {
				h := e.auth("app-primary")
				h.Set("Authorization", e.tokens["app-primary"])
				return statusOutcome(t, e.do(http.MethodGet, PathTasks+"/nosuchtask", h, ""))
			}, clean: "403/1010005", faulty: "404/105005"},
		{fault: FaultActsForReadRefused, reason: "app-primary creates for app-secondary, but reading it naming app-secondary is 403/100217",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-secondary", "acted-for", nil))
				r := e.query("app-primary", id, "appId=app-secondary")
				if r.status == http.StatusOK {
					return fmt.Sprint(r.status, " ", r.json(t)["appId"])
				}
				return statusOutcome(t, r)
			}, clean: "200 app-secondary", faulty: "403/100217"},
		{fault: FaultTaskTypeCaseless, reason: "taskType devicecmd is accepted",
			observe: func(t *testing.T, e *env) string {
				b := taskBody("app-primary", "lower", nil)
				b["taskType"] = "devicecmd"
				return statusOutcome(t, e.create("app-primary", b))
			}, clean: "400/50400", faulty: "200/ok"},
		{fault: FaultDeviceTypeModelIgnored, reason: "WaterMeter/acme/WM-100 also reaches dev-retry (WM-200)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "wm", map[string]any{"type": "DeviceType",
					"deviceType": "WaterMeter", "manufacturerId": "acme", "model": "WM-100"}))
				return fmt.Sprint(e.query("app-primary", id, "").json(t)["totalCnt"])
			}, clean: "3", faulty: "4"},
		{fault: FaultUnknownTargetsSkipped, reason: "a list of a known and an unknown device (or group) creates a task on the known one; unknown alone is still 101001",
			observe: func(t *testing.T, e *env) string {
				mixed := taskBody("app-primary", "mixed", map[string]any{"type": "DeviceList", "deviceList": []string{"dev-lone", "dev-missing"}})
				groups := taskBody("app-primary", "groups", map[string]any{"type": "GroupList", "groupList": []string{"trio", "nosuch"}})
				alone := taskBody("app-primary", "alone", map[string]any{"type": "DeviceList", "deviceList": []string{"dev-missing"}})
				return strings.Join([]string{outcome(t, e.create("app-primary", mixed)), outcome(t, e.create("app-primary", groups)),
					outcome(t, e.create("app-primary", alone))}, " ")
			}, clean: "101001 101001 101001", faulty: "ok ok 101001"},
		{fault: FaultTimeoutStringCoerced, reason: "timeout \"60\" and maxRetransmit \"2\" are accepted; \"sixty\" is still refused",
			observe: outcomes(func(b map[string]any) { b["timeout"] = "60" }, paramSet("maxRetransmit", "2", false),
				func(b map[string]any) { b["timeout"] = "sixty" }),
			clean: "50400,50400,50400", faulty: "ok,ok,50400"},
		{fault: FaultDeviceListSingleString, reason: "deviceList \"dev-lone\" and groupList \"trio\" are accepted",
			observe: outcomes(paramSet("deviceList", "dev-lone", false),
				func(b map[string]any) {
					b["param"] = map[string]any{"type": "GroupList", "groupList": "trio", "command": b["param"].(map[string]any)["command"]}
				}),
			clean: "50400,50400", faulty: "ok,ok"},
		{fault: FaultTagValueCut1024, reason: "a 1025-character tagValue is accepted and answered cut to 1024",
			observe: func(t *testing.T, e *env) string {
				r := e.create("app-primary", withTags("app-primary", "long", Tag{Name: "floor", Value: strings.Repeat("v", 1025)}))
				if outcome(t, r) != "ok" {
					return outcome(t, r)
				}
				tags, _ := e.query("app-primary", r.json(t)["taskID"].(string), "select=tags").json(t)["tags"].([]any)
				return fmt.Sprint(len(tags[0].(map[string]any)["tagValue"].(string)))
			}, clean: "50400", faulty: "1024"},
		{fault: FaultReadForeignAppIDIgnored, reason: "naming app-other reads app-primary's own task; app-unknown is still 403/100203",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "mine", nil))
				return strings.Join([]string{fmt.Sprint(e.query("app-primary", id, "appId=app-other").status),
					fmt.Sprint(e.details("app-primary", "appId=app-other&taskId="+id).status),
					statusOutcome(t, e.query("app-primary", id, "appId=app-unknown"))}, " ")
			}, clean: "403 403 403/100203", faulty: "200 200 403/100203"},
		{fault: FaultSubtaskExpiredStatus, reason: "after the septet's timeout, its offline devices' subtasks are Expired",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "septet", group("septet")))
				e.advance(11 * time.Minute)
				l, _ := e.details("app-primary", "taskId="+id+"&deviceId=dev-sep-6").json(t)["taskDetails"].([]any)
				return fmt.Sprint(l[0].(map[string]any)["status"])
			}, clean: "Pending", faulty: "Expired"},
		{fault: FaultGatewayErrorsTextPlain, reason: "a bad token is answered text/plain, an unknown task still JSON",
			observe: func(t *testing.T, e *env) string {
				return e.do(http.MethodGet, PathTasks+"/nosuchtask", bearer(e, "app-primary", "nope"), "").header.Get("Content-Type") +
					" | " + e.query("app-primary", "nosuchtask", "").header.Get("Content-Type")
			}, clean: ContentType + " | " + ContentType, faulty: "text/plain; charset=utf-8 | " + ContentType},
		{fault: FaultTaskLimitPendingFree, reason: "ten Pending tasks on an offline device hold no slot: the 11th is admitted",
			observe: func(t *testing.T, e *env) string {
				for i := range DefaultTaskLimit {
					e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint("pending-", i), map[string]any{"type": "DeviceList", "deviceList": []string{"dev-sep-6"}}))
				}
				return outcome(t, e.create("app-primary", taskBody("app-primary", "eleventh", nil)))
			}, clean: "105001", faulty: "ok"},
		{fault: FaultTaskNameBytes, reason: "256 three-byte characters are refused; 256 ASCII ones still accepted",
			observe: outcomes(func(b map[string]any) { b["taskName"] = strings.Repeat("任", 256) },
				func(b map[string]any) { b["taskName"] = strings.Repeat("t", 256) }),
			clean: "ok,ok", faulty: "50400,ok"},
	}
}
