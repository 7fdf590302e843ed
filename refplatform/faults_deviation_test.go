package refplatform

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// deviation shows one named fault is real: the same observation is made on a clean platform
// and on one with the fault; the clean one answers clean, the faulted one faulty.
type deviation struct {
	fault  string
	reason string
	opts   []Option // extra options for both platforms
	// observe drives the platform and summarises what it answered.
	observe       func(t *testing.T, e *env) string
	clean, faulty string
}

// moreDeviations are the deviation cases of the fault classes kept in their own files: each
// such file appends its cases' constructor from its init.
var moreDeviations []func() []deviation

// TestNamedFaults: every named fault has a deviation case, and each one makes the platform
// answer differently from the clean platform, in the way the fault's description says. The
// clean run goes through the contract-checking client, so it also shows the clean answer
// conforms.
func TestNamedFaults(t *testing.T) {
	t.Parallel()
	cases := append(append(fieldDeviations(), counterDeviations()...), append(errorDeviations(), ruleDeviations()...)...)
	cases = append(append(append(cases, gatewayDeviations()...), tokenDeviations()...), gqlDeviations()...)
	for _, more := range moreDeviations {
		cases = append(cases, more()...)
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.fault] {
			t.Errorf("fault %s has two cases", c.fault)
		}
		seen[c.fault] = true
	}
	for _, f := range Faults() {
		if !seen[f.Name] {
			t.Errorf("fault %s has no deviation case", f.Name)
		}
		if f.Description == "" {
			t.Errorf("fault %s has no description", f.Name)
		}
	}
	if len(Faults()) < 32 {
		t.Errorf("%d named faults, want at least 32", len(Faults()))
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			t.Parallel()
			if c.clean == c.faulty {
				t.Fatalf("case cannot fail: clean and faulty both %q", c.clean)
			}
			if got := c.observe(t, newEnv(t, c.opts...)); got != c.clean {
				t.Errorf("clean platform: %q, want %q", got, c.clean)
			}
			opts := append([]Option{WithFaults(c.fault)}, c.opts...)
			if got := c.observe(t, newRawEnv(t, opts...)); got != c.faulty {
				t.Errorf("with %s (%s): %q, want %q", c.fault, c.reason, got, c.faulty)
			}
		})
	}
	if _, err := New(WithFaults("no-such-fault")); err == nil {
		t.Fatal("an unknown fault name was accepted")
	}
}

// keys lists a JSON object's keys, sorted and comma-separated.
func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// outcome summarises a create answer: "ok" for a taskID, else the error code (or the
// body when it has none).
func outcome(t *testing.T, r response) string {
	m := r.json(t)
	if id, ok := m["taskID"].(string); ok && id != "" {
		return "ok"
	}
	if c, ok := m["error_code"]; ok {
		return fmt.Sprint(c)
	}
	return string(r.body)
}

// queryField creates a task on param (nil: dev-lone) with body changes, advances the clock
// by after, and answers query's field key as text.
func queryField(param map[string]any, after time.Duration, rawQuery, key string) func(*testing.T, *env) string {
	return func(t *testing.T, e *env) string {
		id := e.mustCreate("app-primary", taskBody("app-primary", "q", param))
		e.advance(after)
		return fmt.Sprint(e.query("app-primary", id, rawQuery).json(t)[key])
	}
}

// viewAt creates a task on param, advances the clock by after, and summarises query's
// answer with f.
func viewAt(param map[string]any, after time.Duration, f func(v map[string]any) string) func(*testing.T, *env) string {
	return func(t *testing.T, e *env) string {
		id := e.mustCreate("app-primary", taskBody("app-primary", "v", param))
		e.advance(after)
		return f(e.query("app-primary", id, "").json(t))
	}
}

// reads creates a task on param, advances by after, and lists key over n reads.
func reads(param map[string]any, after time.Duration, key string, n int) func(*testing.T, *env) string {
	return func(t *testing.T, e *env) string {
		id := e.mustCreate("app-primary", taskBody("app-primary", "r", param))
		e.advance(after)
		var out []string
		for range n {
			out = append(out, fmt.Sprint(e.query("app-primary", id, "").json(t)[key]))
		}
		return strings.Join(out, ",")
	}
}

// createWith answers the outcome of a create whose body change sets.
func createWith(change func(b map[string]any)) func(*testing.T, *env) string {
	return func(t *testing.T, e *env) string {
		b := taskBody("app-primary", "c", nil)
		change(b)
		return outcome(t, e.create("app-primary", b))
	}
}

// The septet ends Timeout at 10 min: success 3, fail 1, timeout 1, expired 2 (world.yaml).
const septetOver = 10*time.Minute + time.Second

func fieldDeviations() []deviation {
	return []deviation{
		{fault: FaultCreateTaskIDLowercase, reason: "create answers taskId (AMB.1)",
			observe: func(t *testing.T, e *env) string {
				return keys(e.create("app-primary", taskBody("app-primary", "x", nil)).json(t))
			}, clean: "taskID", faulty: "taskId"},
		{fault: FaultProgressPercent, reason: "1 of 3 subtasks done is 33 percent, not 333 permille (AMB.3)",
			observe: queryField(group("trio"), 6*time.Second, "", "progress"), clean: "333", faulty: "33"},
		{fault: FaultTimeoutSeconds, reason: "timeout 10 minutes echoed as 600 (AMB.2)",
			observe: queryField(nil, 0, "", "timeout"), clean: "10", faulty: "600"},
		{fault: FaultStartTimeRFC3339, reason: "startTime in RFC 3339 (AMB.11)",
			observe: queryField(nil, 0, "", "startTime"), clean: "20240301T120000Z", faulty: "2024-03-01T12:00:00Z"},
		{fault: FaultTaskFromPortal, reason: "taskFrom names the wrong channel (INV.taskFrom)",
			observe: queryField(nil, 0, "", "taskFrom"), clean: TaskFrom, faulty: "Portal"},
		{fault: FaultParamMissing, reason: "query answers no param (INV.echo)",
			observe: viewAt(nil, 0, func(v map[string]any) string { _, ok := v["param"]; return fmt.Sprint(ok) }),
			clean:   "true", faulty: "false"},
		{fault: FaultParamCommandDropped, reason: "param echoed without command (INV.echo)",
			observe: viewAt(nil, 0, func(v map[string]any) string {
				p, _ := v["param"].(map[string]any)
				return keys(p)
			}), clean: "command,deviceList,type", faulty: "deviceList,type"},
		{fault: FaultTagsAlways, reason: "tags answered without select=tags (INV.tags-select)",
			observe: func(t *testing.T, e *env) string {
				b := taskBody("app-primary", "tags", nil)
				b["tags"] = []Tag{{Name: "floor", Value: "3"}}
				_, ok := e.query("app-primary", e.mustCreate("app-primary", b), "").json(t)["tags"]
				return fmt.Sprint(ok)
			}, clean: "false", faulty: "true"},
		{fault: FaultTagsNever, reason: "no tags even with select=tags (INV.tags-select)",
			observe: func(t *testing.T, e *env) string {
				b := taskBody("app-primary", "tags", nil)
				b["tags"] = []Tag{{Name: "floor", Value: "3"}}
				return fmt.Sprint(e.query("app-primary", e.mustCreate("app-primary", b), "select=tags").json(t)["tags"])
			}, clean: "[map[tagName:floor tagValue:3]]", faulty: "<nil>"},
		{fault: FaultSelectUnvalidated, reason: "select=foo accepted (AMB.R2)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "s", nil))
				return fmt.Sprint(e.query("app-primary", id, "select=foo").status)
			}, clean: "400", faulty: "200"},
		{fault: FaultEnumsRejected, reason: "select=tags and status=Fail answered 400 (FLD.query.select, FLD.details.status)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "e", nil))
				return fmt.Sprint(e.query("app-primary", id, "select=tags").status, " ", e.details("app-primary", "status=Fail&taskId="+id).status)
			}, clean: "200 200", faulty: "400 400"},
		{fault: FaultPagingEdges, reason: "pageNo=0, pageSize=1 and pageSize=250 answered 400 (FLD.details.pageNo, FLD.details.pageSize)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "p", nil))
				return fmt.Sprint(e.details("app-primary", "pageNo=0&taskId="+id).status, " ",
					e.details("app-primary", "pageSize=1&taskId="+id).status, " ", e.details("app-primary", "pageSize=250&taskId="+id).status)
			}, clean: "200 200 200", faulty: "400 400 400"},
		{fault: FaultReadLag, reason: "a task just created answers 105005 to query and details, and is readable 6 s later",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "lag", nil))
				first := fmt.Sprint(e.query("app-primary", id, "").status, " ", e.details("app-primary", "taskId="+id).status)
				e.advance(6 * time.Second)
				return first + " " + fmt.Sprint(e.query("app-primary", id, "").status)
			}, clean: "200 200 200", faulty: "404 404 200"},
		{fault: FaultCrossAppRead, reason: "app-primary reads app-other's task by id (RULE.cross-app)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-other", taskBody("app-other", "mine", nil))
				return fmt.Sprint(e.query("app-primary", id, "").status, " ", e.details("app-primary", "taskId="+id).status)
			}, clean: "404 404", faulty: "200 200"},
		{fault: FaultDetailsStatusIgnored, reason: "status=Fail answers all three subtasks (FLD.details.status)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", group("trio")))
				e.advance(11 * time.Second)
				return fmt.Sprint(e.details("app-primary", "status=Fail&taskId="+id).json(t)["totalCount"])
			}, clean: "1", faulty: "3"},
		{fault: FaultDetailsPageSizeIgnore, reason: "pageSize=1 answers a page of 3 (FLD.details.pageSize)",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "d", group("trio")))
				m := e.details("app-primary", "pageSize=1&taskId="+id).json(t)
				l, _ := m["taskDetails"].([]any)
				return fmt.Sprint(m["pageSize"], " ", len(l))
			}, clean: "1 1", faulty: "25 3"},
	}
}

func counterDeviations() []deviation {
	counts := func(v map[string]any) string {
		return fmt.Sprint("total=", v["totalCnt"], " complete=", v["completeCnt"], " timeout=", v["timeoutCnt"], " expired=", v["expiredCnt"])
	}
	return []deviation{
		{fault: FaultProgressRoundUp, reason: "1/3 rounded up to 334 (AMB.3)",
			observe: queryField(group("trio"), 6*time.Second, "", "progress"), clean: "333", faulty: "334"},
		{fault: FaultSuccessRateNearest, reason: "2/3 rounded to 667 (AMB.3)",
			observe: queryField(group("trio"), 11*time.Second, "", "successRate"), clean: "666", faulty: "667"},
		{fault: FaultSuccessRateOverComplete, reason: "1 success of 1 complete is 1000, of 3 total 333 (AMB.5)",
			observe: queryField(group("trio"), 6*time.Second, "", "successRate"), clean: "333", faulty: "1000"},
		{fault: FaultCompleteCntNoTimeouts, reason: "the timed-out subtask is left out of completeCnt",
			observe: viewAt(group("septet"), septetOver, counts),
			clean:   "total=7 complete=5 timeout=1 expired=2", faulty: "total=7 complete=4 timeout=1 expired=2"},
		{fault: FaultExpiredAsTimeout, reason: "the 2 expired subtasks are reported as timed out (AMB.R8)",
			observe: viewAt(group("septet"), septetOver, counts),
			clean:   "total=7 complete=5 timeout=1 expired=2", faulty: "total=7 complete=7 timeout=3 expired=0"},
		{fault: FaultExpiredAsComplete, reason: "the 2 expired subtasks are counted complete",
			observe: viewAt(group("septet"), septetOver, counts),
			clean:   "total=7 complete=5 timeout=1 expired=2", faulty: "total=7 complete=7 timeout=1 expired=2"},
		{fault: FaultTotalCntPlusOne, reason: "a 3-device task answers totalCnt 4",
			observe: queryField(group("trio"), 0, "", "totalCnt"), clean: "3", faulty: "4"},
		{fault: FaultStatusCompleted, reason: "Complete spelled Completed",
			observe: queryField(group("trio"), 11*time.Second, "", "status"), clean: "Complete", faulty: "Completed"},
		{fault: FaultStatusLowercase, reason: "Running spelled running",
			observe: queryField(group("trio"), 6*time.Second, "", "status"), clean: "Running", faulty: "running"},
		{fault: FaultStatusRegress, reason: "the second read of a Complete task answers Running (INV.status-moves)",
			observe: reads(group("trio"), 11*time.Second, "status", 3), clean: "Complete,Complete,Complete", faulty: "Complete,Running,Complete"},
		{fault: FaultProgressRegress, reason: "the second read answers the progress of 30 s earlier (INV.monotonic)",
			observe: reads(group("septet"), 10*time.Second, "progress", 2), clean: "571,571", faulty: "571,0"},
	}
}
