package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batchcert/batchcert"
)

// JUnit XML, in the shape Jenkins, GitLab and the GitHub JUnit report actions read:
// <testsuites> with one <testsuite> per scenario file and one <testcase> per check. The document
// is valid against the Jenkins JUnit schema (testdata/jenkins-junit.xsd, checked by a test):
// <testsuites> carries no skipped count, and <skipped> carries its reason as text, not as a
// message attribute.
//
// KNOWN-FAIL is written as <skipped> with a "known failure" reason, the convention pytest uses
// for expected failures (xfail): CI test tabs show skipped cases with their reason in the list
// and in the counts, where a passed case's <system-out> is usually hidden. A known failure is
// then visible without turning the build red.
//
// A failed SHOULD check does not make a target nonconformant, so by default (JUnitShouldNote)
// it is written as a passing <testcase> whose <system-out> starts "SHOULD-FAIL:" and carries the
// whole failure: CI parsers count every <failure> as red, and a conformant run must not look
// red. JUnitShouldFailure (`-junit-should=failure`) writes it as <failure type="SHOULD"> for
// teams that want SHOULD failures to break their build. The suite's "should-failures" property
// counts them either way.

// The SHOULD mappings of JUnitOptions.Should: how a failed SHOULD check is written.
const (
	JUnitShouldNote    = "note"    // a passing case with a SHOULD-FAIL note in <system-out> (the default)
	JUnitShouldFailure = "failure" // a <failure type="SHOULD">
)

// JUnitShouldModes lists the accepted JUnitOptions.Should values, the default first.
var JUnitShouldModes = []string{JUnitShouldNote, JUnitShouldFailure}

// JUnitOptions are the choices of the JUnit mapping.
type JUnitOptions struct {
	// Should is JUnitShouldNote (also when empty) or JUnitShouldFailure.
	Should string
}

// JUnitSuites is the root element of junit.xml. The schema has no skipped count here: each
// suite carries its own.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"-"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one scenario file.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitProperty is a name/value pair describing the run (target, profile, harness version).
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one check. Its fields are in the schema's order of a testcase's children.
type JUnitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Skipped   *JUnitSkip    `xml:"skipped"`
	Error     *JUnitProblem `xml:"error"`
	Failure   *JUnitProblem `xml:"failure"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitProblem is the body of a <failure> or <error>.
type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// JUnitSkip is a <skipped>: the schema allows text only, so the reason is its text.
type JUnitSkip struct {
	Text string `xml:",chardata"`
}

// JUnit builds the JUnit document of r with the default options.
func JUnit(r *batchcert.Results) *JUnitSuites { return JUnitWith(r, JUnitOptions{}) }

// JUnitWith builds the JUnit document of r. Suites are in the order their first check ran;
// counts on <testsuites> are the sums of the suites' counts.
func JUnitWith(r *batchcert.Results, opt JUnitOptions) *JUnitSuites {
	root := &JUnitSuites{Name: "batchcert " + r.Target.Name + " (" + verdictOf(r) + ")"}
	index := map[string]int{}
	durs := map[string]time.Duration{}
	var total time.Duration
	for _, c := range r.Checks {
		name := suiteName(c)
		i, ok := index[name]
		if !ok {
			i = len(root.Suites)
			index[name] = i
			root.Suites = append(root.Suites, JUnitSuite{Name: name, Timestamp: junitTime(r.Start), Properties: junitProps(r, opt)})
		}
		s := &root.Suites[i]
		tc := junitCase(c, opt)
		s.Tests++
		switch {
		case tc.Failure != nil:
			s.Failures++
		case tc.Error != nil:
			s.Errors++
		case tc.Skipped != nil:
			s.Skipped++
		}
		durs[name] += c.Duration
		total += c.Duration
		s.Cases = append(s.Cases, tc)
	}
	for i := range root.Suites {
		s := &root.Suites[i]
		s.Time = seconds(durs[s.Name])
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
	}
	root.Time = seconds(total)
	return root
}

// WriteJUnit writes r as JUnit XML with the default options.
func WriteJUnit(w io.Writer, r *batchcert.Results) error {
	return WriteJUnitWith(w, r, JUnitOptions{})
}

// WriteJUnitWith writes r as JUnit XML. An unknown opt.Should is a usage error.
func WriteJUnitWith(w io.Writer, r *batchcert.Results, opt JUnitOptions) error {
	switch opt.Should {
	case "", JUnitShouldNote, JUnitShouldFailure:
	default:
		return batchcert.Usagef("-junit-should: %q is not %s", opt.Should, strings.Join(JUnitShouldModes, " or "))
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(JUnitWith(r, opt)); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}

func junitCase(c batchcert.Check, opt JUnitOptions) JUnitCase {
	tc := JUnitCase{ClassName: c.Scenario, Name: c.ID, Time: seconds(c.Duration)}
	reqs := strings.Join(c.Requirements, " ")
	switch c.Outcome {
	case batchcert.Pass:
	case batchcert.Fail:
		if c.Severity == batchcert.Should && opt.Should != JUnitShouldFailure {
			tc.SystemOut = "SHOULD-FAIL: this SHOULD check failed; it does not make the target nonconformant " +
				"(write it as <failure> with -junit-should=failure).\n" + problemText(c)
			break
		}
		tc.Failure = &JUnitProblem{
			Message: short(fmt.Sprintf("[%s] %s: %s", c.Severity, reqs, c.Message), 300),
			Type:    string(c.Severity),
			Text:    problemText(c),
		}
	case batchcert.Skip:
		tc.Skipped = &JUnitSkip{Text: xmlSafe(short(orDash(c.Message), 300))}
	case batchcert.KnownFail:
		tc.Skipped = &JUnitSkip{
			Text: xmlSafe(short(fmt.Sprintf("known failure (listed in the target profile): %s: %s", reqs, c.Message), 300)),
		}
		tc.SystemOut = "KNOWN-FAIL: this check failed, and the target profile lists it as a known failure.\n" + problemText(c)
	default:
		tc.Error = &JUnitProblem{
			Message: short(fmt.Sprintf("harness error (%s): %s", c.Outcome, c.Message), 300),
			Type:    "harness",
			Text:    problemText(c),
		}
	}
	return tc
}

// problemText is the full story of a failed check: requirements, message, violations and the
// redacted evidence with its curl reproducer.
func problemText(c batchcert.Check) string {
	var b strings.Builder
	fmt.Fprintf(&b, "requirements: %s\nseverity: %s\n", strings.Join(c.Requirements, ", "), c.Severity)
	if c.Message != "" {
		fmt.Fprintf(&b, "message: %s\n", c.Message)
	}
	if len(c.Violations) > 0 {
		b.WriteString("violations:\n")
		for _, v := range c.Violations {
			fmt.Fprintf(&b, "  - %s\n", v)
		}
	}
	for i, e := range c.Evidence {
		fmt.Fprintf(&b, "\n--- evidence %d: request ---\n%s\n--- response ---\n%s\n--- reproduce ---\n%s\n",
			i+1, redact(e.Request), redact(e.Response), redact(e.Curl))
	}
	return xmlSafe(b.String())
}

// xmlSafe replaces what XML 1.0 cannot carry (control characters, invalid UTF-8) with U+FFFD.
// CDATA sections are written verbatim, so problem texts need it; attributes and escaped text are
// cleaned by encoding/xml itself.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

func junitProps(r *batchcert.Results, opt JUnitOptions) []JUnitProperty {
	should := opt.Should
	if should == "" {
		should = JUnitShouldNote
	}
	props := []JUnitProperty{
		{Name: "verdict", Value: verdictOf(r)},
		{Name: "target", Value: r.Target.Name},
		{Name: "target.url", Value: r.Target.URL},
		{Name: "transport", Value: r.Target.Transport},
		{Name: "profile", Value: r.Profile},
		{Name: "harness.version", Value: r.Harness.Version},
		{Name: "spec.sha256", Value: r.Harness.SpecHash},
		{Name: "incomplete", Value: fmt.Sprint(r.Incomplete)},
		{Name: "should-failures", Value: fmt.Sprint(Count(r.Checks).ShouldFail)},
		{Name: "junit.should", Value: should},
	}
	if s := r.Selection; s != nil {
		props = append(props, JUnitProperty{Name: "selection", Value: s.Run},
			JUnitProperty{Name: "selection.scenarios", Value: fmt.Sprintf("%d of %d", len(s.Scenarios), s.Of)})
	}
	return props
}

func junitTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05")
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
