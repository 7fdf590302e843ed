package reports

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
)

// Small hand-written SVG plots for report.html: no script, no external assets. Every text that
// reaches the SVG goes through esc; numbers are formatted by num, so the output is deterministic.

// maxBars caps the bars a plot draws; longer series are merged into wider buckets.
const maxBars = 240

// Plot colours, shared with the page's legend CSS.
const (
	colAccepted  = "#2e7d32"
	colThrottled = "#c62828"
	colOther     = "#9e9e9e"
	colRejected  = "#ef6c00"
	colLine      = "#1565c0"
	colLimit     = "#212121"
)

// chart is one plot: a frame with margins, linear x and y scales, and the SVG being written.
type chart struct {
	w, h                   float64
	left, right, top, bot  float64
	xmin, xmax, ymin, ymax float64
	b                      strings.Builder
}

func newChart(title string, xmin, xmax, ymax float64) *chart {
	c := &chart{w: 720, h: 300, left: 56, right: 170, top: 28, bot: 46, xmin: xmin, xmax: xmax, ymin: 0, ymax: ymax}
	if !(c.xmax > c.xmin) {
		c.xmax = c.xmin + 1
	}
	if !(c.ymax > c.ymin) {
		c.ymax = c.ymin + 1
	}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" class="plot" font-family="sans-serif" font-size="11">`,
		num(c.w), num(c.h), num(c.w), num(c.h))
	fmt.Fprintf(&c.b, `<title>%s</title>`, esc(title))
	fmt.Fprintf(&c.b, `<text x="%s" y="16" font-size="13" font-weight="bold">%s</text>`, num(c.left), esc(title))
	return c
}

// x and y map data to SVG coordinates, clamped to the frame so a wild value cannot draw outside.
func (c *chart) x(v float64) float64 {
	v = clamp((v-c.xmin)/(c.xmax-c.xmin), 0, 1)
	return c.left + v*(c.w-c.left-c.right)
}

func (c *chart) y(v float64) float64 {
	v = clamp((v-c.ymin)/(c.ymax-c.ymin), 0, 1)
	return c.h - c.bot - v*(c.h-c.top-c.bot)
}

// axes draws the frame, grid lines, ticks and their labels, and the axis titles.
func (c *chart) axes(xticks []float64, xfmt func(float64) string, xlabel string, yticks []float64, ylabel string) {
	x0, x1, y0, y1 := c.left, c.w-c.right, c.h-c.bot, c.top
	for _, t := range yticks {
		y := c.y(t)
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#e0e0e0"/>`, num(x0), num(y), num(x1), num(y))
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, num(x0-6), num(y+4), esc(num(t)))
	}
	for _, t := range xticks {
		x := c.x(t)
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#757575"/>`, num(x), num(y0), num(x), num(y0+5))
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(x), num(y0+17), esc(xfmt(t)))
	}
	fmt.Fprintf(&c.b, `<path d="M%s %sV%sH%s" fill="none" stroke="#424242"/>`, num(x0), num(y1), num(y0), num(x1))
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num((x0+x1)/2), num(c.h-8), esc(xlabel))
	fmt.Fprintf(&c.b, `<text transform="translate(14 %s) rotate(-90)" text-anchor="middle">%s</text>`, num((y0+y1)/2), esc(ylabel))
}

// hline draws a dashed horizontal reference line at data value v, labelled just above its right
// end inside the frame (the right margin belongs to the legend).
func (c *chart) hline(v float64, colour, label string) {
	y := c.y(v)
	fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`,
		num(c.left), num(y), num(c.w-c.right), num(y), colour)
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" fill="%s" text-anchor="end" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`,
		num(c.w-c.right-4), num(y-5), colour, esc(label))
}

// rect draws a bar between data values (x0, y0) and (x1, y1).
func (c *chart) rect(x0, x1, y0, y1 float64, colour, tip string) {
	px0, px1, py0, py1 := c.x(x0), c.x(x1), c.y(y1), c.y(y0)
	if py1-py0 <= 0 {
		return
	}
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
		num(px0), num(py0), num(math.Max(px1-px0, 0.5)), num(py1-py0), colour, esc(tip))
}

// legend lists colour keys in the right margin, starting at row.
func (c *chart) legend(row int, colour, label string, dashed bool) {
	x, y := c.w-c.right+12, c.top+12+float64(row)*18
	if dashed {
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="4 3"/>`, num(x), num(y-4), num(x+14), num(y-4), colour)
	} else {
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="12" height="10" fill="%s"/>`, num(x), num(y-9), colour)
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s">%s</text>`, num(x+20), num(y), esc(label))
}

func (c *chart) svg() template.HTML {
	c.b.WriteString(`</svg>`)
	return template.HTML(c.b.String()) //nolint:gosec // every text in it went through esc
}

// throttleSVG plots accepted and throttled calls per time bucket as stacked bars, the calls
// accepted so far in the current declared window as a step line (windows start at the first
// accepted call after the previous one expired, the reading of AMB.9), and the declared limit.
func throttleSVG(t *batchcert.ThrottleResult) template.HTML {
	pts := mergeBuckets(t.Timeline, maxBars)
	if len(pts) == 0 {
		return ""
	}
	width := bucketWidth(pts)
	xmin, xmax := pts[0].Offset.Seconds(), (pts[len(pts)-1].Offset + width).Seconds()
	window := t.MeasuredWindow
	if window <= 0 {
		window = t.DeclaredWindow
	}
	inWindow := windowCounts(pts, window)
	top := float64(t.DeclaredLimit)
	for i, p := range pts {
		top = math.Max(top, math.Max(float64(p.Accepted+p.Throttled), float64(inWindow[i])))
	}
	yticks, ymax := niceTicks(top*1.05, 5)
	// The axis spans whole ticks, so the last tick label is never squeezed against the one before.
	xticks, xmax := niceTicksFrom(xmin, xmax, 8)
	xmin = math.Min(xmin, xticks[0])
	c := newChart("Throttle probe: calls per bucket", xmin, xmax, ymax)
	xlabel := "time since probe start (s)"
	if t.Scaled() {
		xlabel = "time since probe start (s, real time)"
	}
	c.axes(xticks, func(v float64) string { return num(v) + "s" }, xlabel, yticks, "calls")
	for _, p := range pts {
		x0, x1 := p.Offset.Seconds(), (p.Offset + width).Seconds()
		gap := (x1 - x0) * 0.1
		at := fmtDur(p.Offset)
		c.rect(x0+gap, x1-gap, 0, float64(p.Accepted), colAccepted, fmt.Sprintf("%s: %d accepted", at, p.Accepted))
		c.rect(x0+gap, x1-gap, float64(p.Accepted), float64(p.Accepted+p.Throttled), colThrottled, fmt.Sprintf("%s: %d throttled", at, p.Throttled))
	}
	var path strings.Builder
	for i, p := range pts {
		x0, x1, y := c.x(p.Offset.Seconds()), c.x((p.Offset + width).Seconds()), c.y(float64(inWindow[i]))
		if i == 0 {
			fmt.Fprintf(&path, "M%s %s", num(x0), num(y))
		} else {
			fmt.Fprintf(&path, "V%s", num(y))
		}
		fmt.Fprintf(&path, "H%s", num(x1))
	}
	fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`, path.String(), colLine)
	if t.DeclaredLimit > 0 {
		label := fmt.Sprintf("limit %d / %s", t.DeclaredLimit, fmtDur(t.DeclaredWindow))
		if t.Scaled() {
			label = fmt.Sprintf("limit %d / %s platform (%s real)", t.DeclaredLimit, fmtDur(t.PlatformDeclaredWindow), fmtDur(t.DeclaredWindow))
		}
		c.hline(float64(t.DeclaredLimit), colLimit, label)
	}
	c.legend(1, colAccepted, "accepted", false)
	c.legend(2, colThrottled, "throttled (1010009)", false)
	c.legend(3, colLine, "accepted in window", true)
	return c.svg()
}

// windowCounts is, per bucket, the calls accepted since the current window opened, on the
// windows the probe measured: a window opens where the platform accepted calls again after
// throttling them (the reset the probe saw), or, with no throttling in between, once the
// window's length has passed since the last one opened. A window opening at the first accepted
// call after the previous one expired would straddle the platform's real boundary whenever
// that boundary lies before the probe's first call, and count two windows' calls as one.
func windowCounts(pts []batchcert.TimelinePoint, window time.Duration) []int {
	out := make([]int, len(pts))
	open, sum, inside, throttled := time.Duration(0), 0, false, false
	for i, p := range pts {
		expired := inside && window > 0 && p.Offset >= open+window
		reset := inside && throttled && p.Accepted > 0
		if expired || reset {
			inside, sum, throttled = false, 0, false
		}
		if !inside && p.Accepted > 0 {
			inside, open = true, p.Offset
		}
		if inside {
			sum += p.Accepted
			// Calls throttled in this bucket came after its accepted ones: the window is full.
			throttled = throttled || p.Throttled > 0
		}
		out[i] = sum
	}
	return out
}

// bucketWidth is the smallest positive step between offsets, or one second.
func bucketWidth(pts []batchcert.TimelinePoint) time.Duration {
	w := time.Duration(0)
	for i := 1; i < len(pts); i++ {
		if d := pts[i].Offset - pts[i-1].Offset; d > 0 && (w == 0 || d < w) {
			w = d
		}
	}
	if w == 0 {
		return time.Second
	}
	return w
}

// mergeBuckets merges adjacent points so at most n remain.
func mergeBuckets(pts []batchcert.TimelinePoint, n int) []batchcert.TimelinePoint {
	if len(pts) <= n {
		return pts
	}
	per := (len(pts) + n - 1) / n
	out := make([]batchcert.TimelinePoint, 0, n)
	for i := 0; i < len(pts); i += per {
		m := batchcert.TimelinePoint{Offset: pts[i].Offset}
		for _, p := range pts[i:min(i+per, len(pts))] {
			m.Accepted += p.Accepted
			m.Throttled += p.Throttled
		}
		out = append(out, m)
	}
	return out
}

// taskLimitSVG plots, per run of the task-limit race, the admitted, rejected (105001) and other
// answers as stacked bars, with the limit.
func taskLimitSVG(t *batchcert.TaskLimitResult) template.HTML {
	n := max(len(t.Admitted), len(t.Rejected), len(t.Other))
	if n == 0 || n > maxBars {
		return ""
	}
	at := func(xs []int, i int) float64 {
		if i < len(xs) {
			return float64(xs[i])
		}
		return 0
	}
	top := float64(t.Limit)
	for i := 0; i < n; i++ {
		top = math.Max(top, at(t.Admitted, i)+at(t.Rejected, i)+at(t.Other, i))
	}
	yticks, ymax := niceTicks(top*1.05, 5)
	c := newChart("Task-limit race: answers per run", 0.5, float64(n)+0.5, ymax)
	xticks := make([]float64, n)
	for i := range xticks {
		xticks[i] = float64(i + 1)
	}
	if n > 20 {
		xticks, _ = niceTicksFrom(1, float64(n), 8)
	}
	c.axes(xticks, num, "run", yticks, "create calls")
	for i := 0; i < n; i++ {
		x0, x1 := float64(i+1)-0.35, float64(i+1)+0.35
		a, r, o := at(t.Admitted, i), at(t.Rejected, i), at(t.Other, i)
		run := fmt.Sprintf("run %d: ", i+1)
		c.rect(x0, x1, 0, a, colAccepted, run+num(a)+" admitted")
		c.rect(x0, x1, a, a+r, colRejected, run+num(r)+" rejected (105001)")
		c.rect(x0, x1, a+r, a+r+o, colOther, run+num(o)+" other")
	}
	if t.Limit > 0 {
		c.hline(float64(t.Limit), colLimit, fmt.Sprintf("limit %d", t.Limit))
	}
	c.legend(1, colAccepted, "admitted", false)
	c.legend(2, colRejected, "rejected (105001)", false)
	c.legend(3, colOther, "other", false)
	return c.svg()
}

// capacitySVG plots p50, p90 and p99 latency against the attempted rate of each capacity step,
// with the p99 SLO and the sustained rate; steps that missed the SLO or the error budget are
// ringed in red.
func capacitySVG(cp *batchcert.CapacityResult) template.HTML {
	steps := cp.Steps
	if len(steps) == 0 || len(steps) > maxBars {
		return ""
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	xmax, top := 0.0, ms(cp.SLOp99)
	for _, s := range steps {
		xmax = math.Max(xmax, finite(s.Rate))
		top = math.Max(top, math.Max(ms(s.P99), math.Max(ms(s.P90), ms(s.P50))))
	}
	yticks, ymax := niceTicks(top*1.05, 5)
	xticks, xhi := niceTicks(xmax*1.05, 6)
	c := newChart("Capacity: latency against attempted rate", 0, xhi, ymax)
	c.axes(xticks, num, "attempted rate (requests/s)", yticks, "latency (ms)")
	series := []struct {
		name   string
		colour string
		get    func(batchcert.CapacityStep) time.Duration
	}{
		{"p50", "#66bb6a", func(s batchcert.CapacityStep) time.Duration { return s.P50 }},
		{"p90", "#ffa726", func(s batchcert.CapacityStep) time.Duration { return s.P90 }},
		{"p99", colLine, func(s batchcert.CapacityStep) time.Duration { return s.P99 }},
	}
	for row, se := range series {
		var path strings.Builder
		for i, s := range steps {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%s %s", cmd, num(c.x(finite(s.Rate))), num(c.y(ms(se.get(s)))))
		}
		fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`, path.String(), se.colour)
		for _, s := range steps {
			fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s</title></circle>`,
				num(c.x(finite(s.Rate))), num(c.y(ms(se.get(s)))), se.colour,
				esc(fmt.Sprintf("%s at %s: %s", se.name, fmtRate(s.Rate), fmtDur(se.get(s)))))
		}
		c.legend(row+1, se.colour, se.name, false)
	}
	for _, s := range steps {
		if !s.OK {
			fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="7" fill="none" stroke="%s" stroke-width="2"><title>%s</title></circle>`,
				num(c.x(finite(s.Rate))), num(c.y(ms(s.P99))), colThrottled,
				esc(fmt.Sprintf("step at %s missed: p99 %s, errors %.2g%%", fmtRate(s.Rate), fmtDur(s.P99), finite(s.ErrorRate)*100)))
		}
	}
	if cp.SLOp99 > 0 {
		c.hline(ms(cp.SLOp99), colThrottled, "p99 SLO "+fmtDur(cp.SLOp99))
	}
	if r := finite(cp.Sustained); r > 0 {
		x := c.x(r)
		fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-dasharray="2 3"/>`, num(x), num(c.top), num(x), num(c.h-c.bot), colLimit)
		fmt.Fprintf(&c.b, `<text x="%s" y="%s" fill="%s" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`, num(x+4), num(c.top+10), colLimit, esc("sustained "+fmtRate(r)))
	}
	c.legend(4, colThrottled, "step missed SLO", true)
	return c.svg()
}

// niceTicks returns about n round tick values from 0 up to at least hi, and the top tick.
func niceTicks(hi float64, n int) ([]float64, float64) {
	return niceTicksFrom(0, hi, n)
}

// niceTicksFrom returns about n round tick values covering lo..hi, and the last tick.
func niceTicksFrom(lo, hi float64, n int) ([]float64, float64) {
	lo, hi = finite(lo), finite(hi)
	if !(hi > lo) {
		hi = lo + 1
	}
	step := niceNum((hi-lo)/float64(max(n-1, 1)), true)
	start := math.Floor(lo/step) * step
	var ticks []float64
	for v := start; v < hi+step*0.999 && len(ticks) < 50; v += step {
		// Re-parse at 12 significant digits so 3*0.2 is the tick 0.6, not 0.6000000000000001.
		tick, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(v/step)*step, 'g', 12, 64), 64)
		ticks = append(ticks, tick)
	}
	return ticks, ticks[len(ticks)-1]
}

// niceNum rounds x to 1, 2, 5 or 10 times a power of ten (Heckbert's "nice numbers").
func niceNum(x float64, round bool) float64 {
	exp := math.Floor(math.Log10(x))
	f := x / math.Pow(10, exp)
	var nf float64
	switch {
	case round && f < 1.5, !round && f <= 1:
		nf = 1
	case round && f < 3, !round && f <= 2:
		nf = 2
	case round && f < 7, !round && f <= 5:
		nf = 5
	default:
		nf = 10
	}
	return nf * math.Pow(10, exp)
}

func clamp(v, lo, hi float64) float64 {
	return math.Min(math.Max(finite(v), lo), hi)
}

// finite maps NaN and infinities to 0, so a broken measurement draws as nothing, not as garbage.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// num formats a coordinate or tick value compactly and deterministically.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(finite(v)*100)/100, 'f', -1, 64)
}

// esc escapes text for SVG (XML) content and attributes.
var escReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func esc(s string) string { return escReplacer.Replace(s) }
