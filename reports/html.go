package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
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
}).Parse(htmlSource))

// htmlData is what report.html.tmpl renders.
type htmlData struct {
	R            *batchcert.Results
	Verdict      string
	VerdictClass string
	Counts       Counts
	Problems     []batchcert.Check
	Grid         codeGrid
	CodeExer     int
	CodePassed   int
	Trace        []traceRow
	Suites       []suiteView
	Throttle     template.HTML
	TaskLimit    template.HTML
	Capacity     template.HTML
	Killed       int
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
		Trace:    traceability(r),
	}
	d.VerdictClass = strings.ToLower(d.Verdict)
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
