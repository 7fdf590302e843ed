package reports

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
)

// Counts tallies the outcomes of a run's checks.
type Counts struct {
	Total      int
	Pass       int
	Fail       int
	Skip       int
	KnownFail  int
	Errored    int
	NotRun     int // checks whose setup failed: consequences of an earlier failure, never judged
	MustFail   int // failed checks of severity MUST: these make a target nonconformant
	ShouldFail int // failed checks of severity SHOULD: reported, not disqualifying
}

// Count tallies checks by outcome. An outcome it does not know counts as Errored, so a
// malformed results file can never look cleaner than it is.
func Count(checks []batchcert.Check) Counts {
	var c Counts
	for _, ch := range checks {
		c.Total++
		switch ch.Outcome {
		case batchcert.Pass:
			c.Pass++
		case batchcert.Fail:
			c.Fail++
			if ch.Severity == batchcert.Should {
				c.ShouldFail++
			} else {
				c.MustFail++
			}
		case batchcert.Skip:
			c.Skip++
		case batchcert.KnownFail:
			c.KnownFail++
		case batchcert.NotRun:
			c.NotRun++
		default:
			c.Errored++
		}
	}
	return c
}

// verdictOf is the verdict a report shows: the recorded one, or UNKNOWN when a hand-made
// Results carries none.
func verdictOf(r *batchcert.Results) string {
	if r.Verdict == "" {
		return "UNKNOWN"
	}
	return string(r.Verdict)
}

// suiteName is the JUnit suite, Markdown and HTML group a check belongs to: its scenario file,
// or its scenario when it came from no file (a probe).
func suiteName(c batchcert.Check) string {
	if c.File != "" {
		return c.File
	}
	if c.Scenario != "" {
		return c.Scenario
	}
	return "(no scenario)"
}

// problems are the checks a reader must look at, in run order: failures first, then harness
// errors, then known failures.
func problems(checks []batchcert.Check) []batchcert.Check {
	var out []batchcert.Check
	for _, want := range []batchcert.Outcome{batchcert.Fail, batchcert.Errored, batchcert.KnownFail} {
		for _, c := range checks {
			if c.Outcome == want {
				out = append(out, c)
			}
		}
	}
	return out
}

// traceRow is one requirement of the traceability matrix.
type traceRow struct {
	Requirement string
	Outcome     batchcert.Outcome // worst outcome of its checks; "" when no check covers it
	Checks      []batchcert.Check
}

// outcomeRank orders outcomes from best to worst, for a requirement's aggregate outcome.
var outcomeRank = map[batchcert.Outcome]int{
	batchcert.Skip: 1, batchcert.NotRun: 1, batchcert.Pass: 2, batchcert.KnownFail: 3, batchcert.Errored: 4, batchcert.Fail: 5,
}

// rank is an outcome's place in outcomeRank; an unknown outcome ranks as an error.
func rank(o batchcert.Outcome) int {
	if r, ok := outcomeRank[o]; ok {
		return r
	}
	return outcomeRank[batchcert.Errored]
}

// traceability maps each requirement to the checks that cover it, sorted by requirement id,
// with the catalog's uncovered requirements (Coverage.Requirements.Missing) as rows without
// checks.
func traceability(r *batchcert.Results) []traceRow {
	byReq := map[string]*traceRow{}
	for _, c := range r.Checks {
		for _, req := range c.Requirements {
			row := byReq[req]
			if row == nil {
				row = &traceRow{Requirement: req}
				byReq[req] = row
			}
			row.Checks = append(row.Checks, c)
			if len(row.Checks) == 1 || rank(c.Outcome) > rank(row.Outcome) {
				row.Outcome = c.Outcome
			}
		}
	}
	for _, req := range r.Coverage.Requirements.Missing {
		if byReq[req] == nil {
			byReq[req] = &traceRow{Requirement: req}
		}
	}
	rows := make([]traceRow, 0, len(byReq))
	for _, row := range byReq {
		rows = append(rows, *row)
	}
	sort.Slice(rows, func(i, j int) bool { return naturalLess(rows[i].Requirement, rows[j].Requirement) })
	return rows
}

// codeStats counts the error-code contexts a run exercised and passed.
func codeStats(cov []batchcert.CodeCoverage) (exercised, passed int) {
	for _, c := range cov {
		if c.Exercised {
			exercised++
		}
		if c.Exercised && c.Passed {
			passed++
		}
	}
	return exercised, passed
}

// percent is part of whole as a whole-number percentage, 0 when whole is not positive.
func percent(part, whole int) int {
	if whole <= 0 {
		return 0
	}
	return part * 100 / whole
}

// redactions re-redact credentials that should never have reached the evidence: bearer tokens,
// token and secret fields in JSON bodies and in forms. Evidence is redacted when it is recorded;
// this is the second line of defence for the human-readable reports.
var redactions = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)(authorization:\s*bearer\s+)[^\s"'\\]+`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(?i)("(?:accessToken|refreshToken|secret|access_token|refresh_token)"\s*:\s*")[^"]*(")`), "${1}[REDACTED]${2}"},
	{regexp.MustCompile(`(?i)(\b(?:secret|refreshToken|accessToken)=)[^&\s"']+`), "${1}[REDACTED]"},
}

// redact applies the redactions to s. It is idempotent.
func redact(s string) string {
	for _, r := range redactions {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

// fmtDur formats d for people: rounded to a sensible unit.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// fmtScale formats a clock's time scale (platform seconds per real second): 60, 0.5.
func fmtScale(s float64) string { return strconv.FormatFloat(finite(s), 'g', -1, 64) }

// fmtTime formats t in UTC for reports; the zero time is "-".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// fmtRate formats a request rate.
func fmtRate(r float64) string {
	return fmt.Sprintf("%.4g/s", finite(r))
}

// short truncates s to n runes with an ellipsis, on one line.
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

// yesNo renders an optional boolean measurement.
func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "not measured"
	case *b:
		return "yes"
	default:
		return "no"
	}
}
