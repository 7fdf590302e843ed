package scenarios

import (
	"fmt"
	"sort"
	"strings"
)

// Boundaries generates one scenario per createBatchTask body field of the catalog, from the
// field's constraints: min−1, min, max, max+1 of lengths and values, a missing mandatory
// field, and a value of the wrong type. A constraint added to the catalog gets its cases
// without a line of YAML. Valid values expect success, invalid ones 400/50400; every case
// proves the field's requirement id.
func Boundaries(reqs []Requirement) []*Scenario {
	var out []*Scenario
	for _, r := range reqs {
		f := r.Field
		if f != nil && f.In == "query" && (r.Operation == "queryBatchTask" || r.Operation == "queryTaskDetails") {
			if sc := queryBoundaries(r.ID, r.Operation, f); sc != nil {
				out = append(out, sc)
			}
			continue
		}
		if f == nil || r.Operation != "createBatchTask" || f.In != "body" {
			continue
		}
		cases := fieldCases(f)
		if len(cases) == 0 {
			continue
		}
		name := "boundaries-" + strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(r.ID, "FLD.create."), ".", "-"))
		sc := &Scenario{Name: name, File: "(generated from the catalog)",
			Description: "Boundary cases of " + r.ID + ", generated from its constraints.",
			Needs:       []string{"deviceIds", "serviceId"}}
		if f.Path == "tags.tagName" || f.Path == "tags.tagValue" {
			sc.Needs = append(sc.Needs, "tagName")
		}
		for _, c := range cases {
			body, needs := baseCreate(f)
			sc.Needs = appendNew(sc.Needs, needs...)
			setPath(body, f.Path, c.value, c.absent)
			e := Expect{Name: "verdict", Requirements: []string{r.ID}}
			if c.valid {
				e.Status, e.Success = 200, true
				if f.Path == "taskName" && c.short {
					// A name too short to carry the run's id may have been used by an earlier
					// run: 105002 then says the platform took it as a valid name.
					e.Tolerate = []string{"105002"}
				}
			} else {
				e.Status, e.ErrorCode = 400, "50400"
			}
			e.Readings = createAlternatives(f, c)
			sc.Steps = append(sc.Steps, Step{Name: c.name, Request: &Request{Method: "POST",
				Path: "/iocm/app/batchtask/v1.1.0/tasks", Body: body}, Expect: []Expect{e}})
		}
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// queryBoundaries generates the cases of a query-string constraint of query or taskDetails:
// outside the range or the enum answers 400/100022 and a missing mandatory parameter
// 400/100019 (reading AMB.R2); inside it, 200 on a task created first. appId gets only its
// invalid case, because a valid appId must also name an application.
func queryBoundaries(id, op string, f *FieldRule) *Scenario {
	type qcase struct {
		name   string
		value  string
		absent bool
		valid  bool
	}
	var cs []qcase
	if f.Type == "integer" {
		if f.Minimum != nil {
			cs = append(cs, qcase{name: fmt.Sprintf("value-%d-min-minus-1", *f.Minimum-1), value: fmt.Sprint(*f.Minimum - 1)},
				qcase{name: fmt.Sprintf("value-%d-min", *f.Minimum), value: fmt.Sprint(*f.Minimum), valid: true})
		}
		if f.Maximum != nil {
			cs = append(cs, qcase{name: fmt.Sprintf("value-%d-max", *f.Maximum), value: fmt.Sprint(*f.Maximum), valid: true},
				qcase{name: fmt.Sprintf("value-%d-max-plus-1", *f.Maximum+1), value: fmt.Sprint(*f.Maximum + 1)})
		}
		cs = append(cs, qcase{name: "wrong-type", value: "ten"})
	}
	if f.Type == "string" && f.MaxLength != nil {
		cs = append(cs, qcase{name: fmt.Sprintf("length-%d-max-plus-1", *f.MaxLength+1), value: strings.Repeat("x", *f.MaxLength+1)})
	}
	for _, v := range f.Enum {
		cs = append(cs, qcase{name: "enum-" + v, value: v, valid: true})
	}
	if len(f.Enum) > 0 {
		cs = append(cs, qcase{name: "not-in-enum", value: "Not" + f.Enum[0]})
	}
	if f.Required {
		cs = append(cs, qcase{name: "missing", absent: true})
	}
	if len(cs) == 0 {
		return nil
	}
	short := map[string]string{"queryBatchTask": "query", "queryTaskDetails": "details"}[op]
	sc := &Scenario{Name: "boundaries-" + short + "-" + strings.ToLower(f.Path), File: "(generated from the catalog)",
		Description: "Boundary cases of " + id + ", generated from its constraints.", Needs: []string{"deviceIds", "serviceId"}}
	body, _ := baseCreate(&FieldRule{})
	sc.Steps = append(sc.Steps, Step{Name: "create a task", Capture: map[string]string{"taskId": "/taskID"},
		Request: &Request{Method: "POST", Path: "/iocm/app/batchtask/v1.1.0/tasks", Body: body},
		Expect:  []Expect{{Status: 200, Success: true, Requirements: []string{"RSP.create.taskID"}}}})
	for _, c := range cs {
		req := &Request{Method: "GET", Query: map[string]string{}}
		if op == "queryBatchTask" {
			req.Path = "/iocm/app/batchtask/v1.1.0/tasks/{{.taskId}}"
		} else {
			req.Path = "/iocm/app/batchtask/v1.1.0/taskDetails"
			req.Query["taskId"] = "{{.taskId}}"
		}
		if c.absent {
			delete(req.Query, f.Path)
		} else {
			req.Query[f.Path] = c.value
		}
		e := Expect{Name: "verdict", Requirements: []string{id}}
		switch {
		case c.valid:
			e.Status = 200
		case c.absent:
			e.Status, e.ErrorCode = 400, "100019"
			e.Requirements = append(e.Requirements, "AMB.R2")
		default:
			e.Status, e.ErrorCode = 400, "100022"
			e.Requirements = append(e.Requirements, "AMB.R2")
			e.Readings = queryAlternatives(f, c.name)
		}
		sc.Steps = append(sc.Steps, Step{Name: c.name, Request: req, Expect: []Expect{e}})
	}
	return sc
}

type boundaryCase struct {
	name   string
	value  any
	absent bool
	valid  bool
	// short: a generated name too short to be unique to the run.
	short bool
}

// freeValid lists the fields any value of which within the constraints a platform must
// accept; other fields (appId, tag names, enums) only get invalid cases, because a valid
// value must also name something that exists.
var freeValid = map[string]bool{"taskName": true, "timeout": true, "param.command.serviceId": true,
	"param.command.method": true, "param.maxRetransmit": true}

func fieldCases(f *FieldRule) []boundaryCase {
	var cs []boundaryCase
	valid := freeValid[f.Path]
	str := func(n int) any {
		if f.Path == "taskName" {
			return fmt.Sprintf("{{pad uniq %d}}", n)
		}
		return strings.Repeat("x", n)
	}
	if f.Type == "string" {
		if f.MinLength != nil {
			if *f.MinLength > 0 {
				cs = append(cs, boundaryCase{name: fmt.Sprintf("length-%d-min-minus-1", *f.MinLength-1), value: str(*f.MinLength - 1)})
			}
			if valid && *f.MinLength > 0 {
				cs = append(cs, boundaryCase{name: fmt.Sprintf("length-%d-min", *f.MinLength), value: str(*f.MinLength), valid: true,
					short: *f.MinLength < 16})
			}
		}
		if f.MaxLength != nil {
			if valid {
				cs = append(cs, boundaryCase{name: fmt.Sprintf("length-%d-max", *f.MaxLength), value: str(*f.MaxLength), valid: true})
			}
			cs = append(cs, boundaryCase{name: fmt.Sprintf("length-%d-max-plus-1", *f.MaxLength+1), value: str(*f.MaxLength + 1)})
		}
	}
	if f.Type == "integer" {
		if f.Minimum != nil {
			cs = append(cs, boundaryCase{name: fmt.Sprintf("value-%d-min-minus-1", *f.Minimum-1), value: *f.Minimum - 1})
			if valid {
				cs = append(cs, boundaryCase{name: fmt.Sprintf("value-%d-min", *f.Minimum), value: *f.Minimum, valid: true})
			}
		}
		if f.Maximum != nil {
			if valid {
				cs = append(cs, boundaryCase{name: fmt.Sprintf("value-%d-max", *f.Maximum), value: *f.Maximum, valid: true})
			}
			cs = append(cs, boundaryCase{name: fmt.Sprintf("value-%d-max-plus-1", *f.Maximum+1), value: *f.Maximum + 1})
		}
	}
	if f.Type == "array" && f.MinItems != nil && *f.MinItems > 0 {
		cs = append(cs, boundaryCase{name: "empty-list", value: []any{}})
	}
	if f.Required || len(f.RequiredWhen) > 0 {
		cs = append(cs, boundaryCase{name: "missing", absent: true})
	}
	if w := wrongType(f.Type); w != nil {
		cs = append(cs, boundaryCase{name: "wrong-type", value: w})
	}
	return cs
}

func wrongType(t string) any {
	switch t {
	case "string":
		return 12345
	case "integer":
		return "12"
	case "array", "object":
		return "not-a-" + t
	}
	return nil
}

// baseCreate is a valid create body made to need the field: when the field is mandatory only
// for some param.type, the body takes that type and its other mandatory fields.
func baseCreate(f *FieldRule) (map[string]any, []string) {
	param := map[string]any{"type": "DeviceList", "deviceList": "{{.deviceIds}}",
		"command": map[string]any{"serviceId": "{{.serviceId}}", "method": "{{.method}}"}}
	body := map[string]any{"appId": "{{.primaryAppId}}", "taskName": "{{uniq}}", "taskType": "DeviceCmd",
		"timeout": 10, "param": param}
	var needs []string
	for _, vals := range f.RequiredWhen {
		if len(vals) == 0 {
			continue
		}
		delete(param, "deviceList")
		switch param["type"] = vals[0]; vals[0] {
		case "DeviceType":
			param["deviceType"], param["manufacturerId"], param["model"] = "{{.deviceType}}", "{{.manufacturerId}}", "{{.model}}"
			needs = append(needs, "deviceType")
		case "DeviceArea":
			param["deviceLocation"] = "{{.location}}"
			needs = append(needs, "location")
		case "GroupList":
			param["groupList"] = []any{"{{.smallGroupName}}"}
			needs = append(needs, "smallGroup")
		case "GroupIdList":
			param["groupList"] = []any{"{{.smallGroupId}}"}
			needs = append(needs, "smallGroup")
		case "DeviceList":
			param["deviceList"] = "{{.deviceIds}}"
		}
	}
	if strings.HasPrefix(f.Path, "tags") {
		body["tags"] = []any{map[string]any{"tagName": "{{.tagName}}", "tagValue": "{{uniq}}"}}
	}
	return body, needs
}

// setPath sets (or, absent, deletes) a dotted path; "tags.x" addresses the first tag.
func setPath(body map[string]any, path string, v any, absent bool) {
	parts := strings.Split(path, ".")
	cur := body
	for _, p := range parts[:len(parts)-1] {
		switch next := cur[p].(type) {
		case map[string]any:
			cur = next
		case []any:
			m, ok := next[0].(map[string]any)
			if !ok {
				return
			}
			cur = m
		default:
			m := map[string]any{}
			cur[p] = m
			cur = m
		}
	}
	last := parts[len(parts)-1]
	if absent {
		delete(cur, last)
		return
	}
	cur[last] = v
}

func appendNew(s []string, xs ...string) []string {
	for _, x := range xs {
		found := false
		for _, y := range s {
			found = found || y == x
		}
		if !found {
			s = append(s, x)
		}
	}
	return s
}
