package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// xSuites and friends parse junit.xml with encoding/xml independently of the writer's types,
// so the tests see the document as a CI consumer does.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Cases    []xCase `xml:"testcase"`
}

type xCase struct {
	ClassName string    `xml:"classname,attr"`
	Name      string    `xml:"name,attr"`
	Failure   *xProblem `xml:"failure"`
	Error     *xProblem `xml:"error"`
	Skipped   *xSkip    `xml:"skipped"`
	SystemOut string    `xml:"system-out"`
}

type xSkip struct {
	Text string `xml:",chardata"`
}

type xProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// byName indexes a document's test cases by name.
func (d xSuites) byName() map[string]xCase {
	m := map[string]xCase{}
	for _, s := range d.Suites {
		for _, c := range s.Cases {
			m[c.Name] = c
		}
	}
	return m
}

func decodeJUnit(t *testing.T, r *batchcert.Results) (xSuites, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("junit.xml is not well-formed: %v\n%s", err, buf.String())
	}
	return doc, buf.String()
}

func TestJUnitCountsAgree(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	doc, _ := decodeJUnit(t, r)
	c := Count(r.Checks)
	var tests, failures, errs, skipped int
	for _, s := range doc.Suites {
		var f, e, sk int
		for _, tc := range s.Cases {
			if tc.Failure != nil {
				f++
			}
			if tc.Error != nil {
				e++
			}
			if tc.Skipped != nil {
				sk++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("suite %s: attributes tests=%d failures=%d errors=%d skipped=%d, cases say %d/%d/%d/%d",
				s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
		}
		tests, failures, errs, skipped = tests+s.Tests, failures+s.Failures, errs+s.Errors, skipped+s.Skipped
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs {
		t.Errorf("testsuites attributes %d/%d/%d, suites sum to %d/%d/%d", doc.Tests, doc.Failures, doc.Errors, tests, failures, errs)
	}
	// By default a SHOULD failure is a note, not a <failure> (JUnitShouldNote).
	if doc.Tests != c.Total || doc.Failures != c.MustFail || doc.Errors != c.Errored || skipped != c.Skip+c.KnownFail {
		t.Errorf("testsuites %d/%d/%d, skipped %d, results count %+v", doc.Tests, doc.Failures, doc.Errors, skipped, c)
	}
}

func TestJUnitStructure(t *testing.T) {
	t.Parallel()
	doc, _ := decodeJUnit(t, sampleResults())
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	want := "suite/create.yaml suite/query.yaml suite/auth.yaml suite/graphql.yaml suite/details.yaml probe:throttle probe:tasklimit"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("suites %q, want one per file (or scenario when no file) in run order %q", got, want)
	}
	cases := doc.byName()
	fail, ok := cases["query-progress/3/invariants"]
	if !ok {
		t.Fatal("no testcase for query-progress/3/invariants")
	}
	if fail.ClassName != "query-progress" {
		t.Errorf("classname %q, want the scenario", fail.ClassName)
	}
	if fail.Failure == nil {
		t.Fatal("a FAIL check has no <failure>")
	}
	for _, want := range []string{"INV.progress", "RSP.query.progress", "/progress", "curl -sS", "HTTP/1.1 200 OK", "<script>"} {
		if !strings.Contains(fail.Failure.Text+fail.Failure.Message, want) {
			t.Errorf("failure lacks %q: it must carry requirement ids, violations and the evidence", want)
		}
	}
	kinds := []struct {
		id, reason, want string
	}{
		{"query-progress/3/invariants", "a MUST failure is a failure typed MUST", "failure:MUST"},
		{"details-paging/1/page", "ERROR is a JUnit error", "error"},
		{"graphql-mutations/1/create", "SKIP is skipped with its reason", "skipped:scenario needs transport graphql"},
		{"create-errors/7/internal", "KNOWN-FAIL is skipped, marked as a known failure", "skipped:known failure"},
		{"create-happy/1/status", "PASS has no child", "pass"},
		{"refresh-errors/2/bad-token", "a SHOULD failure is a passing case with a note by default", "pass"},
	}
	for _, k := range kinds {
		tc, ok := cases[k.id]
		if !ok {
			t.Errorf("no testcase %s", k.id)
			continue
		}
		got := "pass"
		switch {
		case tc.Failure != nil:
			got = "failure:" + tc.Failure.Type
		case tc.Error != nil:
			got = "error"
		case tc.Skipped != nil:
			got = "skipped:" + tc.Skipped.Text
		}
		if !strings.HasPrefix(got, k.want) {
			t.Errorf("%s (%s): got %q, want prefix %q", k.id, k.reason, got, k.want)
		}
	}
	if known := cases["create-errors/7/internal"]; !strings.Contains(known.SystemOut, "KNOWN-FAIL") {
		t.Errorf("known failure has no system-out note: %q", known.SystemOut)
	}
	should := cases["refresh-errors/2/bad-token"]
	for _, want := range []string{"SHOULD-FAIL:", "ERR.refresh.401.100208", "want 401/100208"} {
		if !strings.Contains(should.SystemOut, want) {
			t.Errorf("the SHOULD failure's note lacks %q: %q", want, should.SystemOut)
		}
	}
}

// TestJUnitShouldAsFailure: -junit-should=failure writes a SHOULD failure as <failure
// type="SHOULD">, and the counts follow.
func TestJUnitShouldAsFailure(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	var buf bytes.Buffer
	if err := WriteJUnitWith(&buf, r, JUnitOptions{Should: JUnitShouldFailure}); err != nil {
		t.Fatal(err)
	}
	var doc xSuites
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	tc := doc.byName()["refresh-errors/2/bad-token"]
	if tc.Failure == nil || tc.Failure.Type != "SHOULD" {
		t.Fatalf("with -junit-should=failure a SHOULD failure is %+v, want <failure type=\"SHOULD\">", tc)
	}
	if c := Count(r.Checks); doc.Failures != c.Fail {
		t.Errorf("failures=%d, want every failed check (%d)", doc.Failures, c.Fail)
	}
	if err := WriteJUnitWith(&buf, r, JUnitOptions{Should: "red"}); err == nil {
		t.Error("an unknown SHOULD mapping was accepted")
	}
}

// TestJUnitHostileText guards against responses with control characters and XML metacharacters
// breaking the document: the output must still decode.
func TestJUnitHostileText(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	r.Checks[2].Message = "bad \x00\x01\x1b]]><!-- & \"quotes\" \xff"
	r.Checks[2].Evidence[0].Response = "HTTP/1.1 200 OK\n\n\x07]]>\x00<x y='&'>"
	r.Checks[2].ID = "id with \"quotes\" & <angle>"
	doc, _ := decodeJUnit(t, r)
	if _, ok := doc.byName()[r.Checks[2].ID]; !ok {
		t.Fatal("check id with metacharacters did not survive the round trip")
	}
}

// TestJUnitRecordsSelection: a -run filter is a property of every suite, so a CI reader sees the
// run covered only part of the suite.
func TestJUnitRecordsSelection(t *testing.T) {
	t.Parallel()
	_, out := decodeJUnit(t, sampleResults())
	for _, want := range []string{`<property name="selection" value="query-progress,req:RULE.tasklimit,code:105001">`,
		`<property name="selection.scenarios" value="2 of 31">`} {
		if !strings.Contains(out, want) {
			t.Errorf("junit.xml lacks %s", want)
		}
	}
}
