package gql

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// taskOp selects a slice of the task through an alias and a fragment, so the checks see both.
const taskOp = `query one($id: String!) {
  t: batchTask(taskId: $id) { taskId timeout tags { tagName } ...p }
}
fragment p on BatchTask { param { type deviceList command { paras } } }`

const createOp = `mutation create($input: CreateBatchTaskInput!) { createBatchTask(input: $input) { taskID } }`

const detailsOp = `query d($taskId: String!, $pageNo: Int) { taskDetails(taskId: $taskId, pageNo: $pageNo) { pageNo } }`

func mustOp(t *testing.T, src string) *Operation {
	t.Helper()
	o, err := NewOperation(src)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestParseOperation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
		why             string
	}{
		{"valid", taskOp, "", "a field, an alias and a fragment the schema has"},
		{"unknown field", `{ batchTask(taskId: "x") { nope } }`, `Cannot query field "nope"`, "gqlparser's message is kept"},
		{"wrong argument type", `{ taskDetails(taskId: "x", pageNo: "1") { pageNo } }`, "Int cannot represent non-integer value", "the type check is the library's"},
		{"missing non-null argument", `{ batchTask { taskId } }`, `argument "taskId" of type "String!" is required`, "non-null arguments are required"},
		{"syntax", `query {`, "Expected Name", "a syntax error is a parse error"},
		{"no sub-selection", `{ batchTask(taskId: "x") }`, "must have a selection of subfields", "objects need a selection"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseOperation(c.src)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("%s: %v", c.why, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("%s: error %v, want it to contain %q", c.why, err, c.want)
			}
		})
	}
}

func TestNewOperationNeedsOneRootField(t *testing.T) {
	t.Parallel()
	_, err := NewOperation(`query two { a: batchTask(taskId: "x") { taskId } b: batchTask(taskId: "y") { taskId } }`)
	if err == nil || !strings.Contains(err.Error(), "exactly one root field") {
		t.Fatalf("error %v", err)
	}
	o := mustOp(t, taskOp)
	if o.Field != "batchTask" || o.Key != "t" || o.Name() != "one" {
		t.Fatalf("field %s key %s name %s", o.Field, o.Key, o.Name())
	}
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

const validInput = `{"appId":"a","taskName":"n","taskType":"DeviceCmd","timeout":10,
  "param":{"type":"DeviceList","deviceList":["d"],"command":{"serviceId":"s","method":"m","paras":{"v":"1"}}},
  "tags":[{"tagName":"t","tagValue":"v"}]}`

func TestVariables(t *testing.T) {
	t.Parallel()
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(validInput), &m)
		f(m)
		b, _ := json.Marshal(map[string]any{"input": m})
		return string(b)
	}
	param := func(m map[string]any) map[string]any { return m["param"].(map[string]any) }
	cases := []struct {
		name, op, vars, want string
		why                  string
	}{
		{"valid create", createOp, `{"input":` + validInput + `}`, "", "every field of its type"},
		{"missing taskName", createOp, edit(func(m map[string]any) { delete(m, "taskName") }), "variable.input.taskName must be defined", "a missing non-null field"},
		{"taskName a number", createOp, edit(func(m map[string]any) { m["taskName"] = 12345.0 }), "cannot use float64 as String", "the library rejects the wrong type"},
		{"timeout a numeric string", createOp, edit(func(m map[string]any) { m["timeout"] = "12" }), "variable.input.timeout cannot use string as Int", "gqlparser takes \"12\" as an Int; GraphQL clients send a number"},
		{"timeout fractional", createOp, edit(func(m map[string]any) { m["timeout"] = 10.5 }), "cannot use float64 as Int", "an Int is whole"},
		{"timeout beyond 32 bits", createOp, edit(func(m map[string]any) { m["timeout"] = 1e10 }), "cannot use number as Int", "GraphQL's Int has 32 bits"},
		{"deviceList a string", createOp, edit(func(m map[string]any) { param(m)["deviceList"] = "not-a-array" }), "variable.input.param.deviceList cannot use string as [String!]", "list coercion would change the meaning"},
		{"deviceList null", createOp, edit(func(m map[string]any) { param(m)["deviceList"] = nil }), "", "a nullable field may be null"},
		{"deviceList with null", createOp, edit(func(m map[string]any) { param(m)["deviceList"] = []any{nil} }), "cannot be null", "items are non-null"},
		{"paras a string", createOp, edit(func(m map[string]any) { param(m)["command"].(map[string]any)["paras"] = "x" }), "cannot use string as JSON", "paras is an object"},
		{"unknown field", createOp, edit(func(m map[string]any) { m["extra"] = 1.0 }), "unknown field", "the input type is closed"},
		{"param a string", createOp, edit(func(m map[string]any) { m["param"] = "not-a-object" }), "must be a TaskParamInput", "an input object is an object"},
		{"input missing", createOp, `{}`, "variable.input must be defined", "a non-null variable"},
		{"pageNo int", detailsOp, `{"taskId":"x","pageNo":3}`, "", "a number for an Int"},
		{"pageNo word", detailsOp, `{"taskId":"x","pageNo":"first"}`, "cannot use string as Int", "a word is no Int"},
		{"taskId absent", detailsOp, `{"pageNo":1}`, "variable.taskId must be defined", "taskId is non-null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := mustOp(t, c.op)
			_, err := o.Variables(decode(t, c.vars))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("%s: %v", c.why, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("%s: error %v, want it to contain %q", c.why, err, c.want)
			case err != nil && !errors.Is(err, ErrNotCoercible):
				t.Fatalf("%v does not wrap ErrNotCoercible", err)
			}
		})
	}
}

func TestCheckData(t *testing.T) {
	t.Parallel()
	o := mustOp(t, taskOp)
	good := `{"t":{"taskId":"x","timeout":10,"tags":null,"param":{"type":"DeviceList","deviceList":["a"],"command":{"paras":{"k":1}}}}}`
	cases := []struct {
		name, data, want string
		why              string
	}{
		{"good", good, "", "every field present with its type"},
		{"field null", `{"t":null}`, "", "batchTask is nullable"},
		{"data null", `null`, "/data: data is null", "data must be an object"},
		{"name instead of alias", strings.Replace(good, `"t":`, `"batchTask":`, 1), "/data/t: selected field t is missing", "fields are under their alias"},
		{"missing field", strings.Replace(good, `"timeout":10,`, ``, 1), "/data/t/timeout: selected field timeout is missing", "every selected field is present"},
		{"extra field", strings.Replace(good, `"timeout":10,`, `"timeout":10,"x":1,`, 1), "/data/t/x: field x was not selected", "only selected fields"},
		{"null non-null", strings.Replace(good, `"taskId":"x"`, `"taskId":null`, 1), "/data/t/taskId: is null, but String! is non-null", "nullability"},
		{"int as string", strings.Replace(good, `"timeout":10`, `"timeout":"10"`, 1), "/data/t/timeout: is a string, expected Int", "Int is a number"},
		{"fractional int", strings.Replace(good, `"timeout":10`, `"timeout":10.5`, 1), "/data/t/timeout: is the number 10.5, expected Int", "Int is whole"},
		{"list not a list", strings.Replace(good, `["a"]`, `"a"`, 1), "/data/t/param/deviceList: is a string, expected a list [String!]", "list-ness"},
		{"null item", strings.Replace(good, `["a"]`, `[null]`, 1), "/data/t/param/deviceList/0: is null", "items are non-null"},
		{"json not object", strings.Replace(good, `{"k":1}`, `"k"`, 1), "/data/t/param/command/paras: is a string, expected JSON", "JSON is an object"},
		{"nested object missing", strings.Replace(good, `"command":{"paras":{"k":1}}`, `"command":null`, 1), "/data/t/param/command: is null, but Command! is non-null", "recursion"},
		{"tags item wrong", strings.Replace(good, `"tags":null`, `"tags":[{"tagName":1}]`, 1), "/data/t/tags/0/tagName: is the number 1, expected String", "recursion into lists of objects"},
		{"object not object", strings.Replace(good, `"param":{`, `"param":[{`, 1) + "", "/data/t/param", "an object is an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data := c.data
			if c.name == "object not object" {
				data = strings.Replace(good, `"param":{"type":"DeviceList","deviceList":["a"],"command":{"paras":{"k":1}}}`, `"param":[1]`, 1)
			}
			vs := CheckData(o.Doc, "one", json.RawMessage(data))
			var got []string
			for _, v := range vs {
				got = append(got, v.Pointer+": "+v.Message)
			}
			all := strings.Join(got, "\n")
			switch {
			case c.want == "" && len(vs) > 0:
				t.Fatalf("%s: %s", c.why, all)
			case c.want != "" && !strings.Contains(all, c.want):
				t.Fatalf("%s: got %q, want %q", c.why, all, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, raw, want string
		code            string
		status          int
		why             string
	}{
		{"complete", `[{"message":"m","path":["f"],"extensions":{"code":"105001","desc":"limit","httpStatus":200}}]`, "", "105001", 200, "the contract's shape"},
		{"no code", `[{"message":"m","extensions":{"desc":"d","httpStatus":403}}]`, "/errors/0/extensions/code: extensions.code is missing", "", 403, "code is mandatory"},
		{"numeric code", `[{"message":"m","extensions":{"code":105001,"httpStatus":200}}]`, "extensions.code is the number 105001, expected a string", "", 200, "code is a string"},
		{"no status", `[{"message":"m","extensions":{"code":"1"}}]`, "/errors/0/extensions/httpStatus: extensions.httpStatus is missing", "1", 0, "httpStatus is mandatory"},
		{"status string", `[{"message":"m","extensions":{"code":"1","httpStatus":"403"}}]`, "expected an HTTP status", "1", 0, "httpStatus is an integer"},
		{"no extensions", `[{"message":"Cannot query field"}]`, "extensions {code, desc, httpStatus} are missing", "", 0, "a validation error carries no platform error"},
		{"not a list", `{"message":"m"}`, "/errors: is an object, expected a list", "", 0, "errors is a list"},
		{"empty", `[]`, "empty list", "", 0, "no errors means no member"},
		{"no message", `[{"extensions":{"code":"1","httpStatus":400}}]`, "message is missing", "1", 400, "message is mandatory in GraphQL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			errs, vs := ParseErrors(json.RawMessage(c.raw))
			var got []string
			for _, v := range vs {
				got = append(got, v.Pointer+": "+v.Message)
			}
			all := strings.Join(got, "\n")
			switch {
			case c.want == "" && len(vs) > 0:
				t.Fatalf("%s: %s", c.why, all)
			case c.want != "" && !strings.Contains(all, c.want):
				t.Fatalf("%s: got %q, want %q", c.why, all, c.want)
			}
			if len(errs) > 0 && (errs[0].Code != c.code || errs[0].HTTPStatus != c.status) {
				t.Fatalf("%s: read %+v, want code %q status %d", c.why, errs[0], c.code, c.status)
			}
		})
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	o := mustOp(t, taskOp)
	good := `{"data":{"t":{"taskId":"x","timeout":10,"tags":null,"param":{"type":"DeviceList","deviceList":["a"],"command":{"paras":{"k":null}}}}}}`
	failed := `{"data":{"t":null},"errors":[{"message":"m","path":["t"],"extensions":{"code":"105005","desc":"no task","httpStatus":404}}]}`
	cases := []struct {
		name       string
		status     int
		ct, body   string
		wantStatus int
		wantBody   string
		wantViol   string
		wantErr    bool
		why        string
	}{
		{"success", 200, "application/json", good, 200,
			`{"param":{"command":{"paras":{"k":null}},"deviceList":["a"],"type":"DeviceList"},"taskId":"x","timeout":10}`, "", false,
			"keys by name, nulls left out, JSON scalars kept"},
		{"platform error", 200, "application/json; charset=utf-8", failed, 404, `{"error_code":"105005","error_desc":"no task"}`, "", false,
			"the error's httpStatus and code become the REST answer"},
		{"graphql-response media type", 200, "application/graphql-response+json", failed, 404, `{"error_code":"105005","error_desc":"no task"}`, "", false,
			"GraphQL over HTTP's media type is fine"},
		{"non-200", 404, "application/json", failed, 404, `{"error_code":"105005","error_desc":"no task"}`, "HTTP 404 to a well-formed graphql request", false,
			"the facade answers 200 to well-formed requests"},
		{"text content type", 200, "text/plain", good, 200, "", "Content-Type \"text/plain\"", false, "the answer is JSON"},
		{"field not null with error", 200, "application/json", strings.Replace(failed, `"t":null`, `"t":{}`, 1), 404, "", "is not null although the field failed", false,
			"data.<field> is null on error"},
		{"error without path", 200, "application/json", strings.Replace(failed, `"path":["t"],`, ``, 1), 404, "", "no error's path names the field t", false,
			"path names the field"},
		{"error without code", 200, "application/json", `{"data":null,"errors":[{"message":"boom","path":["t"],"extensions":{"httpStatus":500}}]}`, 500,
			`{"error_desc":""}`, "extensions.code is missing", false, "no code gives a body without error_code"},
		{"null without errors", 200, "application/json", `{"data":{"t":null}}`, 200, "null", "is null (or missing) in an answer without errors", false,
			"a null field needs an error"},
		{"not json", 502, "text/html", `<html>bad gateway</html>`, 502, `<html>bad gateway</html>`, "HTTP 502", true, "no GraphQL response at all"},
		{"neither data nor errors", 200, "application/json", `{"x":1}`, 200, `{"x":1}`, "", true, "a GraphQL response has data or errors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := o.Read(c.status, c.ct, []byte(c.body))
			if (a.Err != nil) != c.wantErr {
				t.Fatalf("%s: err %v", c.why, a.Err)
			}
			if a.Status != c.wantStatus {
				t.Errorf("%s: status %d, want %d", c.why, a.Status, c.wantStatus)
			}
			if c.wantBody != "" && string(a.Body) != c.wantBody {
				t.Errorf("%s: body %s, want %s", c.why, a.Body, c.wantBody)
			}
			all := a.Violations.Error()
			switch {
			case c.wantViol == "" && len(a.Violations) > 0:
				t.Errorf("%s: unexpected violations %s", c.why, all)
			case c.wantViol != "" && !strings.Contains(all, c.wantViol):
				t.Errorf("%s: violations %q, want %q", c.why, all, c.wantViol)
			}
		})
	}
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	o := mustOp(t, detailsOp)
	b, err := o.Request(map[string]any{"taskId": "x", "pageNo": 2})
	if err != nil {
		t.Fatal(err)
	}
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Query != detailsOp || r.OperationName != "d" || r.Variables["pageNo"] != 2.0 {
		t.Fatalf("request %s", b)
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{`{"data":{"t":{"taskId":"x"}}}`, `{"errors":[{"message":"m","path":["t"],"extensions":{"code":"1","httpStatus":400}}]}`,
		`{"data":{"t":{"param":{"command":{"paras":[]}}}}}`, `[]`, `null`, `{"errors":{}}`, `{"data":{"t":{"tags":[null,{"tagName":null}]}}}`} {
		f.Add(s)
	}
	o, err := NewOperation(taskOp)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		a := o.Read(200, "application/json", []byte(body))
		if a.Err == nil && a.Status == 0 {
			t.Fatalf("a read answer without status: %+v", a)
		}
		if a.Err == nil && !json.Valid(a.Body) {
			t.Fatalf("translated body is not JSON: %q", a.Body)
		}
	})
}
