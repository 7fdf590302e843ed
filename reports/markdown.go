package reports

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/batchcert/batchcert"
)

// MaxMarkdownFailures caps the failures the Markdown summary lists; report.html has them all.
const MaxMarkdownFailures = 15

// maxMarkdownMissing caps the uncovered requirement ids the summary names.
const maxMarkdownMissing = 10

var verdictIcon = map[string]string{
	"CONFORMANT":                 "✅",
	"CONFORMANT WITH EXCEPTIONS": "☑️",
	"NONCONFORMANT":              "❌",
	"INCOMPLETE":                 "⚠️",
	"NOT CERTIFIED":              "❔",
	"ERROR":                      "💥",
}

// MarkdownWidth is the line length the summary wraps its prose at: markdownlint's default
// (MD013), so the summary is clean under markdownlint's defaults.
const MarkdownWidth = 80

// WriteMarkdown writes a short summary of r, fit for a pull-request comment or
// $GITHUB_STEP_SUMMARY: the verdict, a counts table, the failures (capped), coverage and the
// load headline figures. It is clean under markdownlint's default rules (checked in CI): one
// h1, tables with spaced pipes, prose wrapped at MarkdownWidth.
func WriteMarkdown(w io.Writer, r *batchcert.Results) error {
	var buf bytes.Buffer
	md(&buf, r)
	bw := bufio.NewWriter(w)
	wrapMarkdown(bw, buf.String(), MarkdownWidth)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

func md(w *bytes.Buffer, r *batchcert.Results) {
	v := verdictOf(r)
	icon := verdictIcon[v]
	if icon == "" {
		icon = "❔"
	}
	fmt.Fprintf(w, "# %s batchcert: %s\n\n", icon, mdText(v))
	if r.Incomplete {
		w.WriteString("> **INCOMPLETE:** the run was interrupted before it finished; the counts below cover only what ran.\n\n")
	}
	fmt.Fprintf(w, "Target **%s** (`%s`, %s%s) · profile `%s` · `batchcert %s` · spec `%s` · %s\n\n",
		mdText(r.Target.Name), mdCode(r.Target.URL), mdText(r.Target.Transport), refNote(r.Target),
		mdCode(r.Profile), mdCode(r.Harness.Version), mdCode(short(r.Harness.SpecHash, 13)), fmtDur(r.End.Sub(r.Start)))
	if r.Selection != nil && r.Selection.Run != "" {
		fmt.Fprintf(w, "Selection `-run %s`: %d of %d scenarios.\n\n", mdCode(r.Selection.Run),
			len(r.Selection.Scenarios), r.Selection.Of)
	}

	c := Count(r.Checks)
	w.WriteString("| Outcome | Checks |\n| --- | ---: |\n")
	fmt.Fprintf(w, "| PASS | %d |\n| FAIL (MUST) | %d |\n| FAIL (SHOULD) | %d |\n| KNOWN-FAIL | %d |\n| SKIP | %d |\n| ERROR | %d |\n| **Total** | **%d** |\n\n",
		c.Pass, c.MustFail, c.ShouldFail, c.KnownFail, c.Skip, c.Errored, c.Total)

	var bad []batchcert.Check
	for _, ch := range problems(r.Checks) {
		if ch.Outcome != batchcert.KnownFail {
			bad = append(bad, ch)
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "## Failures (%d)\n\n", len(bad))
		for i, ch := range bad {
			if i == MaxMarkdownFailures {
				fmt.Fprintf(w, "- … and %d more: see report.html\n", len(bad)-i)
				break
			}
			reqs := make([]string, len(ch.Requirements))
			for j, q := range ch.Requirements {
				reqs[j] = "`" + mdCode(q) + "`"
			}
			fmt.Fprintf(w, "- **%s** %s `%s` (%s): %s — %s\n", mdText(string(ch.Outcome)), mdText(string(ch.Severity)),
				mdCode(ch.ID), mdText(suiteName(ch)), strings.Join(reqs, " "), mdText(short(ch.Message, 160)))
		}
		w.WriteString("\n")
	}

	cov := r.Coverage
	ex, ok := codeStats(cov.ErrorCodes)
	w.WriteString("## Coverage\n\n")
	fmt.Fprintf(w, "- Error-code contexts: %d/%d exercised (%d%%), %d passed\n", ex, len(cov.ErrorCodes), percent(ex, len(cov.ErrorCodes)), ok)
	fmt.Fprintf(w, "- Requirements: %d/%d covered (%d%%)", cov.Requirements.Covered, cov.Requirements.Total,
		percent(cov.Requirements.Covered, cov.Requirements.Total))
	if n := len(cov.Requirements.Missing); n > 0 {
		names := cov.Requirements.Missing
		if n > maxMarkdownMissing {
			names = names[:maxMarkdownMissing]
		}
		quoted := make([]string, len(names))
		for i, q := range names {
			quoted[i] = "`" + mdCode(q) + "`"
		}
		fmt.Fprintf(w, "; missing: %s", strings.Join(quoted, ", "))
		if n > maxMarkdownMissing {
			fmt.Fprintf(w, " and %d more", n-maxMarkdownMissing)
		}
	}
	w.WriteString("\n")
	if c := r.Connections; c != nil {
		fmt.Fprintf(w, "- The suite's %s\n", strings.TrimPrefix(connText(c), "; "))
	}
	w.WriteString("\n")

	if l := r.Load; l != nil && (l.Throttle != nil || l.TaskLimit != nil || l.Capacity != nil) {
		w.WriteString("## Load\n\n")
		if t := l.Throttle; t != nil {
			throttleLine(w, t)
		}
		if t := l.TaskLimit; t != nil {
			fmt.Fprintf(w, "- Task limit %d, %d runs at concurrency %d: admitted %s, rejected %s%s\n",
				t.Limit, t.Runs, t.Concurrency, intRange(t.Admitted), intRange(t.Rejected), connText(t.Connections))
		}
		if cp := l.Capacity; cp != nil {
			apps := ""
			if len(cp.Apps) > 1 {
				apps = fmt.Sprintf(", over %d apps", len(cp.Apps))
			}
			fmt.Fprintf(w, "- Capacity of `%s`: sustained %s at p99 ≤ %s and errors ≤ %.2g%% (%d steps%s)%s\n",
				mdCode(cp.Operation), fmtRate(cp.Sustained), fmtDur(cp.SLOp99), cp.MaxErrorRate*100, len(cp.Steps), apps, connText(cp.Connections))
		}
		w.WriteString("\n")
	}
	if s := r.SelfTest; s != nil {
		killed := 0
		for _, f := range s.Faults {
			if f.Killed {
				killed++
			}
		}
		fmt.Fprintf(w, "## Self-test\n\n- Faults killed: %d/%d; clean reference conformant: %v\n\n", killed, len(s.Faults), s.CleanConformant)
	}
}

// throttleLine is the throttle headline. On a scaled clock the windows are given in platform
// time first, the time the docs' rule speaks of, and in real time, what the probe measured.
func throttleLine(w *bytes.Buffer, t *batchcert.ThrottleResult) {
	if !t.Scaled() {
		fmt.Fprintf(w, "- Throttle: declared %d per %s, measured %d per %s (%s window, %d concurrent)%s\n",
			t.DeclaredLimit, fmtDur(t.DeclaredWindow), t.MeasuredLimit, fmtDur(t.MeasuredWindow), mdText(t.WindowType), t.MeasuredConcurrent, connText(t.Connections))
		return
	}
	fmt.Fprintf(w, "- Throttle: declared %d per %s, measured %d per %s of platform time (%s window, %d concurrent); in real time at timeScale %s: declared per %s, measured per %s%s\n",
		t.DeclaredLimit, fmtDur(t.PlatformDeclaredWindow), t.MeasuredLimit, fmtDur(t.PlatformMeasuredWindow), mdText(t.WindowType), t.MeasuredConcurrent,
		fmtScale(t.TimeScale), fmtDur(t.DeclaredWindow), fmtDur(t.MeasuredWindow), connText(t.Connections))
}

// connText says how a probe used connections: its model, and its TLS handshakes' count and
// mean cost when it made any ("" when the results do not say).
func connText(c *batchcert.Connections) string {
	if c == nil {
		return ""
	}
	s := fmt.Sprintf("; connections: %s, %d requests, %d dialed", mdText(c.Model), c.Requests, c.Dials)
	if c.Handshakes > 0 {
		s += fmt.Sprintf(", %d TLS handshakes (mean %s)", c.Handshakes, fmtDur(c.HandshakeMean))
	}
	if c.Failed > 0 {
		s += fmt.Sprintf(", %d handshakes failed", c.Failed)
	}
	return s
}

// intRange summarises per-run counts as "n" when all runs agree, else "min–max".
func intRange(xs []int) string {
	if len(xs) == 0 {
		return "-"
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

func refNote(t batchcert.Target) string {
	if t.Reference {
		return ", reference platform"
	}
	return ""
}

// mdText escapes s for Markdown running text (and table cells): Markdown punctuation, raw HTML
// and line breaks.
var mdReplacer = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "|", "\\|",
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "#", "\\#", "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdReplacer.Replace(s) }

// mdCode makes s safe inside a single-backtick code span: code spans cannot escape a
// backtick, so backticks become a look-alike; a pipe would end a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "ʼ", "\n", " ", "\r", " ", "|", "¦").Replace(s)
}

// wrapMarkdown writes doc with every paragraph, list item and block quote line longer than width
// wrapped at spaces (MD013). Headings and table rows stay whole. A line is never broken before a
// word that would start a new block (a list marker, a quote, a heading), so wrapping never
// changes what the Markdown means: a break inside a code span (a check id with spaces) reads
// as the space it replaces. The document ends with one newline.
func wrapMarkdown(w *bufio.Writer, doc string, width int) {
	doc = strings.TrimRight(doc, "\n") + "\n"
	for _, line := range strings.SplitAfter(doc, "\n") {
		if line == "" {
			continue
		}
		text := strings.TrimSuffix(line, "\n")
		first, cont := "", ""
		switch {
		case len([]rune(text)) <= width, strings.HasPrefix(text, "#"), strings.HasPrefix(text, "|"):
			w.WriteString(line)
			continue
		case strings.HasPrefix(text, "- "):
			first, cont, text = "- ", "  ", text[2:]
		case strings.HasPrefix(text, "> "):
			first, cont, text = "> ", "> ", text[2:]
		}
		wrapLine(w, first, cont, text, width)
	}
}

// wrapLine writes one logical line as lines of at most width runes where it can: greedy, but a
// break goes before the last word that may start a line (not a block marker).
func wrapLine(w *bufio.Writer, first, cont, text string, width int) {
	words := strings.Split(text, " ")
	breakable := make([]bool, len(words)) // a line may start at words[i]
	for i, word := range words {
		breakable[i] = i > 0 && word != "" && !startsBlock(word)
	}
	prefix, start, n := first, 0, len([]rune(first))
	for i := 0; i < len(words); i++ {
		wn := len([]rune(words[i]))
		if i > start && n+1+wn > width {
			k := i
			for k > start && !breakable[k] {
				k--
			}
			if k > start {
				w.WriteString(prefix + strings.Join(words[start:k], " ") + "\n")
				prefix, start = cont, k
				n = len([]rune(cont)) + len([]rune(strings.Join(words[k:i], " ")))
			}
		}
		if i > start {
			n++
		}
		n += wn
	}
	w.WriteString(prefix + strings.Join(words[start:], " ") + "\n")
}

// startsBlock says whether a line starting with word would open a block construct.
func startsBlock(word string) bool {
	if word == "" || strings.ContainsAny(word[:1], "-+*>#=|") {
		return true
	}
	digits := strings.TrimLeft(word, "0123456789")
	return len(digits) < len(word) && (strings.HasPrefix(digits, ".") || strings.HasPrefix(digits, ")"))
}
