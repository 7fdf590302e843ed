package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestFastCheckersCompile guards the fast path: every JSON response schema of the spec gets
// a fastschema.Checker, so a conforming answer is never judged by VisitJSON alone.
func TestFastCheckersCompile(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	doc := v.doc
	rootJSON, root := mustRoot(t, doc)
	_ = rootJSON
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, resp := range op.Responses.Map() {
				media := resp.Value.Content.Get("application/json")
				if media == nil || media.Schema == nil {
					continue
				}
				if v.fast[media.Schema] == nil {
					_, err := compileSchemaRef(root, media.Schema)
					t.Errorf("%s %s %s: no fast checker: %v", method, path, status, err)
				}
			}
		}
	}
}

func mustRoot(t *testing.T, doc any) ([]byte, map[string]any) {
	t.Helper()
	enc, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(enc, &m); err != nil {
		t.Fatal(err)
	}
	return enc, m
}

// TestDecodedResponseAgrees: ValidateDecodedResponse reports exactly what ValidateResponse
// reports, for conforming answers, for every member of them replaced by values on and across
// the schema's bounds or removed, and for other statuses and media types.
func TestDecodedResponseAgrees(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	type answer struct {
		req    *http.Request
		status int
		ct     string
		body   map[string]any
	}
	query := authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/tasks/task-1", nil)
	create, _ := createRequest(t, validCreate())
	listTask := validTask()
	listTask["param"] = map[string]any{"type": "DeviceList", "deviceList": []any{"d"}, "command": map[string]any{"serviceId": "S", "method": "M"}}
	answers := []answer{
		{query, 200, "application/json;charset=UTF-8", validTask()},
		{query, 200, "application/json", listTask},
		{query, 404, "application/json", map[string]any{"error_code": "105005", "error_desc": "x"}},
		{create, 200, "application/json", map[string]any{"taskID": "t-1"}},
		{create, 400, "application/json", map[string]any{"error_code": "100022", "error_desc": "x"}},
		{query, 299, "application/json", validTask()},
		{query, 200, "text/plain", validTask()},
	}
	palette := []any{nil, "", "x", "Complete", "DeviceType", strings.Repeat("é", 257), json.Number("-1"), json.Number("0"),
		json.Number("9"), json.Number("10"), json.Number("1001"), json.Number("1.5"), json.Number("1e2"), true, []any{}, map[string]any{}}
	checked, cleared := 0, 0
	for _, a := range answers {
		raw := mustJSON(t, a.body)
		bodies := [][]byte{raw}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for k, val := range doc {
			for _, p := range append(palette, "delete") {
				m := maps.Clone(doc)
				if p == "delete" {
					delete(m, k)
				} else {
					m[k] = p
				}
				bodies = append(bodies, mustJSON(t, m))
			}
			if sub, ok := val.(map[string]any); ok {
				for sk := range sub {
					for _, p := range palette {
						m, s := maps.Clone(doc), maps.Clone(sub)
						s[sk] = p
						m[k] = s
						bodies = append(bodies, mustJSON(t, m))
					}
				}
			}
		}
		h := http.Header{"Content-Type": {a.ct}}
		for _, body := range bodies {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var value any
			if err := dec.Decode(&value); err != nil {
				t.Fatal(err)
			}
			want := v.ValidateResponse(context.Background(), a.req, nil, a.status, h, body)
			got := v.ValidateDecodedResponse(context.Background(), a.req, nil, a.status, h, body, value)
			checked++
			if len(want) == 0 {
				cleared++
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d %s %s:\n got %v\nwant %v", a.status, a.ct, body, got, want)
			}
		}
	}
	t.Logf("%d answers compared, %d conforming", checked, cleared)
}
