package refplatform

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func init() { moreDeviations = append(moreDeviations, consistencyDeviations) }

// trioOver is past the trio's end: dev-trio-2 answers last, 10 s after the start (world.yaml).
const trioOver = 11 * time.Second

// pageEntries lists a details answer's entries as device:status, comma-separated.
func pageEntries(t *testing.T, e *env, rawQuery string) string {
	l, _ := e.details("app-primary", rawQuery).json(t)["taskDetails"].([]any)
	var out []string
	for _, s := range l {
		sm, _ := s.(map[string]any)
		p, _ := sm["param"].(map[string]any)
		out = append(out, fmt.Sprint(p["deviceId"], ":", sm["status"]))
	}
	return strings.Join(out, ",")
}

// trioPages creates a task on the trio, lets it finish, and lists its pages of size 2.
func trioPages(t *testing.T, e *env) string {
	id := e.mustCreate("app-primary", taskBody("app-primary", "pages", group("trio")))
	e.advance(trioOver)
	return pageEntries(t, e, "pageSize=2&pageNo=0&taskId="+id) + " | " + pageEntries(t, e, "pageSize=2&pageNo=1&taskId="+id)
}

func consistencyDeviations() []deviation {
	return []deviation{
		{fault: FaultDetailsPageOverlap, reason: "page 1 of size 2 repeats page 0's last subtask (RULE.details-paging)",
			observe: trioPages,
			clean:   "dev-trio-1:Success,dev-trio-2:Success | dev-trio-3:Fail",
			faulty:  "dev-trio-1:Success,dev-trio-2:Success | dev-trio-2:Success,dev-trio-3:Fail"},
		{fault: FaultDetailsPageSkip, reason: "page 1 of size 2 starts past dev-trio-3, so no page holds it (RULE.details-paging)",
			observe: trioPages,
			clean:   "dev-trio-1:Success,dev-trio-2:Success | dev-trio-3:Fail",
			faulty:  "dev-trio-1:Success,dev-trio-2:Success | "},
		{fault: FaultDetailsIndexLag, reason: "1 s after the trio completed, details still shows it as 30 s earlier, before any delivery (RULE.details-agree)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "lag", group("trio")))
				e.advance(trioOver)
				return fmt.Sprint(e.query("app-primary", id, "").json(t)["status"], " ", pageEntries(t, e, "taskId="+id))
			},
			clean:  "Complete dev-trio-1:Success,dev-trio-2:Success,dev-trio-3:Fail",
			faulty: "Complete dev-trio-1:Pending,dev-trio-2:Pending,dev-trio-3:Pending"},
		{fault: FaultDetailsFilterCountAll, reason: "status=Fail answers the one failed subtask with totalCount 3 (RULE.details-agree)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "count", group("trio")))
				e.advance(trioOver)
				m := e.details("app-primary", "status=Fail&taskId="+id).json(t)
				l, _ := m["taskDetails"].([]any)
				return fmt.Sprint(m["totalCount"], " ", len(l))
			}, clean: "1 1", faulty: "3 1"},
		{fault: FaultTimeoutCountedAsFail, reason: "the septet's unanswered subtask is failCnt in query, Timeout in details (RULE.details-agree)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "tmo", group("septet")))
				e.advance(septetOver)
				v := e.query("app-primary", id, "").json(t)
				return fmt.Sprint("fail=", v["failCnt"], " timeout=", v["timeoutCnt"], " complete=", v["completeCnt"],
					" details-timeout=", e.details("app-primary", "status=Timeout&taskId="+id).json(t)["totalCount"])
			},
			clean: "fail=1 timeout=1 complete=5 details-timeout=1", faulty: "fail=2 timeout=0 complete=5 details-timeout=1"},
		{fault: FaultQueryCountersStale, reason: "6 s in, details lists dev-trio-1 Success, query's cache of 30 s earlier counts none (RULE.details-agree)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "stale", group("trio")))
				e.advance(6 * time.Second)
				listed := e.details("app-primary", "status=Success&taskId="+id).json(t)["totalCount"]
				v := e.query("app-primary", id, "").json(t)
				return fmt.Sprint("details=", listed, " successCnt=", v["successCnt"], " status=", v["status"])
			}, clean: "details=1 successCnt=1 status=Running", faulty: "details=1 successCnt=0 status=Pending"},
		{fault: FaultStartTimeLastUpdate, reason: "dev-lone's answer 3 s in moves startTime (RULE.task-stable)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "start", nil))
				first := e.query("app-primary", id, "").json(t)["startTime"]
				e.advance(5 * time.Second)
				return fmt.Sprint(first, " ", e.query("app-primary", id, "").json(t)["startTime"])
			}, clean: "20240301T120000Z 20240301T120000Z", faulty: "20240301T120000Z 20240301T120003Z"},
	}
}
