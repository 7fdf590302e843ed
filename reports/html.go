package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":     fmtDur,
	"time":    fmtTime,
	"redact":  redact,
	"join":    strings.Join,
	"pct":     percent,
	"yesno":   yesNo,
	"rate":    fmtRate,
	"oclass":  outcomeClass,
	"percent": func(f float64) string { return fmt.Sprintf("%.2g%%", finite(f)*100) },
	"runs":    runCell,
	"inc":     func(i int) int { return i + 1 },
	"short":   short,
	"scale":   fmtScale,
}).Parse(htmlSource))

// htmlData is what report.html.tmpl renders.
type htmlData struct {
	R            *batchcert.Results
	Verdict      string
	VerdictClass string
	Counts       Counts
	Problems     []batchcert.Check
	// Causes are the failures grouped by root cause, first failure first; Known the declared
	// known failures.
	Causes     []causeView
	Known      []batchcert.Check
	Grid       codeGrid
	CodeExer   int
	CodePassed int
	Trace      []traceView
	Suites     []suiteView
	Throttle   template.HTML
	TaskLimit  template.HTML
	Capacity   template.HTML
	Killed     int
}

// codeGrid is the error-code coverage grid: a row per (status, code), a column per operation.
type codeGrid struct {
	Ops  []string
	Rows []codeRow
}

type codeRow struct {
	Status int
	Code   string
	Cells  []codeCell // one per Ops entry
}

type codeCell struct {
	Class string // passed, failed, unexercised, or "" when the operation has no such row
	Label string
}

type suiteView struct {
	Name   string
	Checks []batchcert.Check
}

// causeView is one root cause as the report shows it: its first failure in full, the rest of
// its failures and the checks not run because of it as compact lists.
type causeView struct {
	N        int
	Title    string
	Must     bool
	First    batchcert.Check
	Evidence []evidenceView
	More     []batchcert.Check
	NotRun   []batchcert.Check
}

// evidenceView is one exchange of evidence, or a pointer to where the report showed it already.
type evidenceView struct {
	batchcert.Evidence
	SameAs string // the check whose evidence showed this exchange first
}

// traceView is one traceability row: the requirement's statement and source from the catalog,
// the worst outcome of the checks that name it and how many there are.
type traceView struct {
	traceRow
	Severity  batchcert.Severity
	Statement string
	Source    string
	Covered   bool
	Count     int
	Sample    string // the first check ids, for the row's tooltip
}

// WriteHTML writes r as a single self-contained HTML certificate: inline CSS and SVG, no script,
// no external assets.
func WriteHTML(w io.Writer, r *batchcert.Results) error {
	if err := htmlTemplate.Execute(w, newHTMLData(r)); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

func newHTMLData(r *batchcert.Results) htmlData {
	d := htmlData{
		R:        r,
		Verdict:  verdictOf(r),
		Counts:   Count(r.Checks),
		Problems: problems(r.Checks),
		Grid:     newCodeGrid(r.Coverage.ErrorCodes),
		Trace:    traceViews(r),
		Causes:   causeViews(r.Checks),
	}
	for _, c := range r.Checks {
		if c.Outcome == batchcert.KnownFail {
			d.Known = append(d.Known, c)
		}
	}
	d.VerdictClass = strings.ReplaceAll(strings.ToLower(d.Verdict), " ", "-")
	d.CodeExer, d.CodePassed = codeStats(r.Coverage.ErrorCodes)
	index := map[string]int{}
	for _, c := range r.Checks {
		name := suiteName(c)
		i, ok := index[name]
		if !ok {
			i = len(d.Suites)
			index[name] = i
			d.Suites = append(d.Suites, suiteView{Name: name})
		}
		d.Suites[i].Checks = append(d.Suites[i].Checks, c)
	}
	if l := r.Load; l != nil {
		if l.Throttle != nil {
			d.Throttle = throttleSVG(l.Throttle)
		}
		if l.TaskLimit != nil {
			d.TaskLimit = taskLimitSVG(l.TaskLimit)
		}
		if l.Capacity != nil {
			d.Capacity = capacitySVG(l.Capacity)
		}
	}
	if r.SelfTest != nil {
		for _, f := range r.SelfTest.Faults {
			if f.Killed {
				d.Killed++
			}
		}
	}
	return d
}

func newCodeGrid(cov []batchcert.CodeCoverage) codeGrid {
	var g codeGrid
	opIndex := map[string]int{}
	type key struct {
		status int
		code   string
	}
	cells := map[key]map[string]batchcert.CodeCoverage{}
	for _, c := range cov {
		if _, ok := opIndex[c.Operation]; !ok {
			opIndex[c.Operation] = len(g.Ops)
			g.Ops = append(g.Ops, c.Operation)
		}
		k := key{c.Status, c.Code}
		if cells[k] == nil {
			cells[k] = map[string]batchcert.CodeCoverage{}
		}
		cells[k][c.Operation] = c
	}
	keys := make([]key, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].status != keys[j].status {
			return keys[i].status < keys[j].status
		}
		return keys[i].code < keys[j].code
	})
	for _, k := range keys {
		row := codeRow{Status: k.status, Code: k.code, Cells: make([]codeCell, len(g.Ops))}
		for op, c := range cells[k] {
			cell := &row.Cells[opIndex[op]]
			switch {
			case c.Exercised && c.Passed:
				cell.Class, cell.Label = "passed", "✓ passed"
			case c.Exercised:
				cell.Class, cell.Label = "failed", "✗ failed"
			default:
				cell.Class, cell.Label = "unexercised", "· not exercised"
			}
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// outcomeClass is the CSS class of an outcome.
func outcomeClass(o batchcert.Outcome) string {
	switch o {
	case batchcert.Pass:
		return "pass"
	case batchcert.Fail:
		return "fail"
	case batchcert.Skip:
		return "skip"
	case batchcert.KnownFail:
		return "known"
	case batchcert.NotRun:
		return "notrun"
	case "":
		return "none"
	default:
		return "error"
	}
}

// runCell renders per-run counts for the task-limit table.
func runCell(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	if len(parts) > 30 {
		return strings.Join(parts[:30], " ") + fmt.Sprintf(" … (%d runs)", len(parts))
	}
	return strings.Join(parts, " ")
}

// causeViews renders the root causes; an exchange shown once is not shown again.
func causeViews(checks []batchcert.Check) []causeView {
	seen := map[string]string{}
	var out []causeView
	for i, g := range rootCauses(checks) {
		v := causeView{N: i + 1, Title: g.Title, Must: g.Must, NotRun: g.NotRun}
		if len(g.Failures) == 0 {
			if len(g.NotRun) == 0 {
				continue
			}
			v.First, v.NotRun = g.NotRun[0], g.NotRun[1:]
		} else {
			v.First, v.More = g.Failures[0], g.Failures[1:]
		}
		for _, e := range v.First.Evidence {
			key := e.Request + "\x00" + e.Response
			ev := evidenceView{Evidence: e}
			if first, ok := seen[key]; ok {
				ev.SameAs = first
			} else {
				seen[key] = v.First.ID
			}
			v.Evidence = append(v.Evidence, ev)
		}
		out = append(out, v)
	}
	return out
}

// traceViews joins the traceability rows with the catalog's statements and sources.
func traceViews(r *batchcert.Results) []traceView {
	missing := map[string]bool{}
	for _, id := range r.Coverage.Requirements.Missing {
		missing[id] = true
	}
	cat, _ := contracts.Catalog()
	var out []traceView
	for _, row := range traceability(r) {
		v := traceView{traceRow: row, Count: len(row.Checks), Covered: len(row.Checks) > 0 && !missing[row.Requirement]}
		if cat != nil {
			if e, ok := cat.Get(row.Requirement); ok {
				v.Severity = e.Severity
			}
		}
		if s, ok := contracts.SourceOf(row.Requirement); ok {
			v.Statement = s.Statement
			v.Source = s.Source.Page + " · " + s.Source.Table + " · " + s.Source.Row
		}
		ids := make([]string, 0, 5)
		for _, c := range row.Checks {
			if len(ids) == 5 {
				ids = append(ids, "…")
				break
			}
			ids = append(ids, c.ID)
		}
		v.Sample = strings.Join(ids, "\n")
		out = append(out, v)
	}
	return out
}
