package scenarios

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// TestPlan: which requests go over GraphQL, as which operation, and which have no GraphQL
// meaning.
func TestPlan(t *testing.T) {
	t.Parallel()
	ops, err := LoadOperations(OperationsFS, "graphql")
	if err != nil {
		t.Fatal(err)
	}
	gqlRun := &Suite{transport: TransportGraphQL, gql: &gqlTransport{url: "http://x/graphql", ops: ops}}
	restRun := &Suite{transport: TransportREST, gql: gqlRun.gql}
	body := `{"appId":"a","taskName":"n","taskType":"DeviceCmd","timeout":10,"param":{"type":"Broadcast","command":{"serviceId":"s","method":"m"}}}`
	cases := []struct {
		name   string
		s      *Suite
		req    Request
		path   string
		query  url.Values
		body   string
		wantOp string // root field; "" for REST
		skip   string // a no-meaning reason
		err    string // another error
		why    string
	}{
		{"create", gqlRun, Request{Method: "POST", Body: map[string]any{}}, tasksPath, nil, body, "createBatchTask", "", "", "a JSON create body is the input"},
		{"create wrong type", gqlRun, Request{Method: "POST", Body: map[string]any{}}, tasksPath, nil,
			strings.Replace(body, `"timeout":10`, `"timeout":"10"`, 1), "", "variable.input.timeout cannot use string as Int", "", "a wrong JSON type has no GraphQL meaning"},
		{"create raw", gqlRun, Request{Method: "POST"}, tasksPath, nil, `{"appId":`, "", "", "", "malformed bodies stay REST"},
		{"create content type", gqlRun, Request{Method: "POST", Body: map[string]any{}, ContentType: "text/plain"}, tasksPath, nil, body, "", "", "", "a request Content-Type test stays REST"},
		{"query", gqlRun, Request{Method: "GET"}, tasksPath + "/t1", url.Values{"select": {"tags"}, "appId": {"a"}}, "", "batchTask", "", "", "path and query string become variables"},
		{"query unknown parameter", gqlRun, Request{Method: "GET"}, tasksPath + "/t1", url.Values{"foo": {"1"}}, "", "", "query parameter foo has no graphql argument", "", "no argument to carry it"},
		{"details", gqlRun, Request{Method: "GET"}, detailsPath, url.Values{"taskId": {"t"}, "pageNo": {"2"}, "pageSize": {"25"}, "status": {"Success"}}, "", "taskDetails", "", "", "paging as Int"},
		{"details bad page", gqlRun, Request{Method: "GET"}, detailsPath, url.Values{"taskId": {"t"}, "pageSize": {"ten"}}, "", "", "variable.pageSize cannot use string as Int", "", "a word is no Int"},
		{"login", gqlRun, Request{Method: "POST", Form: map[string]string{}}, loginPath, nil, "appId=a", "", "", "", "login stays REST: it is sent holding the app's tokens (Auth.Own)"},
		{"refresh", gqlRun, Request{Method: "POST", Body: map[string]any{}}, refreshPath, nil, `{"appId":"a","refreshToken":"r"}`, "", "", "", "refresh stays REST, as login does"},
		{"delete", gqlRun, Request{Method: "DELETE"}, tasksPath + "/t1", nil, "", "", "", "", "no counterpart: REST"},
		{"forced rest", gqlRun, Request{Method: "GET", Transport: TransportREST}, tasksPath + "/t1", nil, "", "", "", "", "a step may force REST"},
		{"rest run", restRun, Request{Method: "GET"}, tasksPath + "/t1", nil, "", "", "", "", "a REST run sends REST"},
		{"forced graphql in a rest run", restRun, Request{Method: "GET", Transport: TransportGraphQL}, tasksPath + "/t1", nil, "", "batchTask", "", "", "parity forces graphql"},
		{"forced graphql without counterpart", gqlRun, Request{Method: "POST", Transport: TransportGraphQL}, loginPath, nil, "", "", "", "has no graphql counterpart", "a forced transport that cannot be honoured is an error"},
		{"forced graphql without facade", &Suite{transport: TransportREST}, Request{Method: "GET", Transport: TransportGraphQL}, tasksPath + "/t1", nil, "", "", "", "no graphql transport", "the target declares no facade"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pl, err := c.s.plan(c.req, c.path, c.query, []byte(c.body))
			var nm *noMeaningError
			switch {
			case c.skip != "":
				if !errors.As(err, &nm) || !strings.Contains(err.Error(), c.skip) || !strings.HasPrefix(err.Error(), "no GraphQL meaning: ") {
					t.Fatalf("%s: error %v, want a skip with %q", c.why, err, c.skip)
				}
			case c.err != "":
				if err == nil || errors.As(err, &nm) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("%s: error %v, want %q", c.why, err, c.err)
				}
			case err != nil:
				t.Fatalf("%s: %v", c.why, err)
			case c.wantOp == "" && pl != nil:
				t.Fatalf("%s: planned %s, want REST", c.why, pl.op.Field)
			case c.wantOp != "" && (pl == nil || pl.op.Field != c.wantOp):
				t.Fatalf("%s: plan %v, want %s", c.why, pl, c.wantOp)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, want, got string
		diffs           []string
		why             string
	}{
		{"equal", `{"a":1,"b":[1,{"c":"x"}]}`, `{"b":[1,{"c":"x"}],"a":1}`, nil, "order does not matter"},
		{"missing", `{"a":1,"b":2}`, `{"a":1}`, []string{"/b is missing, expected 2"}, "a member REST has"},
		{"extra", `{"a":1}`, `{"a":1,"t":null}`, []string{"/t is null, expected absent"}, "null is not absent"},
		{"nested value", `{"p":{"l":["x","y"]}}`, `{"p":{"l":["x","z"]}}`, []string{"/p/l/1 is \"z\", expected \"y\""}, "pointers into lists"},
		{"length", `{"l":[1]}`, `{"l":[1,2]}`, []string{"/l is [1,2], expected [1]"}, "list length"},
		{"type", `{"n":1}`, `{"n":"1"}`, []string{`/n is "1", expected 1`}, "types differ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out []string
			diff("", decodeJSON(t, c.want), decodeJSON(t, c.got), &out)
			if strings.Join(out, "|") != strings.Join(c.diffs, "|") {
				t.Fatalf("%s: diffs %q, want %q", c.why, out, c.diffs)
			}
		})
	}
}

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
