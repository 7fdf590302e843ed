package reports

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/batchcert/batchcert"
)

// Root causes. One fault of a platform usually fails many checks: a renamed field fails the
// contract of every answer that should carry it, and every check that needed its value is
// NOT-RUN. The reports group failures by root cause, in run order of their first failure, so
// one fault reads as one finding with its consequences.

// causeGroup is one root cause: the failures that show it and the checks not run because of it.
type causeGroup struct {
	Key      string
	Title    string
	Failures []batchcert.Check // FAIL and ERROR checks, in run order; Failures[0] came first
	NotRun   []batchcert.Check // NOT-RUN checks whose setup this cause broke
	Must     bool              // some failure of the group is a MUST failure
}

var (
	// schemaProblem finds the operation and pointer in an expectation's schema problem:
	// "schema create-response: schema createBatchTask [RSP.create.taskID] /taskID: ...".
	schemaProblem = regexp.MustCompile(`schema (\w+) \[[^\]]*\] (/[^\s:;]*)`)
	// notRunStep finds the step a NOT-RUN check names: `not run: step "create" failed (...)`.
	notRunStep = regexp.MustCompile(`^not run: step "([^"]+)" failed`)
	// volatile are the parts of a message that differ between checks of one cause: quoted
	// values, ids and numbers of exchanges.
	volatile = regexp.MustCompile(`"[^"]*"|\b[0-9a-zA-Z]*[0-9][0-9a-zA-Z-]{5,}\b`)
)

// causeKey is the root cause a failed check shows: the operation and JSON pointer of its first
// located violation, else its first problem with the volatile parts taken out.
func causeKey(c batchcert.Check) (key, title string) {
	for _, v := range c.Violations {
		if v.Pointer != "" && v.Source != "runner" {
			return v.Operation + " " + v.Pointer, v.String()
		}
	}
	if m := schemaProblem.FindStringSubmatch(c.Message); m != nil {
		return m[1] + " " + m[2], short(c.Message, 200)
	}
	first, _, _ := strings.Cut(c.Message, "; ")
	return "message " + volatile.ReplaceAllString(first, "…"), short(first, 200)
}

// rootCauses groups the failed and not-run checks by root cause, first failure first.
func rootCauses(checks []batchcert.Check) []causeGroup {
	var groups []*causeGroup
	byKey := map[string]*causeGroup{}
	// stepGroup is the group of a step's first failure, for the checks not run because of it.
	stepGroup := map[string]*causeGroup{}
	group := func(key, title string) *causeGroup {
		g := byKey[key]
		if g == nil {
			g = &causeGroup{Key: key, Title: title}
			byKey[key] = g
			groups = append(groups, g)
		}
		return g
	}
	for _, c := range checks {
		switch c.Outcome {
		case batchcert.Fail, batchcert.Errored:
			g := group(causeKey(c))
			g.Failures = append(g.Failures, c)
			g.Must = g.Must || c.Severity != batchcert.Should
			if step := stepOf(c); stepGroup[step] == nil {
				stepGroup[step] = g
			}
		case batchcert.NotRun:
			var g *causeGroup
			if m := notRunStep.FindStringSubmatch(c.Message); m != nil {
				g = stepGroup[c.Scenario+"/"+m[1]]
			}
			if g == nil {
				key, title := causeKey(c)
				g = group(key, title)
			}
			g.NotRun = append(g.NotRun, c)
		}
	}
	out := make([]causeGroup, len(groups))
	for i, g := range groups {
		out[i] = *g
	}
	return out
}

// stepOf is "scenario/step" of a check id "scenario/step/expectation".
func stepOf(c batchcert.Check) string {
	if i := strings.LastIndexByte(c.ID, '/'); i > 0 {
		return c.ID[:i]
	}
	return c.ID
}

// naturalLess orders strings with their digit runs read as numbers: AMB.2 before AMB.10.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		ca, cb := rune(a[0]), rune(b[0])
		if unicode.IsDigit(ca) && unicode.IsDigit(cb) {
			na, ra := digits(a)
			nb, rb := digits(b)
			ta, tb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(ta) != len(tb) {
				return len(ta) < len(tb)
			}
			if ta != tb {
				return ta < tb
			}
			a, b = ra, rb
			continue
		}
		if ca != cb {
			return ca < cb
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digits(s string) (run, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}
