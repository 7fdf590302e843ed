package refplatform

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestEveryErrorContext reaches every documented (operation, status, code) row, and the
// readings' rows of refresh and details, through the HTTP API.
func TestEveryErrorContext(t *testing.T) {
	t.Parallel()
	tight := WithThrottle(ThrottleConfig{Limit: 1, Window: time.Minute, Type: ThrottleFixed})
	badToken := func(e *env, app string) http.Header {
		h := e.auth(app)
		h.Set("Authorization", "Bearer not-the-token")
		return h
	}
	unknownKey := func(e *env) http.Header {
		h := e.auth("app-primary")
		h.Set("App_key", "app-unknown")
		return h
	}
	fault := func(e *env, op string, status int, code string) {
		if err := e.srv.SetFault(op, 1, status, code); err != nil {
			t.Fatal(err)
		}
	}
	someTask := func(e *env) string { return e.mustCreate("app-primary", taskBody("app-primary", "t", nil)) }
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	loginWith := func(e *env, app, secret string) response {
		return e.do(http.MethodPost, PathLogin, form, url.Values{"appId": {app}, "secret": {secret}}.Encode())
	}
	refreshWith := func(e *env, body string) response {
		return e.do(http.MethodPost, PathRefresh, http.Header{"Content-Type": {"application/json"}}, body)
	}
	cases := []struct {
		name   string
		why    string
		opts   []Option
		op     string
		status int
		code   string
		call   func(e *env) response
	}{
		{"create-200-100203", "body appId names no application (AMB.6)", nil, OpCreate, 200, CodeAppNotExist,
			func(e *env) response { return e.create("app-primary", taskBody("app-unknown", "t", nil)) }},
		{"create-200-101001", "a device id that does not exist (AMB.R3)", nil, OpCreate, 200, CodeResourceMissing,
			func(e *env) response {
				return e.create("app-primary", taskBody("app-primary", "t", map[string]any{"type": "DeviceList", "deviceList": []string{"dev-missing"}}))
			}},
		{"create-200-105001", "the 11th unfinished task (AMB.10)", nil, OpCreate, 200, CodeTaskLimit,
			func(e *env) response {
				for i := range 10 {
					e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint("t", i), nil))
				}
				return e.create("app-primary", taskBody("app-primary", "t10", nil))
			}},
		{"create-200-105002", "a task name the app already used (AMB.R9)", nil, OpCreate, 200, CodeTaskNameExists,
			func(e *env) response {
				someTask(e)
				return e.create("app-primary", taskBody("app-primary", "t", nil))
			}},
		{"create-400-105201", "a tag pair bound in the world (AMB.R4)", nil, OpCreate, 400, CodeTagUsed,
			func(e *env) response {
				b := taskBody("app-primary", "t", nil)
				b["tags"] = []Tag{{Name: "region", Value: "eu-west"}}
				return e.create("app-primary", b)
			}},
		{"create-400-50400", "timeout below 10 minutes", nil, OpCreate, 400, CodeInputInvalid,
			func(e *env) response {
				b := taskBody("app-primary", "t", nil)
				b["timeout"] = 5
				return e.create("app-primary", b)
			}},
		{"create-401-100028", "the calling app has no batch-task rights (AMB.R7)", nil, OpCreate, 401, CodeNoRight,
			func(e *env) response { return e.create("app-norights", taskBody("app-norights", "t", nil)) }},
		{"create-403-100203", "app_key names no application (AMB.6)", nil, OpCreate, 403, CodeAppNotExist,
			func(e *env) response { return e.do(http.MethodPost, PathTasks, unknownKey(e), `{}`) }},
		{"create-403-100217", "body appId of an app the caller may not act for (AMB.R7)", nil, OpCreate, 403, CodeAppNotAuthorized,
			func(e *env) response { return e.create("app-primary", taskBody("app-other", "t", nil)) }},
		{"create-403-1010009", "over the throttle (AMB.9)", []Option{tight}, OpCreate, 403, CodeThrottled,
			func(e *env) response {
				someTask(e)
				return e.create("app-primary", taskBody("app-primary", "t2", nil))
			}},
		{"create-403-1010005", "a wrong token (AMB.R1)", nil, OpCreate, 403, CodeTokenInvalid,
			func(e *env) response { return e.do(http.MethodPost, PathTasks, badToken(e, "app-primary"), `{}`) }},
		{"create-404-105202", "an unregistered tag name (AMB.R4)", nil, OpCreate, 404, CodeTagNotExist,
			func(e *env) response {
				b := taskBody("app-primary", "t", nil)
				b["tags"] = []Tag{{Name: "colour", Value: "red"}}
				return e.create("app-primary", b)
			}},
		{"create-500-100203", "the platform lost the application (fault injection only)", nil, OpCreate, 500, CodeAppNotExist,
			func(e *env) response {
				fault(e, OpCreate, 500, CodeAppNotExist)
				return e.create("app-primary", taskBody("app-primary", "t", nil))
			}},
		{"create-500-50252", "internal error (fault injection only)", nil, OpCreate, 500, CodeInternal,
			func(e *env) response {
				fault(e, OpCreate, 500, CodeInternal)
				return e.create("app-primary", taskBody("app-primary", "t", nil))
			}},
		{"query-400-100019", "no app_key header (AMB.R1)", nil, OpQuery, 400, CodeIllegalRequest,
			func(e *env) response {
				h := e.auth("app-primary")
				h.Del("App_key")
				return e.do(http.MethodGet, PathTasks+"/abc", h, "")
			}},
		{"query-400-100022", "select other than tags (AMB.R2)", nil, OpQuery, 400, CodeQueryInvalid,
			func(e *env) response { return e.query("app-primary", someTask(e), "select=all") }},
		{"query-403-100203-appId", "appId names no application (AMB.6)", nil, OpQuery, 403, CodeAppNotExist,
			func(e *env) response { return e.query("app-primary", someTask(e), "appId=app-unknown") }},
		{"query-403-100203-app_key", "app_key names no application (AMB.6)", nil, OpQuery, 403, CodeAppNotExist,
			func(e *env) response { return e.do(http.MethodGet, PathTasks+"/abc", unknownKey(e), "") }},
		{"query-403-100217", "appId of an app the caller may not act for (AMB.R7)", nil, OpQuery, 403, CodeAppNotAuthorized,
			func(e *env) response { return e.query("app-primary", someTask(e), "appId=app-other") }},
		{"query-403-1010009", "over the throttle (AMB.9)", []Option{tight}, OpQuery, 403, CodeThrottled,
			func(e *env) response { return e.query("app-primary", someTask(e), "") }},
		{"query-403-1010005", "a wrong token (AMB.R1)", nil, OpQuery, 403, CodeTokenInvalid,
			func(e *env) response { return e.do(http.MethodGet, PathTasks+"/abc", badToken(e, "app-primary"), "") }},
		{"query-404-105005", "an unknown taskId", nil, OpQuery, 404, CodeTaskNotExist,
			func(e *env) response { return e.query("app-primary", "0123456789abcdef", "") }},
		{"query-404-105005-other-owner", "a task of another app is not visible (AMB.R7)", nil, OpQuery, 404, CodeTaskNotExist,
			func(e *env) response { return e.query("app-secondary", someTask(e), "") }},
		{"query-500-100203", "the platform lost the application (fault injection only)", nil, OpQuery, 500, CodeAppNotExist,
			func(e *env) response {
				fault(e, OpQuery, 500, CodeAppNotExist)
				return e.query("app-primary", "abc", "")
			}},
		{"details-400-100019", "no taskId (AMB.R2)", nil, OpDetails, 400, CodeIllegalRequest,
			func(e *env) response { return e.details("app-primary", "pageNo=0") }},
		{"details-400-100022", "pageSize over 250 (AMB.R2)", nil, OpDetails, 400, CodeQueryInvalid,
			func(e *env) response { return e.details("app-primary", "taskId="+someTask(e)+"&pageSize=251") }},
		{"details-403-100203", "appId names no application (AMB.R6)", nil, OpDetails, 403, CodeAppNotExist,
			func(e *env) response { return e.details("app-primary", "taskId="+someTask(e)+"&appId=app-unknown") }},
		{"details-403-100217", "appId of an app the caller may not act for (AMB.R6)", nil, OpDetails, 403, CodeAppNotAuthorized,
			func(e *env) response { return e.details("app-primary", "taskId="+someTask(e)+"&appId=app-other") }},
		{"details-403-1010009", "over the throttle (AMB.9: details counts too)", []Option{tight}, OpDetails, 403, CodeThrottled,
			func(e *env) response { return e.details("app-primary", "taskId="+someTask(e)) }},
		{"details-403-1010005", "a wrong token (AMB.R6)", nil, OpDetails, 403, CodeTokenInvalid,
			func(e *env) response {
				return e.do(http.MethodGet, PathDetails+"?taskId=abc", badToken(e, "app-primary"), "")
			}},
		{"details-404-105005", "an unknown taskId (AMB.R6)", nil, OpDetails, 404, CodeTaskNotExist,
			func(e *env) response { return e.details("app-primary", "taskId=nosuchtask") }},
		{"details-500-100203", "fault injection only", nil, OpDetails, 500, CodeAppNotExist,
			func(e *env) response {
				fault(e, OpDetails, 500, CodeAppNotExist)
				return e.details("app-primary", "taskId=abc")
			}},
		{"login-400-100247", "a frozen application", nil, OpLogin, 400, CodeAppFrozen,
			func(e *env) response { return loginWith(e, "app-frozen", "frozen-secret") }},
		{"login-400-102202", "no secret", nil, OpLogin, 400, CodeParamEmpty,
			func(e *env) response { return loginWith(e, "app-primary", "") }},
		{"login-401-100208", "a wrong secret", nil, OpLogin, 401, CodeBadSecret,
			func(e *env) response { return loginWith(e, "app-primary", "nope") }},
		{"login-401-100208-unknown", "an unknown application", nil, OpLogin, 401, CodeBadSecret,
			func(e *env) response { return loginWith(e, "app-unknown", "nope") }},
		{"login-500-50252", "fault injection only", nil, OpLogin, 500, CodeInternal,
			func(e *env) response {
				fault(e, OpLogin, 500, CodeInternal)
				return loginWith(e, "app-primary", "primary-secret")
			}},
		{"refresh-400-102202", "no refreshToken (AMB.R5)", nil, OpRefresh, 400, CodeParamEmpty,
			func(e *env) response { return refreshWith(e, `{"appId":"app-primary","secret":"primary-secret"}`) }},
		{"refresh-400-102202-malformed", "malformed JSON (AMB.R5)", nil, OpRefresh, 400, CodeParamEmpty,
			func(e *env) response { return refreshWith(e, `{"appId":`) }},
		{"refresh-401-100208", "a wrong refresh token (AMB.R5)", nil, OpRefresh, 401, CodeBadSecret,
			func(e *env) response {
				e.login("app-primary")
				return refreshWith(e, `{"appId":"app-primary","secret":"primary-secret","refreshToken":"nope"}`)
			}},
		{"refresh-500-50252", "fault injection only", nil, OpRefresh, 500, CodeInternal,
			func(e *env) response {
				fault(e, OpRefresh, 500, CodeInternal)
				return refreshWith(e, `{}`)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, c.opts...)
			wantError(t, c.call(e), c.op, c.status, c.code)
		})
	}
}

// TestErrorCodesCovered guards the table above: every one of the 15 batch-task codes is
// answered by the platform somewhere.
func TestErrorCodesCovered(t *testing.T) {
	t.Parallel()
	want := []string{CodeIllegalRequest, CodeQueryInvalid, CodeNoRight, CodeAppNotExist,
		CodeAppNotAuthorized, CodeResourceMissing, CodeTaskLimit, CodeTaskNameExists, CodeTaskNotExist,
		CodeTagUsed, CodeTagNotExist, CodeTokenInvalid, CodeThrottled, CodeInternal, CodeInputInvalid}
	if len(want) != 15 {
		t.Fatalf("%d codes, want 15", len(want))
	}
	for _, c := range want {
		if Description(OpCreate, c) == "" && Description(OpQuery, c) == "" {
			t.Errorf("code %s has no description", c)
		}
	}
}
