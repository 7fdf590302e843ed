package contracts

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// baseBodies are valid documents of every schema. The create request (and the task's param)
// carries every conditional member, so any param.type is valid and each field entry's examples
// are judged on their own.
var baseBodies = map[Schema]string{
	SchemaCreateRequest: `{"appId":"app-1","taskName":"nightly-reboot","taskType":"DeviceCmd","timeout":60,
		"param":{"type":"DeviceList","deviceList":["dev-1","dev-2"],"deviceType":"Gateway","manufacturerId":"acme","model":"M-100",
		"deviceLocation":"Shenzhen","groupList":["group-a"],"command":{"serviceId":"Switch","method":"ON","paras":{"brightness":80}},
		"callbackUrl":"https://na.example/callback","maxRetransmit":1,"groupTag":"floor-3"},
		"tags":[{"tagName":"site","tagValue":"north"}]}`,
	SchemaCreateResponse: `{"taskID":"task-0001"}`,
	SchemaBatchTask:      validTaskBody,
	SchemaSubtaskPage: `{"pageNo":0,"pageSize":25,"totalCount":2,"taskDetails":[
		{"status":"Success","output":"{\"state\":\"ON\"}","error":"","param":{"deviceId":"dev-1","commandId":"cmd-1"}},
		{"status":"Pending","param":{"deviceId":"dev-2"}}]}`,
	SchemaLoginResponse: `{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":"a-7f3e","refreshToken":"r-7a1c"}`,
	SchemaErrorBody:     `{"error_code":"105001","error_desc":"The batchTask count has reached the limit."}`,
}

const validTaskBody = `{"appId":"app-1","taskId":"task-0001","taskName":"nightly-reboot","operator":"app-1","taskFrom":"Northbound",
	"taskType":"DeviceCmd","status":"Running","startTime":"20240131T235959Z","timeout":60,"progress":333,"totalCnt":3,
	"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":333,
	"param":{"type":"DeviceList","deviceList":["dev-1","dev-2","dev-3"],"deviceType":"Gateway","manufacturerId":"acme","model":"M-100",
	"deviceLocation":"Shenzhen","groupList":["group-a"],"command":{"serviceId":"Switch","method":"ON","paras":{"brightness":80}}},
	"tags":[{"tagName":"site","tagValue":"north"}]}`

func mustSchemas(t testing.TB) *SchemaSet {
	t.Helper()
	s, err := Schemas()
	if err != nil {
		t.Fatalf("Schemas: %v", err)
	}
	return s
}

func decodeBase(t *testing.T, name Schema) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(baseBodies[name]), &m); err != nil {
		t.Fatalf("base %s: %v", name, err)
	}
	return m
}

// setAt sets (or, for an absent example, deletes) the member at a dotted path; an array on
// the way stands for its first element.
func setAt(doc any, path string, ex Example) error {
	segs := strings.Split(path, ".")
	cur := doc
	for i, seg := range segs {
		if arr, ok := cur.([]any); ok {
			if len(arr) == 0 {
				return fmt.Errorf("empty array before %q", seg)
			}
			cur = arr[0]
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return fmt.Errorf("%q is not inside an object", seg)
		}
		if i == len(segs)-1 {
			if ex.Absent {
				delete(m, seg)
			} else {
				m[seg] = jsonValue(ex.Value)
			}
			return nil
		}
		cur = m[seg]
	}
	return nil
}

// jsonValue converts a YAML-decoded example to its JSON form.
func jsonValue(v any) any {
	enc, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("example %#v is not JSON: %v", v, err))
	}
	var out any
	_ = json.Unmarshal(enc, &out)
	return out
}

func TestCatalogExamplesAgainstSchemas(t *testing.T) {
	t.Parallel()
	c := mustCatalog(t)
	set := mustSchemas(t)
	checked := 0
	for _, r := range c.Requirements {
		schema, ok := r.Schema()
		if !ok {
			continue
		}
		valid, invalid := r.Examples()
		conditions := []string{""}
		if r.RequiredWhen != nil {
			conditions = r.RequiredWhen.Values
		}
		for _, cond := range conditions {
			run := func(ex Example, wantValid bool) {
				doc := decodeBase(t, schema)
				if cond != "" {
					if err := setAt(doc, r.RequiredWhen.Field, Example{Value: cond}); err != nil {
						t.Fatalf("%s: set %s: %v", r.ID, r.RequiredWhen.Field, err)
					}
				}
				if err := setAt(doc, r.Path, ex); err != nil {
					t.Fatalf("%s: %v", r.ID, err)
				}
				body, _ := json.Marshal(doc)
				vs := set.Validate(schema, body)
				label := short(ex.Value)
				if ex.Absent {
					label = "absent"
				}
				switch {
				case wantValid && len(vs) > 0:
					t.Errorf("%s (when %s): valid example %s rejected by %s: %v", r.ID, cond, label, schema, vs)
				case !wantValid && len(vs) == 0:
					t.Errorf("%s (when %s): invalid example %s accepted by %s", r.ID, cond, label, schema)
				}
				checked++
			}
			for _, ex := range valid {
				run(ex, true)
			}
			for _, ex := range invalid {
				run(ex, false)
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d examples checked; the catalog lost its examples", checked)
	}
}

func TestSchemaBasesAreValid(t *testing.T) {
	t.Parallel()
	set := mustSchemas(t)
	for _, name := range AllSchemas {
		if vs := set.Validate(name, []byte(baseBodies[name])); len(vs) > 0 {
			t.Errorf("base %s: %v", name, vs)
		}
	}
}

func TestSharedDefinitionsInSync(t *testing.T) {
	t.Parallel()
	set := mustSchemas(t)
	defs := func(name Schema) map[string]any {
		var doc struct {
			Definitions map[string]any `json:"definitions"`
		}
		if err := json.Unmarshal(set.Source(name), &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return doc.Definitions
	}
	create, task := defs(SchemaCreateRequest), defs(SchemaBatchTask)
	for _, d := range []string{"objectNode", "command", "tag", "stringList"} {
		if !reflect.DeepEqual(create[d], task[d]) {
			t.Errorf("definition %s differs between create-request and batch-task (AMB.4: param is create's ObjectNode)", d)
		}
	}
}

func TestValidateViolations(t *testing.T) {
	t.Parallel()
	set := mustSchemas(t)
	cases := []struct {
		name, reason string
		schema       Schema
		body         string
		pointers     []string
		message      string
	}{
		{"empty body", "an empty answer is not JSON, and must be one violation, not a panic", SchemaBatchTask, ``, []string{""}, "not well-formed JSON"},
		{"truncated", "a cut connection leaves half a body", SchemaCreateResponse, `{"taskID":`, []string{""}, "not well-formed JSON"},
		{"trailing garbage", "two documents in one body are not one JSON value", SchemaCreateResponse, `{"taskID":"t"} x`, []string{""}, "not well-formed JSON"},
		{"html", "a gateway error page", SchemaErrorBody, `<html>502</html>`, []string{""}, "not well-formed JSON"},
		{"null", "null is JSON but no object", SchemaCreateResponse, `null`, []string{""}, "Invalid type"},
		{"array", "an array is not the object the docs show", SchemaLoginResponse, `[]`, []string{""}, "Invalid type"},
		{"taskId on create", "AMB.1: create answers taskID with a capital D", SchemaCreateResponse, `{"taskId":"t-1"}`, []string{"/taskID"}, "taskID is required"},
		{"numeric error_code", "AMB.7: doc-strict error codes are strings", SchemaErrorBody, `{"error_code":105001,"error_desc":"x"}`, []string{"/error_code"}, "Invalid type"},
		{"resultcode body", "AMB.7: gateway shape is not the doc-strict shape", SchemaErrorBody, `{"resultcode":"1010005","resultmsg":"x"}`, []string{"/error_code", "/error_desc"}, "required"},
		{"tag too long", "pointer walks into arrays", SchemaCreateRequest, strings.Replace(baseBodies[SchemaCreateRequest], `"tagName":"site"`, `"tagName":"`+strings.Repeat("n", 129)+`"`, 1), []string{"/tags/0/tagName"}, "less than or equal to 128"},
		{"DeviceType without model", "AMB.8: model is mandatory for DeviceType; then-branch summary is dropped", SchemaCreateRequest,
			`{"appId":"a","taskName":"t","taskType":"DeviceCmd","timeout":10,"param":{"type":"DeviceType","deviceType":"G","manufacturerId":"m","command":{"serviceId":"s","method":"m"}}}`,
			[]string{"/param/model"}, "model is required"},
		{"progress over 1000", "permillage bound", SchemaBatchTask, strings.Replace(validTaskBody, `"progress":333`, `"progress":1001`, 1), []string{"/progress"}, "1000"},
		{"rfc3339 startTime", "AMB.11 doc-strict format", SchemaBatchTask, strings.Replace(validTaskBody, `"20240131T235959Z"`, `"2024-01-31T23:59:59Z"`, 1), []string{"/startTime"}, "pattern"},
		{"subtask Expired", "AMB.R8: an expired subtask stays Pending", SchemaSubtaskPage, `{"pageNo":0,"pageSize":25,"totalCount":1,"taskDetails":[{"status":"Expired","param":{"deviceId":"d"}}]}`, []string{"/taskDetails/0/status"}, "must be one of"},
		{"unknown schema", "a caller's typo is a violation, not a panic", Schema("nope"), `{}`, []string{""}, "unknown schema"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vs := set.Validate(tc.schema, []byte(tc.body))
			var got []string
			for _, v := range vs {
				got = append(got, v.Pointer)
				if v.Source != SourceSchema {
					t.Errorf("source %q, want %q", v.Source, SourceSchema)
				}
			}
			if !reflect.DeepEqual(got, tc.pointers) {
				t.Fatalf("%s: pointers %q, want %q (%v)", tc.reason, got, tc.pointers, vs)
			}
			if !strings.Contains(vs.Error(), tc.message) {
				t.Errorf("%s: message %q lacks %q", tc.reason, vs.Error(), tc.message)
			}
		})
	}
}

// TestValidateConcurrent proves, under -race, that one SchemaSet validates from 16 goroutines
// at once, including the first compile (Schemas is called inside the goroutines) and the
// error-template path of gojsonschema, with the same answers as a sequential run.
func TestValidateConcurrent(t *testing.T) {
	t.Parallel()
	type job struct {
		schema Schema
		body   []byte
	}
	var jobs []job
	for _, name := range AllSchemas {
		jobs = append(jobs, job{name, []byte(baseBodies[name])}, job{name, []byte(`{"progress":"x","tags":[{"tagName":""}]}`)}, job{name, []byte(`{`)})
	}
	want := make([]string, len(jobs))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			set, err := Schemas()
			if err != nil {
				errs <- err
				return
			}
			for i := 0; i < 20; i++ {
				for k := range jobs {
					j := jobs[(k+g)%len(jobs)]
					_ = set.Validate(j.schema, j.body).Error()
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	set := mustSchemas(t)
	for k, j := range jobs {
		want[k] = set.Validate(j.schema, j.body).Error()
	}
	// A second concurrent round must agree with the sequential answers.
	got := make([]string, len(jobs))
	for k := range jobs {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			got[k] = set.Validate(jobs[k].schema, jobs[k].body).Error()
		}(k)
	}
	wg.Wait()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("concurrent answers differ from sequential ones:\n got %q\nwant %q", got, want)
	}
}

func TestValidateNamesRequirement(t *testing.T) {
	t.Parallel()
	set := mustSchemas(t)
	cases := []struct {
		name, reason string
		schema       Schema
		body         string
		want         string
	}{
		{"query progress", "a response member maps to its RSP entry", SchemaBatchTask, strings.Replace(validTaskBody, `"progress":333`, `"progress":-1`, 1), "RSP.query.progress"},
		{"tag in array", "array indexes are dropped", SchemaCreateRequest, strings.Replace(baseBodies[SchemaCreateRequest], `"tagValue":"north"`, `"tagValue":""`, 1), "FLD.create.tags.tagValue"},
		{"nested unknown", "an undocumented child falls back to its parent's entry", SchemaBatchTask, strings.Replace(validTaskBody, `"paras":{"brightness":80}`, `"paras":[]`, 1), "RSP.query.param"},
		{"error body", "error bodies map to RULE.error-body", SchemaErrorBody, `{"error_code":1}`, "RULE.error-body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vs := set.Validate(tc.schema, []byte(tc.body))
			if len(vs) == 0 || vs[0].Requirement != tc.want {
				t.Fatalf("%s: got %v, want first requirement %s", tc.reason, vs, tc.want)
			}
		})
	}
}
