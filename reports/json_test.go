package reports

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/xeipuuv/gojsonschema"
)

// schemaErrors validates data against the embedded schema with gojsonschema, independently of
// ReadJSON, and returns the violations.
func schemaErrors(t *testing.T, data []byte) []string {
	t.Helper()
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(Schema), gojsonschema.NewBytesLoader(data))
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	var out []string
	for _, e := range res.Errors() {
		out = append(out, e.String())
	}
	return out
}

func TestWriteJSONValidatesAgainstSchema(t *testing.T) {
	t.Parallel()
	incomplete := sampleResults()
	incomplete.Incomplete, incomplete.Verdict = true, "INCOMPLETE"
	cases := []struct {
		name   string
		reason string
		r      *batchcert.Results
	}{
		{"realistic", "every outcome, evidence, coverage, readings, all load probes and a kill matrix", sampleResults()},
		{"incomplete", "an interrupted run", incomplete},
		{"minimal", "nil lists and no load must still validate: WriteJSON writes them as []", &batchcert.Results{
			Target: batchcert.Target{Transport: "rest"}, Verdict: "ERROR",
			Checks:   []batchcert.Check{{ID: "x", Severity: batchcert.Must, Outcome: batchcert.Errored}},
			Load:     &batchcert.LoadResults{TaskLimit: &batchcert.TaskLimitResult{}, Capacity: &batchcert.CapacityResult{}},
			SelfTest: &batchcert.SelfTest{},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteJSON(&buf, tc.r); err != nil {
				t.Fatal(err)
			}
			if errs := schemaErrors(t, buf.Bytes()); len(errs) > 0 {
				t.Fatalf("%s: output does not validate:\n%s", tc.reason, strings.Join(errs, "\n"))
			}
		})
	}
}

// TestSchemaCoversEveryField guards the schema against drift from batchcert.Results: the schema
// forbids unknown properties, so the realistic output (which sets every field) must list exactly
// the properties the schema declares at the top level and in each check.
func TestSchemaCoversEveryField(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	// The realistic run sets every field but those an interrupted, excepted or cut-short run adds.
	r := sampleResults()
	r.IncompleteReason, r.Exceptions, r.MaxWaitNeeded = "interrupted: signal", []string{"a/1"}, time.Hour
	r.Connections = &batchcert.Connections{Model: "new-connection", Requests: 3, Dials: 3, Handshakes: 3}
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	for k := range schema.Properties {
		if _, ok := doc[k]; !ok {
			t.Errorf("schema property %q is never written by WriteJSON", k)
		}
	}
	for k := range doc {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("WriteJSON writes %q, which the schema does not declare", k)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	want := sampleResults()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("round trip changed the results:\n got %s\nwant %s", g, w)
	}
}

func TestWriteJSONRedactsEvidence(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	r.Checks[2].Evidence[0].Request = "GET / HTTP/1.1\nAuthorization: Bearer eyJleaked.token.value"
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "eyJleaked") {
		t.Fatal("a bearer token in evidence reached results.json")
	}
	if !strings.Contains(r.Checks[2].Evidence[0].Request, "eyJleaked") {
		t.Fatal("WriteJSON modified its input")
	}
}

func TestReadJSONRejects(t *testing.T) {
	t.Parallel()
	var good bytes.Buffer
	if err := WriteJSON(&good, sampleResults()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, reason, doc, wantErr string
	}{
		{"future version", "a newer harness's file must be refused, not misread",
			strings.Replace(good.String(), `"formatVersion": "1"`, `"formatVersion": "2"`, 1), `unsupported formatVersion "2"`},
		{"no version", "a JSON file that is not a results file", `{"checks":[]}`, "no formatVersion"},
		{"not json", "garbage", `<html>`, "read results json"},
		{"bad outcome", "an outcome no report knows",
			strings.Replace(good.String(), `"outcome": "PASS"`, `"outcome": "MAYBE"`, 1), "results.schema.json"},
		{"unknown field", "a typo'd field would be silently dropped",
			strings.Replace(good.String(), `"profile":`, `"profil": "x", "profile":`, 1), "profil"},
		{"wrong type", "a string where a number belongs",
			strings.Replace(good.String(), `"declaredLimit": 100`, `"declaredLimit": "100"`, 1), "declaredLimit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadJSON(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("%s: got error %v, want one containing %q", tc.reason, err, tc.wantErr)
			}
		})
	}
}

// FuzzReadJSON feeds ReadJSON hostile files; whatever it accepts must render in every format
// without panicking.
func FuzzReadJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleResults()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"formatVersion":"1"}`))
	f.Add([]byte(`{"formatVersion":"1","harness":{"version":"","specSha256":"","catalogSha256":""},"target":{"name":"","url":"","transport":"rest","reference":false},"profile":"","command":"","start":"2025-01-01T00:00:00Z","end":"2024-01-01T00:00:00Z","incomplete":true,"verdict":"ERROR","checks":[],"coverage":{"errorCodes":[],"requirements":{"total":0,"covered":5}},"load":{"throttle":{"declaredLimit":-5,"declaredWindowNs":-1,"measuredLimit":0,"measuredConcurrent":0,"measuredWindowNs":0,"windowType":"unknown","timeline":[{"offsetNs":-9,"accepted":0,"throttled":0}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, format := range Formats() {
			var out bytes.Buffer
			if err := Render(format, r, &out); err != nil {
				t.Fatalf("render %s of an accepted file: %v", format, err)
			}
		}
	})
}
