package refplatform

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestGraphQLOperations drives every facade operation over HTTP on loopback: a REST login,
// then create, query with and without select, and details paging through /graphql.
func TestGraphQLOperations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := taskBody("app-primary", "gql-ops", group("trio"))
	body["tags"] = []map[string]string{{"tagName": "floor", "tagValue": "3"}}
	id := e.gqlCreateTask("app-primary", body)

	plain := e.gql("app-primary", gqlTask, map[string]any{"id": id}).only(t).obj("batchTask")
	if plain["taskId"] != id || plain["status"] != StatusPending || plain["taskFrom"] != TaskFrom {
		t.Fatalf("batchTask: %v", plain)
	}
	if v, ok := plain["tags"]; !ok || v != nil {
		t.Errorf("tags without select: %v (present %v), want null", v, ok)
	}
	tagged := e.gql("app-primary", gqlTask, map[string]any{"id": id, "sel": "tags"}).only(t).obj("batchTask")
	if got := fmt.Sprint(tagged["tags"]); got != "[map[tagName:floor tagValue:3]]" {
		t.Errorf("tags with select tags: %s", got)
	}
	if got := fmt.Sprint(tagged["param"].(map[string]any)["command"]); got != "map[method:ON paras:map[level:3] serviceId:Switch]" {
		t.Errorf("param.command echoed as %s", got)
	}

	e.advance(11 * time.Second)
	var seen []string
	for _, c := range []struct {
		no, size, want int
		reason         string
	}{
		{0, 2, 2, "a full first page"},
		{1, 2, 1, "the last, partial page"},
		{2, 2, 0, "a page past the end is empty"},
	} {
		a := e.gql("app-primary", gqlDetails, map[string]any{"id": id, "no": c.no, "size": c.size}).only(t)
		page := a.obj("taskDetails")
		list, _ := page["taskDetails"].([]any)
		if len(list) != c.want || page["totalCount"] != float64(3) || page["pageNo"] != float64(c.no) || page["pageSize"] != float64(c.size) {
			t.Errorf("%s: page %v", c.reason, page)
		}
		for _, s := range list {
			seen = append(seen, s.(map[string]any)["param"].(map[string]any)["deviceId"].(string))
		}
	}
	if got := strings.Join(seen, ","); got != "dev-trio-1,dev-trio-2,dev-trio-3" {
		t.Errorf("pages hold %s, want each subtask once", got)
	}
	fail := e.gql("app-primary", gqlDetails, map[string]any{"id": id, "status": StatusFail}).only(t).obj("taskDetails")
	if fail["totalCount"] != float64(1) {
		t.Errorf("status Fail filter: %v", fail)
	}
	// A create answer's key is the REST key; an operation with two fields makes two calls.
	if c := e.srv.Counters().Calls; c[OpCreate] != 1 || c[OpQuery] != 2 || c[OpDetails] != 4 {
		t.Errorf("REST operations counted %v, want create 1, query 2, details 4", c)
	}
}

// TestGraphQLMatchesREST: the same task read through REST and through GraphQL answers equal
// fields (REST's absent optional fields are GraphQL nulls), for query and details.
func TestGraphQLMatchesREST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		name   string
		param  map[string]any
		after  time.Duration
		reason string
	}{
		{"lone", nil, 0, "a Pending DeviceList task"},
		{"trio", group("trio"), 6 * time.Second, "a Running GroupList task with a success and a failure"},
		{"septet", group("septet"), septetOver, "a Timeout task with expired subtasks"},
	} {
		b := taskBody("app-primary", "same-"+c.name, c.param)
		b["tags"] = []map[string]string{{"tagName": "floor", "tagValue": c.name}}
		id := e.gqlCreateTask("app-primary", b)
		e.advance(c.after)
		rest := e.query("app-primary", id, "select=tags").json(t)
		gql := e.gql("app-primary", gqlTask, map[string]any{"id": id, "sel": "tags"}).only(t).obj("batchTask")
		if d := sameJSON(rest, gql, "batchTask."); len(d) > 0 {
			t.Errorf("%s (%s): REST and GraphQL differ:\n%s", c.name, c.reason, strings.Join(d, "\n"))
		}
		restPage := e.details("app-primary", "pageSize=5&taskId="+id).json(t)
		gqlPage := e.gql("app-primary", gqlDetails, map[string]any{"id": id, "size": 5}).only(t).obj("taskDetails")
		if rb, gb := mustJSON(restPage["totalCount"]), mustJSON(gqlPage["totalCount"]); rb != gb {
			t.Errorf("%s: totalCount REST %s, GraphQL %s", c.name, rb, gb)
		}
		rl, _ := restPage["taskDetails"].([]any)
		gl, _ := gqlPage["taskDetails"].([]any)
		if len(rl) != len(gl) || len(rl) == 0 {
			t.Fatalf("%s: details REST %d entries, GraphQL %d", c.name, len(rl), len(gl))
		}
		for i := range rl {
			if d := sameJSON(rl[i].(map[string]any), gl[i].(map[string]any), fmt.Sprintf("taskDetails[%d].", i)); len(d) > 0 {
				t.Errorf("%s: %s", c.name, strings.Join(d, "; "))
			}
		}
	}
}

// TestGraphQLErrorMapping: platform errors become GraphQL errors with the REST code, the
// doc's text and the REST status, the failed field null, and the /graphql answer HTTP 200.
func TestGraphQLErrorMapping(t *testing.T) {
	t.Parallel()
	badToken := func(e *env) string {
		e.auth("app-primary")
		e.tokens["app-primary"] = "wrong"
		return "app-primary"
	}
	for _, c := range []struct {
		name, reason string
		opts         []Option
		// prepare sets the platform up and answers the caller.
		prepare    func(e *env) string
		query      string
		vars       func(e *env) map[string]any
		field, op  string
		code       string
		httpStatus int
	}{
		{name: "task-limit", reason: "the second unfinished task over a limit of 1 (ERR.create.200.105001)",
			opts: []Option{WithTaskLimit(1)},
			prepare: func(e *env) string {
				e.gqlCreateTask("app-primary", taskBody("app-primary", "first", nil))
				return "app-primary"
			},
			query: gqlCreate, vars: func(*env) map[string]any { return map[string]any{"in": taskBody("app-primary", "second", nil)} },
			field: "createBatchTask", op: OpCreate, code: CodeTaskLimit, httpStatus: 200},
		{name: "throttled", reason: "the third call in a window of 2 (AMB.9)",
			opts: []Option{WithThrottle(ThrottleConfig{Limit: 2, Window: time.Minute, Type: ThrottleFixed})},
			prepare: func(e *env) string {
				e.gql("app-primary", gqlTask, map[string]any{"id": "a"})
				e.gql("app-primary", gqlTask, map[string]any{"id": "b"})
				return "app-primary"
			},
			query: gqlTask, vars: func(*env) map[string]any { return map[string]any{"id": "c"} },
			field: "batchTask", op: OpQuery, code: CodeThrottled, httpStatus: 403},
		{name: "bad-token", reason: "a wrong access token on create (ERR.*.403.1010005)", prepare: badToken,
			query: gqlCreate, vars: func(*env) map[string]any { return map[string]any{"in": taskBody("app-primary", "x", nil)} },
			field: "createBatchTask", op: OpCreate, code: CodeTokenInvalid, httpStatus: 403},
		{name: "bad-token-details", reason: "a wrong access token on details", prepare: badToken,
			query: gqlDetails, vars: func(*env) map[string]any { return map[string]any{"id": "x"} },
			field: "taskDetails", op: OpDetails, code: CodeTokenInvalid, httpStatus: 403},
		{name: "unknown-task", reason: "an unknown taskId (ERR.query.404.105005)",
			query: gqlTask, vars: func(*env) map[string]any { return map[string]any{"id": "nosuch"} },
			field: "batchTask", op: OpQuery, code: CodeTaskNotExist, httpStatus: 404},
		{name: "select-foo", reason: "select outside its oneOf, checked by the platform (AMB.R2)",
			query: gqlTask, vars: func(*env) map[string]any { return map[string]any{"id": "nosuch", "sel": "foo"} },
			field: "batchTask", op: OpQuery, code: CodeQueryInvalid, httpStatus: 400},
		{name: "pagesize-251", reason: "pageSize over its @constraint max (FLD.details.pageSize)",
			query: gqlDetails, vars: func(*env) map[string]any { return map[string]any{"id": "abc", "size": 251} },
			field: "taskDetails", op: OpDetails, code: CodeQueryInvalid, httpStatus: 400},
		{name: "timeout-9", reason: "timeout under its @constraint min (FLD.create.timeout)",
			query: gqlCreate, vars: func(*env) map[string]any {
				b := taskBody("app-primary", "t9", nil)
				b["timeout"] = 9
				return map[string]any{"in": b}
			}, field: "createBatchTask", op: OpCreate, code: CodeInputInvalid, httpStatus: 400},
		{name: "missing-headers-create", reason: "no app_key/Authorization on create (AMB.R1)",
			prepare: func(*env) string { return "" },
			query:   gqlCreate, vars: func(*env) map[string]any { return map[string]any{"in": taskBody("app-primary", "x", nil)} },
			field: "createBatchTask", op: OpCreate, code: CodeInputInvalid, httpStatus: 400},
		{name: "missing-headers-query", reason: "no app_key/Authorization on query (AMB.R1)",
			prepare: func(*env) string { return "" },
			query:   gqlTask, vars: func(*env) map[string]any { return map[string]any{"id": "x"} },
			field: "batchTask", op: OpQuery, code: CodeIllegalRequest, httpStatus: 400},
		{name: "unknown-app", reason: "create for an application that does not exist answers 200 (AMB.6)",
			query: gqlCreate, vars: func(*env) map[string]any { return map[string]any{"in": taskBody("app-nosuch", "x", nil)} },
			field: "createBatchTask", op: OpCreate, code: CodeAppNotExist, httpStatus: 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, c.opts...)
			caller := "app-primary"
			if c.prepare != nil {
				caller = c.prepare(e)
			}
			a := e.gql(caller, c.query, c.vars(e))
			if a.status != http.StatusOK || len(a.Errors) != 1 {
				t.Fatalf("%s: want HTTP 200 with one error, got %d %s", c.reason, a.status, a.raw)
			}
			if v, ok := a.Data[c.field]; !ok || v != nil {
				t.Errorf("data.%s = %v (present %v), want null", c.field, v, ok)
			}
			got := a.Errors[0]
			want := fmt.Sprint(c.code, " ", c.httpStatus, " [", c.field, "]")
			if s := a.errSummary(); s != want {
				t.Errorf("%s: error %q, want %q (%s)", c.reason, s, want, a.raw)
			}
			if d := Description(c.op, c.code); got.Extensions["desc"] != d || got.Message != d {
				t.Errorf("desc %v, message %q, want %q", got.Extensions["desc"], got.Message, d)
			}
		})
	}
}

// TestGraphQLEveryFieldFails: with a bad token, each field of a two-field operation fails
// with its own 1010005 error, and a good field next to a bad one still answers.
func TestGraphQLEveryFieldFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.gqlCreateTask("app-primary", taskBody("app-primary", "two", nil))
	two := `query($id: String!) { a: batchTask(taskId: $id) { taskId } b: batchTask(taskId: "nosuch") { taskId } }`
	a := e.gql("app-primary", two, map[string]any{"id": id})
	if got := fmt.Sprint(a.obj("a")["taskId"], " ", a.Data["b"], " ", a.errSummary()); got != id+" <nil> 105005 404 [b]" {
		t.Errorf("one good, one unknown: %s (%s)", got, a.raw)
	}
	e.tokens["app-primary"] = "wrong"
	a = e.gql("app-primary", two, map[string]any{"id": id})
	var got []string
	for _, er := range a.Errors {
		got = append(got, fmt.Sprint(er.Extensions["code"], er.Path))
	}
	if strings.Join(got, " ") != "1010005[a] 1010005[b]" && strings.Join(got, " ") != "1010005[b] 1010005[a]" {
		t.Errorf("bad token: errors %v, want 1010005 on a and b (%s)", got, a.raw)
	}
}
