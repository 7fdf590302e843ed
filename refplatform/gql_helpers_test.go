package refplatform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// gqlAnswer is a decoded /graphql answer.
type gqlAnswer struct {
	status int
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
	raw    []byte
}

// gqlError is one entry of errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// gql posts a GraphQL operation to /graphql with caller's REST credentials (caller "": none)
// and decodes the answer.
func (e *env) gql(caller, query string, vars map[string]any) gqlAnswer {
	e.t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatalf("marshal: %v", err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if caller != "" {
		h = e.auth(caller)
	}
	return decodeGQL(e.t, e.do(http.MethodPost, PathGraphQL, h, string(b)))
}

func decodeGQL(t testing.TB, r response) gqlAnswer {
	t.Helper()
	a := gqlAnswer{status: r.status, raw: r.body}
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("graphql answer %d %q: %v", r.status, r.body, err)
	}
	return a
}

// obj is data.<key> as an object (nil when null or absent).
func (a gqlAnswer) obj(key string) map[string]any {
	m, _ := a.Data[key].(map[string]any)
	return m
}

// only asserts the answer is a success: HTTP 200 and no errors.
func (a gqlAnswer) only(t testing.TB) gqlAnswer {
	t.Helper()
	if a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("graphql: %d %s", a.status, a.raw)
	}
	return a
}

// errSummary summarises the first error as "code httpStatus path" (or "no error").
func (a gqlAnswer) errSummary() string {
	if len(a.Errors) == 0 {
		return "no error"
	}
	x := a.Errors[0].Extensions
	return fmt.Sprint(x["code"], " ", x["httpStatus"], " ", a.Errors[0].Path)
}

// The facade's operations, with every field selected.
const (
	gqlCreate = `mutation($in: CreateBatchTaskInput!) { createBatchTask(input: $in) { taskID } }`
	gqlTask   = `query($id: String!, $app: String, $sel: String) { batchTask(taskId: $id, appId: $app, select: $sel) {
		appId taskId taskName operator taskFrom taskType status startTime timeout progress totalCnt successCnt
		failCnt timeoutCnt expiredCnt completeCnt successRate
		param { type deviceList deviceType manufacturerId model deviceLocation groupList
			command { serviceId method paras } callbackUrl maxRetransmit groupTag }
		tags { tagName tagValue } } }`
	gqlDetails = `query($id: String!, $status: String, $no: Int, $size: Int) {
		taskDetails(taskId: $id, status: $status, pageNo: $no, pageSize: $size) {
			pageNo pageSize totalCount taskDetails { status output error param { deviceId commandId } } } }`
)

// gqlCreateTask creates a task through the facade and answers its id.
func (e *env) gqlCreateTask(caller string, body map[string]any) string {
	e.t.Helper()
	a := e.gql(caller, gqlCreate, map[string]any{"in": body}).only(e.t)
	id, _ := a.obj("createBatchTask")["taskID"].(string)
	if id == "" {
		e.t.Fatalf("create answered no taskID: %s", a.raw)
	}
	return id
}

// sameJSON reports the differences between a REST object and the GraphQL object for the same
// read: every REST key must be answered equal; a GraphQL key the REST answer lacks must be
// null.
func sameJSON(rest, gql map[string]any, at string) []string {
	var diffs []string
	for k, rv := range rest {
		gv, ok := gql[k]
		if !ok {
			diffs = append(diffs, at+k+": missing from the GraphQL answer")
			continue
		}
		rm, rok := rv.(map[string]any)
		gm, gok := gv.(map[string]any)
		if rok && gok && k != "paras" {
			diffs = append(diffs, sameJSON(rm, gm, at+k+".")...)
			continue
		}
		if rb, gb := mustJSON(rv), mustJSON(gv); rb != gb {
			diffs = append(diffs, fmt.Sprintf("%s%s: REST %s, GraphQL %s", at, k, rb, gb))
		}
	}
	for k, gv := range gql {
		if _, ok := rest[k]; !ok && gv != nil {
			diffs = append(diffs, fmt.Sprintf("%s%s: GraphQL %v, REST has none", at, k, gv))
		}
	}
	sort.Strings(diffs)
	return diffs
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "!" + err.Error()
	}
	return string(b)
}

// keysOf lists an object's keys, sorted and comma-separated ("<nil>" for nil).
func keysOf(m map[string]any) string {
	if m == nil {
		return "<nil>"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
