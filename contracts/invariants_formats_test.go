package contracts

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCheckCharset(t *testing.T) {
	t.Parallel()
	for ct, ok := range map[string]bool{
		"application/json":                           true,
		"application/json;charset=UTF-8":             true,
		"application/json; charset=utf-8":            true,
		"Application/JSON; Charset=\"UTF-8\"":        true,
		"application/json;charset=csUTF8":            true,
		"application/json;charset=utf8":              true, // WHATWG label of UTF-8, what Java and MySQL write
		"application/json; charset=UTF8":             true,
		"application/json;charset=unicode-1-1-utf-8": true,
		"application/json;charset=utf_8":             false, // no registry's label
		"application/json; charset=ISO-8859-1":       false,
		"application/json;charset=GBK":               false,
		"application/json;charset=utf-16":            false,
		"text/plain;charset=ISO-8859-1":              true, // not JSON: RULE.content-type's to report
		"application/json;;charset=ISO-8859-1":       false,
		"application/json;charset=UTF-8;":            true,
		"":                                           true,
	} {
		vs := CheckCharset("queryBatchTask", ct)
		if (len(vs) == 0) != ok {
			t.Errorf("%q: violations %v, want ok=%v", ct, vs, ok)
		}
		for _, v := range vs {
			if v.Requirement != "RULE.content-type-charset" {
				t.Errorf("%q: requirement %s", ct, v.Requirement)
			}
		}
	}
}

func TestParseMediaType(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{
		"application/json":                    "application/json map[]",
		"Application/JSON; Charset=\"UTF-8\"": "application/json map[charset:UTF-8]",
		"application/json;;charset=UTF-8":     "application/json map[charset:UTF-8]",
		"application/json;charset=UTF-8;":     "application/json map[charset:UTF-8]",
		"application/json; ; charset=utf-8 ;": "application/json map[charset:utf-8]",
		"application/json;x=\"a;;b\"":         "application/json map[x:a;;b]",
	} {
		mt, params, err := ParseMediaType(v)
		if got := fmt.Sprint(mt, " ", params); err != nil || got != want {
			t.Errorf("%q: %s, %v; want %s", v, got, err, want)
		}
	}
	for _, bad := range []string{"", "application/json; charset", "application/json;charset=a;charset=b"} {
		if _, _, err := ParseMediaType(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCheckIntegerLiterals(t *testing.T) {
	t.Parallel()
	strict, err := ProfileByName("doc-strict")
	if err != nil {
		t.Fatal(err)
	}
	lenient, err := ProfileByName("lenient")
	if err != nil {
		t.Fatal(err)
	}
	if vs := CheckIntegerLiterals(lenient, "queryBatchTask", []byte(`{"totalCnt":3.0}`)); len(vs) != 0 {
		t.Errorf("lenient (AMB.R13=integral): %v", vs)
	}
	if vs := CheckIntegerLiterals(strict, "queryBatchTask", []byte(`{"totalCnt":3.0}`)); len(vs) != 1 || !strings.Contains(vs[0].Message, "AMB.R13=integral") {
		t.Errorf("doc-strict names no reading: %v", vs)
	}
	b, applied := Normalize(lenient, SchemaBatchTask, []byte(`{"totalCnt":3.0,"progress":3.33e2,"successRate":1.5,"param":{"type":"DeviceList","maxRetransmit":2.0}}`))
	if strings.Join(applied, ",") != LenIntegerIntegral || !strings.Contains(string(b), `"totalCnt":3}`) ||
		!strings.Contains(string(b), `"progress":333`) || !strings.Contains(string(b), `"successRate":1.5`) || !strings.Contains(string(b), `"maxRetransmit":2,`) {
		t.Errorf("lenient normalization: %s %v", b, applied)
	}
	if _, applied := Normalize(strict, SchemaBatchTask, []byte(`{"totalCnt":3.0}`)); len(applied) != 0 {
		t.Errorf("doc-strict normalized %v", applied)
	}
	for body, want := range map[string]string{
		`{"totalCnt":3,"progress":333,"taskName":"a.b 1e5","param":{"maxRetransmit":2}}`: "",
		`{"totalCnt":3.0,"progress":333}`:                                                "/totalCnt",
		`{"totalCnt":3,"progress":3.33e2}`:                                               "/progress",
		`{"totalCnt":3,"param":{"maxRetransmit":1E0}}`:                                   "/param/maxRetransmit",
		`{"totalCnt":"3.0"}`:                                                             "", // a string: the schema's to report
		`{"startTime":1709294400000.0}`:                                                  "", // no Integer member
		`not json 3.0`:                                                                   "",
	} {
		vs := CheckIntegerLiterals(strict, "queryBatchTask", []byte(body))
		var got []string
		for _, v := range vs {
			got = append(got, v.Pointer)
			if v.Requirement != "RULE.integer-literal" {
				t.Errorf("%s: requirement %s", body, v.Requirement)
			}
		}
		if strings.Join(got, ",") != want {
			t.Errorf("%s: violations at %v, want %q", body, got, want)
		}
	}
	if vs := CheckIntegerLiterals(strict, "login", []byte(`{"expiresIn":3600.0}`)); len(vs) != 1 {
		t.Errorf("login expiresIn 3600.0: %v", vs)
	}
	if vs := CheckIntegerLiterals(strict, "createBatchTask", []byte(`{"taskID":"1.0"}`)); len(vs) != 0 {
		t.Errorf("create: %v", vs)
	}
}

func TestCheckSubtaskErrors(t *testing.T) {
	t.Parallel()
	strict, err := ProfileByName("doc-strict")
	if err != nil {
		t.Fatal(err)
	}
	lenient, err := ProfileByName("lenient")
	if err != nil {
		t.Fatal(err)
	}
	numeric := `{"taskDetails":[{"status":"Fail","error":"{\"error_code\":50252,\"error_desc\":\"x\"}"}]}`
	if vs := CheckSubtaskErrors(lenient, []byte(numeric)); len(vs) != 0 {
		t.Errorf("lenient, a numeric code: %v", vs)
	}
	if vs := CheckSubtaskErrors(strict, []byte(numeric)); len(vs) != 1 || !strings.Contains(vs[0].Message, "AMB.7") {
		t.Errorf("doc-strict, a numeric code: %v", vs)
	}
	for body, n := range map[string]int{
		`{"taskDetails":[{"status":"Fail","error":"{\"error_code\":\"DEVICE_FAIL\",\"error_desc\":\"x\"}"}]}`: 0,
		`{"taskDetails":[{"status":"Success","error":""},{"status":"Success"}]}`:                              0,
		`{"taskDetails":[{"status":"Fail","error":"The device failed."}]}`:                                    1,
		`{"taskDetails":[{"status":"Fail","error":"{\"error_code\":\"X\"}"}]}`:                                1,
		`{"taskDetails":[{"status":"Fail","error":"[1,2]"},{"status":"Fail","error":"{}"}]}`:                  2,
		`{"taskDetails":[{"status":"Fail","error":{"error_code":"X"}}]}`:                                      0, // not a string: the schema's
	} {
		if vs := CheckSubtaskErrors(strict, []byte(body)); len(vs) != n {
			t.Errorf("%s: %d violations %v, want %d", body, len(vs), vs, n)
		}
	}
}

func TestStartTimeCreated(t *testing.T) {
	t.Parallel()
	p, err := ProfileByName("doc-strict")
	if err != nil {
		t.Fatal(err)
	}
	lenient, err := ProfileByName("lenient")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	to := from.Add(2 * time.Second)
	for start, n := range map[string]int{"20240301T120500Z": 0, "20240301T121500Z": 1, "20240301T200001Z": 1} {
		o := Observation{Task: BatchTask{StartTime: start}, CreatedFrom: from, CreatedTo: to, CreatedSkew: 10 * time.Minute}
		ck := checker{p: p, o: o, t: o.Task}
		if ck.startTimeCreated(); len(ck.out) != n {
			t.Errorf("skew 10m, %s: %v, want %d violations", start, ck.out, n)
		}
	}
	for _, c := range []struct {
		p          Profile
		start      string
		from, to   time.Time
		violations int
	}{
		{p, "20240301T120001Z", from, to, 0},
		{p, "20240301T120000Z", from, to, 0},
		{p, "20240301T120003Z", from, to, 0}, // the second after the answer's Date
		{p, "20240301T120130Z", from, to, 0}, // within the skew
		{p, "20240301T200001Z", from, to, 1}, // local time UTC+8 labelled Z
		{p, "20240301T070001Z", from, to, 1}, // local time UTC-5 labelled Z
		{p, "20240301T070001Z", time.Time{}, to, 0},
		{p, "20240301T200001Z", from, time.Time{}, 0}, // no Date on create's answer: not judged
		{lenient, "2024-03-01T20:00:01+08:00", from, to, 0},
		{lenient, "2024-03-01T20:00:01Z", from, to, 1},
		{lenient, "1709294401000", from, to, 0},
	} {
		o := Observation{Task: BatchTask{StartTime: c.start}, CreatedFrom: c.from, CreatedTo: c.to}
		ck := checker{p: c.p, o: o, t: o.Task}
		ck.startTimeCreated()
		if len(ck.out) != c.violations {
			t.Errorf("%s %s in [%s, %s]: %v, want %d violations", c.p.Name, c.start, c.from, c.to, ck.out, c.violations)
		}
		for _, v := range ck.out {
			if v.Requirement != "INV.startTime-created" || v.Pointer != "/startTime" {
				t.Errorf("violation %+v", v)
			}
		}
	}
}

func TestDecodeTaskIntegral(t *testing.T) {
	t.Parallel()
	b := DecodeBody([]byte(`{"taskId":"t","totalCnt":3.0,"progress":333,"param":{"type":"DeviceList","maxRetransmit":1.0}}`))
	if _, err := DecodeTaskBody(b); err == nil {
		t.Fatal("DecodeTaskBody read 3.0 into an int: the fallback is not needed")
	}
	task, err := DecodeTaskIntegral(b)
	if err != nil || task.TotalCnt != 3 || task.Progress != 333 || task.Param.MaxRetransmit == nil || *task.Param.MaxRetransmit != 1 {
		t.Errorf("DecodeTaskIntegral: %+v, %v", task, err)
	}
	if _, err := DecodeTaskIntegral(DecodeBody([]byte(`{"taskId":"t","totalCnt":3.5}`))); err == nil {
		t.Error("3.5 decoded as an integer")
	}
}

// BenchmarkFormatChecks: what the format rules add to the validation of one query answer
// (the charset, the Integer literals' scan).
func BenchmarkFormatChecks(b *testing.B) {
	p, err := ProfileByName("doc-strict")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"appId":"app-primary","taskId":"t-1","taskName":"n1","operator":"op-00000000","taskFrom":"Northbound","taskType":"DeviceCmd","status":"Running","startTime":"20260102T030405Z","timeout":10,"progress":333,"totalCnt":3,"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":333,"param":{"type":"DeviceList","deviceList":["d1","d2","d3"],"command":{"serviceId":"Switch","method":"SET"}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if len(CheckCharset("queryBatchTask", "application/json;charset=UTF-8"))+len(CheckIntegerLiterals(p, "queryBatchTask", body)) > 0 {
			b.Fatal("violations")
		}
	}
}
