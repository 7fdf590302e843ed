package scenarios

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestReadings serves each reading of the docs the reference can serve as a mode, and certifies
// it twice: lenient must pass every check, and list the reading on a check it decided;
// doc-strict must fail a check that names the reading's id (acceptance point "Readings" of
// issue 11). The suite is limited to the scenarios that meet the reading.
func TestReadings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		reading, value string
		run            string
		why            string
	}{
		{"AMB.1", "taskId", "^errors-query$", "create answers taskId, the spelling query uses"},
		{"AMB.2", "seconds", "^(errors-query|happy-paths)$", "query answers timeout in seconds, as the query page says"},
		{"AMB.3", "percent", "^lifecycle$", "progress and successRate in percent, as the query example reads"},
		{"AMB.4", "fileid", "^errors-query$", "query's param carries the example's fileId"},
		{"AMB.5", "complete", "^lifecycle$", "successRate over completeCnt"},
		{"AMB.6", "403", "^errors-create$", "create answers an unknown body appId 403/100203"},
		{"AMB.7", "gateway", "^errors-(query|create)$", "the gateway's 1010005 and 1010009 as {resultcode, resultmsg} only"},
		{"AMB.7", "lenient", "^errors-query$", "every error as {resultcode, resultmsg}"},
		{"AMB.8", "optional", "^boundaries-param-(manufacturerid|model)$", "DeviceType without manufacturerId or model"},
		{"AMB.11", "rfc3339", "^errors-query$", "startTime in RFC 3339"},
		{"AMB.R1", "gateway-first", "^errors-(query|create|details)$", "a gateway answers missing headers and unknown app_keys 403/1010005"},
		{"AMB.R11", "unchecked", "^(errors-query|boundaries-query-appid|boundaries-details-appid)$", "a long appId names no application"},
		{"AMB.R12", "invalid", "^errors-(query|details)$", "a malformed taskId is invalid input"},
		{"AMB.R13", "integral", "^errors-query$", "query's Integer members written 3.0"},
	}
	for _, tc := range cases {
		t.Run(tc.reading+"="+tc.value, func(t *testing.T) {
			t.Parallel()
			tg := startReference(t, refplatform.WithReading(tc.reading, tc.value))
			run := regexp.MustCompile(tc.run)
			lenient := checkWith(t, tg, "lenient", run)
			decided := false
			for _, c := range lenient.Checks {
				if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored {
					t.Errorf("lenient, %s (%s): %s %s: %s", tc.reading, tc.why, c.ID, c.Outcome, c.Message)
				}
				decided = decided || hasString(c.Readings, tc.reading)
			}
			if !decided {
				t.Errorf("lenient: no check lists reading %s among the readings that decided it", tc.reading)
			}
			strict := checkWith(t, tg, "doc-strict", run)
			named := false
			for _, c := range strict.Checks {
				if c.Outcome == batchcert.Fail && (strings.Contains(c.Message, tc.reading+" ") ||
					strings.Contains(c.Message, tc.reading+"=") || hasString(c.Readings, tc.reading)) {
					named = true
				}
			}
			if !named {
				t.Errorf("doc-strict: no FAIL names reading %s (%s)", tc.reading, tc.why)
				for _, c := range strict.Checks {
					if c.Outcome != batchcert.Pass {
						t.Logf("  %s %s: %s", c.ID, c.Outcome, c.Message)
					}
				}
			}
		})
	}
}

func checkWith(t *testing.T, tg *Target, profile string, run *regexp.Regexp) *batchcert.Results {
	t.Helper()
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Profile: profile, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, c := range res.Checks {
		if c.Outcome != batchcert.Skip {
			ran++
		}
	}
	if ran == 0 {
		t.Fatalf("%s: no check ran for %s", profile, run)
	}
	return res
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLikeID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, why string }{
		{"0123456789abcdef01234567", "the reference's lower-case hex"},
		{"Task-00Z9-xy", "mixed letters, digits and a separator"},
		{"ffffffff", "hex wraps around within hex"},
	} {
		got := likeID(tc.in)
		if got == tc.in || len(got) != len(tc.in) {
			t.Errorf("likeID(%q) = %q (%s): want another id of the same length", tc.in, got, tc.why)
		}
		for i := range got {
			same := func(f func(byte) bool) bool { return f(got[i]) == f(tc.in[i]) }
			if !same(isDigit) || !same(isUpper) || !same(isLower) {
				t.Errorf("likeID(%q) = %q: character %d left its class (%s)", tc.in, got, i, tc.why)
			}
		}
	}
	if got := likeID("0123456789abcdef01234567"); strings.Trim(got, "0123456789abcdef") != "" {
		t.Errorf("likeID of a hex id = %q, not hex", got)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// TestTargetReadings: a target profile declares the single readings its platform answers by;
// a doc-strict run then accepts exactly those (a gateway-first platform is CONFORMANT), and an
// unknown reading or value is an error naming the file and field.
func TestTargetReadings(t *testing.T) {
	t.Parallel()
	yaml := string(referenceTargetYAML) + "\nreadings:\n  AMB.R1: gateway-first\n"
	tg, err := ParseTarget("gateway.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if tg.Profile != "doc-strict+AMB.R1=gateway-first" {
		t.Fatalf("profile %q, want doc-strict+AMB.R1=gateway-first", tg.Profile)
	}
	ref := startReference(t, refplatform.WithReading("AMB.R1", "gateway-first"))
	tg.BaseURL, tg.Control = ref.BaseURL, ref.Control
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Run: regexp.MustCompile("^errors-(query|create)$")})
	if err != nil {
		t.Fatal(err)
	}
	decided := 0
	for _, c := range res.Checks {
		if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored {
			t.Errorf("%s %s: %s", c.ID, c.Outcome, c.Message)
		}
		if hasString(c.Readings, "AMB.R1") {
			decided++
		}
	}
	if decided == 0 {
		t.Error("no check lists AMB.R1 as a reading that decided it")
	}
	for _, bad := range []string{"AMB.R1: sideways", "AMB.99: x"} {
		_, err := ParseTarget("bad.yaml", []byte(string(referenceTargetYAML)+"\nreadings:\n  "+bad+"\n"))
		if err == nil || !strings.Contains(err.Error(), "bad.yaml: readings") {
			t.Errorf("readings %q: error %v, want one naming bad.yaml: readings", bad, err)
		}
	}
}

// TestReadingsWholeSuite: under lenient, the whole suite certifies every reading the reference
// can serve CONFORMANT, not only the scenarios TestReadings picks: no other check assumes the
// doc-strict reading.
func TestReadingsWholeSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the whole suite once per reading mode")
	}
	t.Parallel()
	for _, m := range refplatform.ReadingModes() {
		t.Run(m.ID+"="+m.Value, func(t *testing.T) {
			t.Parallel()
			tg := startReference(t, refplatform.WithReading(m.ID, m.Value))
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Profile: "lenient"})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.Checks {
				if c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored {
					t.Errorf("%s (%s): %s %s: %s", m.ID+"="+m.Value, m.Description, c.ID, c.Outcome, c.Message)
				}
			}
		})
	}
}
