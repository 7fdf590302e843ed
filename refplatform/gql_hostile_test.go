package refplatform

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert/refplatform/gqlfacade"
)

// TestGraphQLHostileRequests: requests that are not well-formed GraphQL get gqlgen's own
// error answers (never a panic, never a 5xx, always a JSON body with errors), and reach no
// REST operation.
func TestGraphQLHostileRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := e.auth("app-primary")
	for _, c := range []struct {
		name, method, contentType, target, body string
		status                                  int
		reason                                  string
	}{
		{"malformed-json", "POST", "application/json", "", `{"query": `, 400, "gqlgen: the body is not JSON"},
		{"json-array", "POST", "application/json", "", `[1,2]`, 400, "gqlgen: the body is not a request object"},
		{"empty-body", "POST", "application/json", "", ``, 400, "gqlgen: no JSON at all"},
		{"no-query", "POST", "application/json", "", `{}`, 422, "gqlgen: no operation"},
		{"syntax-error", "POST", "application/json", "", `{"query":"{ batchTask("}`, 422, "gqlparser: a parse error"},
		{"unknown-field", "POST", "application/json", "", `{"query":"{ nosuch }"}`, 422, "validation: no such field"},
		{"missing-arg", "POST", "application/json", "", `{"query":"{ batchTask { taskId } }"}`, 422, "validation: taskId is non-null"},
		{"wrong-arg-type", "POST", "application/json", "", `{"query":"{ taskDetails(taskId: \"a\", pageNo: \"x\") { pageNo } }"}`, 422, "validation: pageNo is an Int"},
		{"variable-type", "POST", "application/json", "", `{"query":"query($n: Int) { taskDetails(taskId: \"a\", pageNo: $n) { pageNo } }","variables":{"n":"x"}}`, 422, "variables are coerced before execution"},
		{"int-overflow", "POST", "application/json", "", `{"query":"{ taskDetails(taskId: \"a\", pageNo: 99999999999) { pageNo } }"}`, 200, "an Int is 32-bit (Int bound to graphql.Int32): a field error, data null"},
		{"paras-not-object", "POST", "application/json", "", `{"query":"mutation { createBatchTask(input: {appId: \"a\", taskName: \"n\", taskType: \"DeviceCmd\", timeout: 10, param: {type: \"DeviceList\", command: {serviceId: \"s\", method: \"m\", paras: 3}}}) { taskID } }"}`, 200, "JSON scalar rejects a non-object while coercing: a field error, data null"},
		{"unknown-operation", "POST", "application/json", "", `{"query":"query A { __typename }","operationName":"B"}`, 422, "no operation named B"},
		{"wrong-content-type", "POST", "text/plain", "", `{"query":"{ __typename }"}`, 400, "no transport accepts text/plain"},
		{"put", "PUT", "application/json", "", `{"query":"{ __typename }"}`, 400, "no transport for PUT"},
		{"get-query", "GET", "", "?query=" + url.QueryEscape("{ __typename }"), "", 200, "GET carries queries"},
		{"get-mutation", "GET", "", "?query=" + url.QueryEscape(`mutation { createBatchTask(input: {appId: "a", taskName: "n", taskType: "DeviceCmd", timeout: 10, param: {type: "DeviceList", command: {serviceId: "s", method: "m"}}}) { taskID } }`), "", 406, "gqlgen's GET refuses mutations"},
		{"too-large", "POST", "application/json", "", `{"query":"` + strings.Repeat(" ", gqlfacade.MaxBodyBytes) + `{ __typename }"}`, 413, "the 1 MiB body bound"},
		{"complexity", "POST", "application/json", "", aliasBomb(gqlfacade.MaxComplexity), 200, "more aliases than the complexity limit: an operation error, HTTP 200"},
	} {
		t.Run(c.name, func(t *testing.T) {
			hdr := h.Clone()
			hdr.Del("Content-Type")
			if c.contentType != "" {
				hdr.Set("Content-Type", c.contentType)
			}
			r := e.do(c.method, PathGraphQL+c.target, hdr, c.body)
			if r.status != c.status {
				t.Fatalf("%s: status %d, want %d: %.300s", c.reason, r.status, c.status, r.body)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatalf("body is not a JSON object: %.300s", r.body)
			}
			if _, ok := m["errors"]; !ok && c.name != "get-query" {
				t.Errorf("%s: status %d without errors: %.300s", c.reason, r.status, r.body)
			}
		})
	}
	if c := e.srv.Counters().Calls; c[OpCreate]+c[OpQuery]+c[OpDetails] != 0 {
		t.Errorf("hostile requests reached REST: %v", c)
	}
}

// aliasBomb is a query with n aliased batchTask fields.
func aliasBomb(n int) string {
	var b strings.Builder
	b.WriteString(`{"query":"{`)
	for i := range n {
		b.WriteString(" a" + strconv.Itoa(i) + `: batchTask(taskId: \"x\") { taskId }`)
	}
	b.WriteString(`}"}`)
	return b.String()
}

// FuzzGraphQL feeds arbitrary bodies and headers to /graphql: the platform never panics,
// never answers 5xx, and always answers a JSON object.
func FuzzGraphQL(f *testing.F) {
	srv, err := New(WithClock(NewManualClock(t0)),
		WithThrottle(ThrottleConfig{Limit: 1 << 30, Window: time.Minute, Type: ThrottleFixed}),
		WithTaskLimit(1<<30), WithFaults(FaultGQLFieldRenamed, FaultGQLNullableNonNull, FaultGQLDataDisagrees, FaultGQLErrorWithoutCode))
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	rec := httptest.NewRecorder()
	login := httptest.NewRequest(http.MethodPost, PathLogin, strings.NewReader("appId=app-primary&secret=primary-secret"))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, login)
	var lr LoginResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &lr); err != nil {
		f.Fatal(err)
	}
	create := `{"query":"mutation($in: CreateBatchTaskInput!) { createBatchTask(input: $in) { taskID } }","variables":{"in":{"appId":"app-primary","taskName":"n","taskType":"DeviceCmd","timeout":10,"param":{"type":"DeviceList","deviceList":["dev-lone"],"command":{"serviceId":"S","method":"M","paras":{"a":[1,{"b":null}]}}}}}}`
	f.Add("POST", "application/json", create, true)
	f.Add("POST", "application/json", `{"query":"{ batchTask(taskId: \"abc\", select: \"tags\") { taskId operator progress tags { tagName } } }"}`, true)
	f.Add("POST", "application/json", `{"query":"{ taskDetails(taskId: \"abc\", pageNo: -1, pageSize: 0) { pageNo taskDetails { status } } }"}`, true)
	f.Add("POST", "application/json", `{"query":"{ __schema { types { name } } }"}`, false)
	f.Add("POST", "application/json", `{"query":"{ x: batchTask(taskId: \"a/../b\") { taskId } y: batchTask(taskId: \"\") { taskId } }"}`, true)
	f.Add("POST", "application/json", `{"query":"query($v: JSON) { __typename }","variables":{"v":{"deep":[[[[[]]]]]}}}`, true)
	f.Add("GET", "", ``, true)
	f.Add("POST", "application/json; charset=x", "\x00\xff{", false)
	f.Fuzz(func(t *testing.T, method, contentType, body string, authed bool) {
		req := &http.Request{Method: method, URL: &url.URL{Path: PathGraphQL}, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(body)), Host: "127.0.0.1"}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if authed {
			req.Header.Set("App_key", "app-primary")
			req.Header.Set("Authorization", "Bearer "+lr.AccessToken)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q answered %d: %s", method, body, rec.Code, rec.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %q: body is not a JSON object: %q", method, body, rec.Body)
		}
	})
}
