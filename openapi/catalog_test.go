package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/openapi"
)

// The spec and the requirements catalog are written from the same doc rows; these tests make
// them agree, so that neither can drift alone.

// TestSpecAndCatalogAgreeOnErrorTriples: every (operation, status, error code) the spec lists
// is an error row of the catalog, and every error row of the catalog is in the spec.
func TestSpecAndCatalogAgreeOnErrorTriples(t *testing.T) {
	t.Parallel()
	cat, err := contracts.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	key := func(op string, status int, code string) string { return fmt.Sprintf("%s %d %s", op, status, code) }
	spec := map[string]bool{}
	for _, tr := range openapi.ErrorCodes() {
		spec[key(tr.Operation, tr.Status, tr.Code)] = true
	}
	catalog := map[string]bool{}
	for _, r := range cat.Errors() {
		catalog[key(r.Operation, r.Status, r.Code)] = true
	}
	for k := range spec {
		if !catalog[k] {
			t.Errorf("spec lists %s, the catalog has no error row for it", k)
		}
	}
	for k := range catalog {
		if !spec[k] {
			t.Errorf("catalog has error row %s, the spec does not list it", k)
		}
	}
	// The documented rows: create 14, query 8, login 4; create and query together 15 codes.
	count := map[string]int{}
	codes := map[string]bool{}
	for k := range spec {
		f := strings.Fields(k)
		count[f[0]]++
		if f[0] == "createBatchTask" || f[0] == "queryBatchTask" {
			codes[f[2]] = true
		}
	}
	for op, want := range map[string]int{"createBatchTask": 14, "queryBatchTask": 8, "login": 4} {
		if count[op] != want {
			t.Errorf("%s: %d error triples, the docs have %d rows", op, count[op], want)
		}
	}
	if len(codes) != 15 {
		t.Errorf("create and query carry %d distinct codes, the docs list 15", len(codes))
	}
}

// baseParams are minimal valid params for each param.type.
var baseParams = map[string]map[string]any{
	"DeviceList":  {"deviceList": []any{"dev-1", "dev-2"}},
	"DeviceType":  {"deviceType": "Gateway", "manufacturerId": "acme", "model": "M-100"},
	"DeviceArea":  {"deviceLocation": "Shenzhen"},
	"GroupList":   {"groupList": []any{"group-a"}},
	"GroupIdList": {"groupList": []any{"grp-1"}},
	"Broadcast":   {},
}

// baseCreate is a valid create body for paramType; for "" it is a DeviceList param that
// carries every conditional member too, so that any param.type is valid and an entry's examples
// are judged on their own.
func baseCreate(paramType string) map[string]any {
	members := baseParams[paramType]
	if paramType == "" {
		paramType, members = "DeviceList", map[string]any{}
		for _, m := range baseParams {
			for k, v := range m {
				members[k] = v
			}
		}
	}
	param := map[string]any{"type": paramType,
		"command":     map[string]any{"serviceId": "Switch", "method": "ON", "paras": map[string]any{"p": 1}},
		"callbackUrl": "https://na.example/cb", "maxRetransmit": 1, "groupTag": "floor-3"}
	for k, v := range members {
		param[k] = v
	}
	return map[string]any{"appId": "app-1", "taskName": "n", "taskType": "DeviceCmd", "timeout": 60,
		"param": param, "tags": []any{map[string]any{"tagName": "site", "tagValue": "north"}}}
}

// setPath sets (or deletes, for an absent example) the member at a dotted path; an array on
// the way stands for its first element.
func setPath(doc map[string]any, path string, ex contracts.Example) {
	segs := strings.Split(path, ".")
	var cur any = doc
	for i, seg := range segs {
		if arr, ok := cur.([]any); ok && len(arr) > 0 {
			cur = arr[0]
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return
		}
		if i == len(segs)-1 {
			if ex.Absent {
				delete(m, seg)
			} else {
				m[seg] = ex.Value
			}
			return
		}
		cur = m[seg]
	}
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// requestFor builds a request for the entry's operation with the example in place; cond is the
// param.type the entry's requiredWhen names ("" for none).
func requestFor(t *testing.T, r contracts.Requirement, ex contracts.Example, cond string) (*http.Request, []byte) {
	t.Helper()
	headers := map[string]string{"app_key": "app-1", "Authorization": "Bearer tok-1"}
	query := url.Values{}
	var method, path, ctype string
	var body []byte
	switch r.Operation {
	case "createBatchTask":
		method, path, ctype = http.MethodPost, "/iocm/app/batchtask/v1.1.0/tasks", "application/json"
		doc := baseCreate(cond)
		if r.In == "body" {
			setPath(doc, r.Path, ex)
		}
		body, _ = json.Marshal(doc)
	case "refreshToken":
		method, path, ctype = http.MethodPost, "/iocm/app/sec/v1.1.0/refreshToken", "application/json"
		headers = map[string]string{}
		doc := map[string]any{"appId": "app-1", "secret": "s", "refreshToken": "r"}
		setPath(doc, r.Path, ex)
		body, _ = json.Marshal(doc)
	case "login":
		method, path, ctype = http.MethodPost, "/iocm/app/sec/v1.1.0/login", "application/x-www-form-urlencoded"
		headers = map[string]string{}
		form := url.Values{"appId": {"app-1"}, "secret": {"s"}}
		if ex.Absent {
			form.Del(r.Path)
		} else {
			form.Set(r.Path, scalar(ex.Value))
		}
		body = []byte(form.Encode())
	case "queryBatchTask":
		method, path = http.MethodGet, "/iocm/app/batchtask/v1.1.0/tasks/task-1"
		if r.In == "path" {
			path = "/iocm/app/batchtask/v1.1.0/tasks/" + url.PathEscape(scalar(ex.Value))
		}
	case "queryTaskDetails":
		method, path = http.MethodGet, "/iocm/app/batchtask/v1.1.0/taskDetails"
		query.Set("taskId", "task-1")
	default:
		t.Fatalf("%s: no request builder for operation %q", r.ID, r.Operation)
	}
	switch r.In {
	case "query":
		if ex.Absent {
			query.Del(r.Path)
		} else {
			query.Set(r.Path, scalar(ex.Value))
		}
	case "header":
		if ex.Absent {
			delete(headers, r.Path)
		} else {
			headers[r.Path] = scalar(ex.Value)
		}
	}
	u := "http://127.0.0.1:8743" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", r.ID, err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req, body
}

// TestSpecEnforcesEveryCatalogConstraint: for every field constraint of the catalog, the spec
// accepts its valid examples and rejects its invalid ones (the JSON Schemas are held to the same
// examples in package contracts).
func TestSpecEnforcesEveryCatalogConstraint(t *testing.T) {
	t.Parallel()
	cat, err := contracts.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	v, err := openapi.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for _, r := range cat.Fields() {
		valid, invalid := r.Examples()
		if len(valid) == 0 || len(invalid) == 0 {
			t.Errorf("%s: a field constraint needs valid and invalid examples", r.ID)
			continue
		}
		conds := []string{""}
		if r.RequiredWhen != nil {
			conds = r.RequiredWhen.Values
		}
		for _, cond := range conds {
			try := func(ex contracts.Example, wantValid bool) {
				req, body := requestFor(t, r, ex, cond)
				vs := v.ValidateRequest(context.Background(), req, body)
				label := scalar(ex.Value)
				if ex.Absent {
					label = "(absent)"
				}
				if len(label) > 40 {
					label = label[:20] + "…"
				}
				switch {
				case wantValid && len(vs) > 0:
					t.Errorf("%s (type %s): valid example %s rejected by the spec: %v", r.ID, cond, label, vs)
				case !wantValid && len(vs) == 0:
					t.Errorf("%s (type %s): invalid example %s accepted by the spec", r.ID, cond, label)
				}
				checked[r.ID]++
			}
			for _, ex := range valid {
				try(ex, true)
			}
			for _, ex := range invalid {
				try(ex, false)
			}
		}
	}
	ids := make([]string, 0, len(checked))
	for id := range checked {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) < 35 {
		t.Errorf("only %d field constraints checked against the spec: %v", len(ids), ids)
	}
}
