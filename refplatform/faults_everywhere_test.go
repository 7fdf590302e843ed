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

func init() { moreDeviations = append(moreDeviations, everywhereDeviations) }

// withTags is a create body for app named name carrying tags.
func withTags(app, name string, tags ...Tag) map[string]any {
	b := taskBody(app, name, nil)
	b["tags"] = tags
	return b
}

// everywhereDeviations are the cases of the faults of faults_everywhere.go: each makes a refused
// call leave an effect, or a rule bind at one operation only.
func everywhereDeviations() []deviation {
	free := Tag{Name: "floor", Value: "free-1"}
	tight := []Option{WithThrottle(ThrottleConfig{Limit: 2, Window: time.Minute, Type: ThrottleFixed})}
	return []deviation{
		{fault: FaultRefusedBindsTags, reason: "a create refused 400/50400 and one refused 404/105202 bind their free pairs (RULE.refused-no-effect)",
			observe: func(t *testing.T, e *env) string {
				bad := withTags("app-primary", "bad", free)
				bad["timeout"] = 9
				first := outcome(t, e.create("app-primary", bad))
				second := outcome(t, e.create("app-primary", withTags("app-primary", "unknown", Tag{Name: "floor", Value: "free-2"}, Tag{Name: "nosuch", Value: "v"})))
				return strings.Join([]string{first, second,
					outcome(t, e.create("app-primary", withTags("app-primary", "later-1", free))),
					outcome(t, e.create("app-primary", withTags("app-primary", "later-2", Tag{Name: "floor", Value: "free-2"})))}, " ")
			}, clean: "50400 105202 ok ok", faulty: "50400 105202 105201 105201"},
		{fault: FaultRefusedTakesName, reason: "a create refused 101001 takes its name (RULE.refused-no-effect)",
			observe: func(t *testing.T, e *env) string {
				missing := taskBody("app-primary", "taken", map[string]any{"type": "DeviceList", "deviceList": []string{"dev-missing"}})
				return outcome(t, e.create("app-primary", missing)) + " " + outcome(t, e.create("app-primary", taskBody("app-primary", "taken", nil)))
			}, clean: "101001 ok", faulty: "101001 105002"},
		{fault: FaultThrottledCreateInserted, reason: "a throttled create's name is taken in the next window (RULE.refused-no-effect)", opts: tight,
			observe: func(t *testing.T, e *env) string {
				throttleCalls(e, 2)
				first := outcome(t, e.create("app-primary", taskBody("app-primary", "throttled", nil)))
				e.advance(time.Minute + time.Second)
				return first + " " + outcome(t, e.create("app-primary", taskBody("app-primary", "throttled", nil)))
			}, clean: "1010009 ok", faulty: "1010009 105002"},
		{fault: FaultLimitRefusedInserted, reason: "the 11th create, refused 105001, takes its name (RULE.refused-no-effect)",
			observe: func(t *testing.T, e *env) string {
				for i := range DefaultTaskLimit {
					e.mustCreate("app-primary", taskBody("app-primary", fmt.Sprint("fill-", i), map[string]any{"type": "DeviceList", "deviceList": []string{"dev-sep-5"}}))
				}
				first := outcome(t, e.create("app-primary", taskBody("app-primary", "over", nil)))
				e.advance(11 * time.Minute)
				return first + " " + outcome(t, e.create("app-primary", taskBody("app-primary", "over", nil)))
			}, clean: "105001 ok", faulty: "105001 105002"},
		{fault: FaultDetailsExpiredToken, reason: "an expired token is refused by query but accepted by details (RULE.token-expiry)",
			observe: func(t *testing.T, e *env) string {
				e.login("app-primary")
				e.advance(AccessTokenLifetime + time.Second)
				return fmt.Sprint(e.query("app-primary", "nosuch", "").status, " ", e.details("app-primary", "taskId=nosuch").status)
			}, clean: "403 403", faulty: "403 404"},
		{fault: FaultDetailsSupersededToken, reason: "a superseded token is refused by query but accepted by details (RULE.token-latest)",
			observe: func(t *testing.T, e *env) string {
				old := e.login("app-primary")
				e.login("app-primary")
				h := http.Header{"App_key": {"app-primary"}, "Authorization": {"Bearer " + old}}
				return fmt.Sprint(e.do(http.MethodGet, PathTasks+"/nosuch", h, "").status, " ",
					e.do(http.MethodGet, PathDetails+"?taskId=nosuch", h, "").status)
			}, clean: "403 403", faulty: "403 404"},
		{fault: FaultAuthThrottled, reason: "with the quota spent, a refresh and a login are refused 1010009 (RULE.throttle)", opts: tight,
			observe: func(t *testing.T, e *env) string {
				var at, rt string
				m := loginRaw(t, e, "app-primary")
				_ = json.Unmarshal(m["accessToken"], &at)
				_ = json.Unmarshal(m["refreshToken"], &rt)
				e.tokens["app-primary"] = at
				throttleCalls(e, 2)
				refreshed := refreshCall(e, "app-primary", rt).status
				login := e.do(http.MethodPost, PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
					url.Values{"appId": {"app-primary"}, "secret": {secrets["app-primary"]}}.Encode())
				return fmt.Sprint(refreshed, " ", login.status)
			}, clean: "200 200", faulty: "403 403"},
		{fault: FaultDetailsUncounted, reason: "two details calls leave the quota of 2 unspent: a query is still admitted (RULE.throttle)", opts: tight,
			observe: func(t *testing.T, e *env) string {
				a, b := e.details("app-primary", "taskId=nosuch").status, e.details("app-primary", "taskId=nosuch").status
				return fmt.Sprint(a, " ", b, " ", e.query("app-primary", "nosuch", "").status)
			}, clean: "404 404 403", faulty: "404 404 404"},
		{fault: FaultFinishedReleases, reason: "a Complete task's name and tag pair are free again (RULE.taskname-unique, AMB.R4)",
			observe: func(t *testing.T, e *env) string {
				e.mustCreate("app-primary", withTags("app-primary", "done", free))
				e.advance(5 * time.Second)
				return outcome(t, e.create("app-primary", taskBody("app-primary", "done", nil))) + " " +
					outcome(t, e.create("app-primary", withTags("app-primary", "other", free)))
			}, clean: "105002 105201", faulty: "ok ok"},
		{fault: FaultDetailsCrossApp, reason: "app-primary lists the subtasks of app-other's task; query still answers 404 (RULE.cross-app)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-other", taskBody("app-other", "theirs", nil))
				return fmt.Sprint(e.query("app-primary", id, "").status, " ", e.details("app-primary", "taskId="+id).status)
			}, clean: "404 404", faulty: "404 200"},
		{fault: FaultQueryUncounted, reason: "two queries leave the quota of 2 unspent: a details call is still admitted (RULE.throttle)", opts: tight,
			observe: func(t *testing.T, e *env) string {
				a, b := e.query("app-primary", "nosuch", "").status, e.query("app-primary", "nosuch", "").status
				return fmt.Sprint(a, " ", b, " ", e.details("app-primary", "taskId=nosuch").status)
			}, clean: "404 404 403", faulty: "404 404 404"},
		{fault: FaultTaskLimitGlobal, reason: "app-secondary's ten unfinished tasks refuse app-primary's create (AMB.10: per app)",
			observe: func(t *testing.T, e *env) string {
				for i := range DefaultTaskLimit {
					e.mustCreate("app-primary", taskBody("app-secondary", fmt.Sprint("full-", i), map[string]any{"type": "DeviceList", "deviceList": []string{"dev-sep-5"}}))
				}
				return outcome(t, e.create("app-primary", taskBody("app-primary", "mine", nil)))
			}, clean: "ok", faulty: CodeTaskLimit},
		{fault: FaultRefusedRefreshRevokes, reason: "a refresh with a wrong refresh token makes the right one invalid (RULE.refused-no-effect)",
			observe: func(t *testing.T, e *env) string {
				var rt string
				_ = json.Unmarshal(loginRaw(t, e, "app-norights")["refreshToken"], &rt)
				return fmt.Sprint(refreshCall(e, "app-norights", "wrong").status, " ", refreshCall(e, "app-norights", rt).status)
			}, clean: "401 200", faulty: "401 401"},
		{fault: FaultRefusedLoginRevokes, reason: "a login with a wrong secret makes the refresh token invalid (RULE.refused-no-effect)",
			observe: func(t *testing.T, e *env) string {
				var rt string
				_ = json.Unmarshal(loginRaw(t, e, "app-norights")["refreshToken"], &rt)
				bad := e.do(http.MethodPost, PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
					url.Values{"appId": {"app-norights"}, "secret": {"wrong"}}.Encode())
				return fmt.Sprint(bad.status, " ", refreshCall(e, "app-norights", rt).status)
			}, clean: "401 200", faulty: "401 401"},
		{fault: FaultTaskNameTruncated, reason: "a 200-character name is answered cut to 128, and one alike in its first 128 collides (FLD.create.taskName)",
			observe: func(t *testing.T, e *env) string {
				long := strings.Repeat("n", 199)
				id := e.mustCreate("app-primary", taskBody("app-primary", long+"a", nil))
				name, _ := e.query("app-primary", id, "").json(t)["taskName"].(string)
				return fmt.Sprint(len(name), " ", outcome(t, e.create("app-primary", taskBody("app-primary", long+"b", nil))))
			}, clean: "200 ok", faulty: "128 105002"},
	}
}
