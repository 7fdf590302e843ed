package contracts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestProfileByName(t *testing.T) {
	t.Parallel()
	strict := mustProfile(t, "doc-strict")
	want := Profile{Name: "doc-strict", CreateIDField: "taskID", TimeoutUnit: "minutes", RateScale: "permille",
		SuccessRateDenominator: "total", ErrorBody: "strict", TimeFormat: "compact", ThrottleType: "fixed",
		ThrottleLimit: 100, ThrottleWindow: time.Minute, ThrottleRejectedCount: "false", TaskLimit: 10}
	got := strict
	got.options, got.Leniencies, got.readings = nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("doc-strict = %+v\nwant %+v", got, want)
	}
	if len(strict.Leniencies) != 0 {
		t.Errorf("doc-strict grants leniencies %v", strict.Leniencies)
	}
	lenient := mustProfile(t, "lenient")
	names := map[string]bool{}
	for _, l := range lenient.Leniencies {
		names[l.Name] = true
	}
	for _, n := range []string{LenCreateTaskID, LenErrorResultcode, LenErrorNumericCode, LenTimeoutSeconds, LenRatePercent,
		LenSuccessRateOverCmp, LenStartTimeRFC3339, LenStartTimeEpochMs} {
		if !names[n] {
			t.Errorf("lenient does not name leniency %s", n)
		}
	}
	if lenient.TimeoutUnit != Either || lenient.RateScale != Either || lenient.ErrorBody != "lenient" || lenient.TimeFormat != Any {
		t.Errorf("lenient options not applied: %+v", lenient)
	}
	if _, err := ProfileByName("relaxed"); err == nil || !strings.Contains(err.Error(), "doc-strict") {
		t.Errorf("unknown profile error %v does not list the known ones", err)
	}
}

func TestReadings(t *testing.T) {
	t.Parallel()
	for _, r := range mustProfile(t, "doc-strict").Readings() {
		if r.Value != r.Default || r.Option == "" || r.Summary == "" {
			t.Errorf("doc-strict reading %+v: value must be the default, option and summary set", r)
		}
	}
	changed := 0
	for _, r := range mustProfile(t, "lenient").Readings() {
		if r.Value != r.Default {
			changed++
		}
	}
	if changed < 6 {
		t.Errorf("lenient departs from %d readings, want at least 6", changed)
	}
}

func TestParseError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, reason, profile, body string
		code, desc                  string
		ok                          bool
		leniency                    string
	}{
		{"strict body", "the doc-strict shape", "doc-strict", `{"error_code":"105001","error_desc":"The batchTask count has reached the limit."}`,
			"105001", "The batchTask count has reached the limit.", true, ""},
		{"numeric code strict", "AMB.7: doc-strict codes are strings", "doc-strict", `{"error_code":1010005,"error_desc":"x"}`, "1010005", "x", false, LenErrorNumericCode},
		{"numeric code lenient", "lenient accepts a number", "lenient", `{"error_code":1010005,"error_desc":"x"}`, "1010005", "x", true, LenErrorNumericCode},
		{"resultcode strict", "the gateway shape is not doc-strict", "doc-strict", `{"resultcode":"1010009","resultmsg":"app throttle exceed."}`, "1010009", "app throttle exceed.", false, LenErrorResultcode},
		{"resultcode lenient", "lenient accepts the gateway shape", "lenient", `{"resultcode":"1010009","resultmsg":"app throttle exceed."}`, "1010009", "app throttle exceed.", true, LenErrorResultcode},
		{"missing desc", "both members are required", "doc-strict", `{"error_code":"50252"}`, "50252", "", false, ""},
		{"null desc", "null is no description", "doc-strict", `{"error_code":"50252","error_desc":null}`, "50252", "", false, ""},
		{"float code", "a fractional code is no code", "lenient", `{"error_code":1.5,"error_desc":"x"}`, "", "x", false, ""},
		{"success body", "a task id is no error", "doc-strict", `{"taskID":"t-1"}`, "", "", false, ""},
		{"not json", "garbage never panics", "lenient", `<html>`, "", "", false, ""},
		{"array", "an array is no error body", "lenient", `[{"error_code":"1"}]`, "", "", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, desc, ok, len := ParseError(mustProfile(t, tc.profile), []byte(tc.body))
			if code != tc.code || desc != tc.desc || ok != tc.ok || len != tc.leniency {
				t.Errorf("%s: got (%q, %q, %v, %q), want (%q, %q, %v, %q)", tc.reason, code, desc, ok, len, tc.code, tc.desc, tc.ok, tc.leniency)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, reason, profile string
		schema                Schema
		body                  string
		want                  map[string]any // members the output must hold; nil: body unchanged
		applied               []string
	}{
		{"taskId lenient", "AMB.1: lenient accepts taskId on create", "lenient", SchemaCreateResponse, `{"taskId":"t-1"}`,
			map[string]any{"taskID": "t-1"}, []string{LenCreateTaskID}},
		{"taskId strict", "doc-strict applies nothing", "doc-strict", SchemaCreateResponse, `{"taskId":"t-1"}`, nil, nil},
		{"taskID already", "nothing to rewrite", "lenient", SchemaCreateResponse, `{"taskID":"t-1"}`, nil, nil},
		{"resultcode", "gateway shape to doc-strict", "lenient", SchemaErrorBody, `{"resultcode":"1010005","resultmsg":"App_key or access_token is invalid."}`,
			map[string]any{"error_code": "1010005", "error_desc": "App_key or access_token is invalid."}, []string{LenErrorResultcode}},
		{"numeric resultcode", "both leniencies are named", "lenient", SchemaErrorBody, `{"resultcode":1010009,"resultmsg":"app throttle exceed."}`,
			map[string]any{"error_code": "1010009"}, []string{LenErrorResultcode, LenErrorNumericCode}},
		{"numeric error_code", "a number becomes its decimal string", "lenient", SchemaErrorBody, `{"error_code":50252,"error_desc":"Internal server error."}`,
			map[string]any{"error_code": "50252"}, []string{LenErrorNumericCode}},
		{"numeric error_code strict", "doc-strict leaves it for the schema to reject", "doc-strict", SchemaErrorBody, `{"error_code":50252,"error_desc":"x"}`, nil, nil},
		{"rfc3339 startTime", "lenient timeFormat any", "lenient", SchemaBatchTask, `{"startTime":"2024-02-01T07:59:59+08:00","progress":1}`,
			map[string]any{"startTime": "20240131T235959Z", "progress": 1.0}, []string{LenStartTimeRFC3339}},
		{"epoch-ms startTime number", "epoch millis as a JSON number", "lenient", SchemaBatchTask, `{"startTime":1706745599000}`,
			map[string]any{"startTime": "20240131T235959Z"}, []string{LenStartTimeEpochMs}},
		{"epoch-ms startTime strict", "doc-strict applies nothing", "doc-strict", SchemaBatchTask, `{"startTime":1706745599000}`, nil, nil},
		{"compact startTime", "already doc-strict", "lenient", SchemaBatchTask, `{"startTime":"20240131T235959Z"}`, nil, nil},
		{"malformed", "garbage is returned as is, never a panic", "lenient", SchemaErrorBody, `{"resultcode":`, nil, nil},
		{"null", "null is returned as is", "lenient", SchemaCreateResponse, `null`, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, applied := Normalize(mustProfile(t, tc.profile), tc.schema, []byte(tc.body))
			if !reflect.DeepEqual(applied, tc.applied) {
				t.Errorf("%s: applied %v, want %v", tc.reason, applied, tc.applied)
			}
			if tc.want == nil {
				if string(out) != tc.body {
					t.Errorf("%s: body changed to %s", tc.reason, out)
				}
				return
			}
			var m map[string]any
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("%s: output %s: %v", tc.reason, out, err)
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(m[k], v) {
					t.Errorf("%s: %s = %#v, want %#v (out %s)", tc.reason, k, m[k], v, out)
				}
			}
		})
	}
}

// TestNormalizeThenValidate shows the intended pipeline: a lenient variant passes the
// doc-strict schema after Normalize.
func TestNormalizeThenValidate(t *testing.T) {
	t.Parallel()
	set := mustSchemas(t)
	p := mustProfile(t, "lenient")
	for schema, body := range map[Schema]string{
		SchemaCreateResponse: `{"taskId":"t-1"}`,
		SchemaErrorBody:      `{"resultcode":1010009,"resultmsg":"app throttle exceed."}`,
		SchemaBatchTask:      strings.Replace(validTaskBody, `"20240131T235959Z"`, `1706745599000`, 1),
	} {
		if vs := set.Validate(schema, []byte(body)); len(vs) == 0 {
			t.Errorf("%s: the lenient variant already passes doc-strict; the test proves nothing", schema)
		}
		out, _ := Normalize(p, schema, []byte(body))
		if vs := set.Validate(schema, out); len(vs) > 0 {
			t.Errorf("%s: normalized body still fails: %v", schema, vs)
		}
	}
}

// TestProfileSpec: a profile name may change single readings of a named profile (a target
// profile's readings), by reading id or option name; unknown readings and values are errors
// naming them.
func TestProfileSpec(t *testing.T) {
	t.Parallel()
	spec := ProfileSpec("doc-strict", map[string]string{"AMB.R1": "gateway-first", "throttle.type": "sliding"})
	if spec != "doc-strict+AMB.R1=gateway-first+throttle.type=sliding" {
		t.Errorf("ProfileSpec = %q", spec)
	}
	p := mustProfile(t, spec)
	if p.Name != spec || p.ThrottleType != "sliding" || !p.Accepts(ReadingAuthOrder, "gateway-first") {
		t.Errorf("%s: name %q, throttle.type %q, accepts gateway-first %v", spec, p.Name, p.ThrottleType, p.Accepts(ReadingAuthOrder, "gateway-first"))
	}
	if p.Accepts(ReadingTimeoutUnit, "seconds") || p.Accepts(ReadingAuthOrder, "parameters-first") {
		t.Errorf("%s accepts readings it did not change, or the default it replaced", spec)
	}
	for _, tc := range []struct{ name, want string }{
		{"doc-strict+AMB.99=x", "AMB.99"},
		{"doc-strict+AMB.R1=sideways", "sideways"},
		{"relaxed+AMB.R1=gateway-first", "relaxed"},
	} {
		if _, err := ProfileByName(tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ProfileByName(%q) = %v, want an error naming %s", tc.name, err, tc.want)
		}
	}
}

// TestThrottleScopeReading: the docs leave open whether the throttle's quota is one per app or
// one per operation (api-reference §3 item 9), so a per-operation platform is a reading the
// lenient profile accepts, never a failure the doc-strict one hides as MUST without naming it.
func TestThrottleScopeReading(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		profile, value string
		accepts        bool
		reason         string
	}{
		{"doc-strict", "app", true, "the harness's reading: one quota over every batch-task operation"},
		{"doc-strict", "operation", false, "doc-strict names the reading when it refuses a per-operation quota"},
		{"lenient", "operation", true, "lenient accepts a quota per operation"},
		{"lenient", "app", true, "lenient accepts the harness's reading too"},
	} {
		p := mustProfile(t, c.profile)
		if got := p.Accepts("AMB.R15", c.value); got != c.accepts {
			t.Errorf("%s: %s accepts AMB.R15=%s %v, want %v", c.reason, c.profile, c.value, got, c.accepts)
		}
	}
}
