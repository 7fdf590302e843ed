package reports

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// xmllint finds libxml2's xmllint. .ci/run installs Debian's libxml2-utils and sets
// BATCHCERT_REQUIRE_XMLLINT=1, so CI cannot skip the schema check.
func xmllint(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("BATCHCERT_REQUIRE_XMLLINT") == "1" {
			t.Fatal("BATCHCERT_REQUIRE_XMLLINT=1 but xmllint is not on PATH")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils; .ci/run does)")
	}
	return p
}

// validateJUnit runs xmllint --schema testdata/jenkins-junit.xsd over doc.
func validateJUnit(t *testing.T, lint string, doc []byte) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lint, "--noout", "--schema", filepath.Join("testdata", "jenkins-junit.xsd"), path).CombinedOutput()
	if err != nil {
		return &schemaError{out: string(out)}
	}
	return nil
}

type schemaError struct{ out string }

func (e *schemaError) Error() string { return "xmllint: " + e.out }

// TestJUnitValidatesAgainstSchema validates junit.xml against the Jenkins JUnit schema for the
// realistic results (every outcome, hostile text), for both SHOULD mappings and for an empty
// run; and shows the check can fail, on a document with the old skipped count on <testsuites>.
func TestJUnitValidatesAgainstSchema(t *testing.T) {
	t.Parallel()
	lint := xmllint(t)
	hostile := sampleResults()
	hostile.Checks[2].Message = "bad \x00\x01\x1b]]><!-- & \"quotes\" \xff"
	hostile.Checks[4].Message = "skip <because> ]]> & \x02"
	cases := []struct {
		name string
		r    *batchcert.Results
		opt  JUnitOptions
	}{
		{"every outcome", sampleResults(), JUnitOptions{}},
		{"SHOULD as failure", sampleResults(), JUnitOptions{Should: JUnitShouldFailure}},
		{"hostile text", hostile, JUnitOptions{}},
		{"no checks", &batchcert.Results{Target: batchcert.Target{Name: "empty"}}, JUnitOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := WriteJUnitWith(&buf, tc.r, tc.opt); err != nil {
				t.Fatal(err)
			}
			if err := validateJUnit(t, lint, buf.Bytes()); err != nil {
				t.Errorf("junit.xml does not validate against testdata/jenkins-junit.xsd: %v\n%s", err, buf.String())
			}
		})
	}
	t.Run("the check can fail", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		if err := WriteJUnit(&buf, sampleResults()); err != nil {
			t.Fatal(err)
		}
		bad := strings.Replace(buf.String(), "<testsuites ", `<testsuites skipped="2" `, 1)
		err := validateJUnit(t, lint, []byte(bad))
		if err == nil || !strings.Contains(err.Error(), "skipped") {
			t.Errorf("a skipped attribute on <testsuites> validated: %v", err)
		}
	})
}

// TestJUnitGoldenValidates validates the checked-in golden junit.xml too, so the file a reader
// opens as the example is itself valid.
func TestJUnitGoldenValidates(t *testing.T) {
	t.Parallel()
	lint := xmllint(t)
	doc, err := os.ReadFile(filepath.Join("testdata", "junit.xml.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJUnit(t, lint, doc); err != nil {
		t.Error(err)
	}
}
