package reports

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

func TestNiceTicks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		reason   string
		lo, hi   float64
		n        int
		want     []float64
		wantLast float64
	}{
		{"round range", "a limit of 100 with headroom gets round steps", 0, 105, 5, []float64{0, 20, 40, 60, 80, 100, 120}, 120},
		{"small", "fractional ranges get fractional steps", 0, 0.9, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, 1},
		{"offset", "a range not starting at zero starts at a round tick below it", 7, 23, 5, []float64{5, 10, 15, 20, 25}, 25},
		{"empty", "an empty range still gives an axis", 0, 0, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, 1},
		{"nan", "a broken measurement gives an axis, not a panic", math.NaN(), math.Inf(1), 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, last := niceTicksFrom(tc.lo, tc.hi, tc.n)
			if !reflect.DeepEqual(got, tc.want) || last != tc.wantLast {
				t.Fatalf("%s: got %v (last %v), want %v (last %v)", tc.reason, got, last, tc.want, tc.wantLast)
			}
		})
	}
}

func TestWindowCounts(t *testing.T) {
	t.Parallel()
	pt := func(sec, acc int) batchcert.TimelinePoint {
		return batchcert.TimelinePoint{Offset: time.Duration(sec) * time.Second, Accepted: acc}
	}
	cases := []struct {
		name, reason string
		pts          []batchcert.TimelinePoint
		want         []int
	}{
		{"one window", "sums accepted calls", []batchcert.TimelinePoint{pt(0, 3), pt(1, 4), pt(2, 0)}, []int{3, 7, 7}},
		{"expiry", "a window expires after its length and the next opens at the next accepted call",
			[]batchcert.TimelinePoint{pt(0, 5), pt(5, 5), pt(10, 0), pt(12, 2)}, []int{5, 10, 0, 2}},
		{"late start", "no window before the first accepted call", []batchcert.TimelinePoint{pt(0, 0), pt(1, 2)}, []int{0, 2}},
	}
	for _, tc := range cases {
		if got := windowCounts(tc.pts, 10*time.Second); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s (%s): got %v, want %v", tc.name, tc.reason, got, tc.want)
		}
	}
}

func TestMergeBuckets(t *testing.T) {
	t.Parallel()
	pts := make([]batchcert.TimelinePoint, 1000)
	for i := range pts {
		pts[i] = batchcert.TimelinePoint{Offset: time.Duration(i) * time.Second, Accepted: 1, Throttled: 2}
	}
	got := mergeBuckets(pts, maxBars)
	if len(got) > maxBars {
		t.Fatalf("%d buckets, want at most %d", len(got), maxBars)
	}
	acc, thr := 0, 0
	for _, p := range got {
		acc, thr = acc+p.Accepted, thr+p.Throttled
	}
	if acc != 1000 || thr != 2000 {
		t.Fatalf("merging lost calls: %d accepted, %d throttled", acc, thr)
	}
}

// TestPlotsSurviveHostileValues guards the plots against values a broken probe or a hand-edited
// file can carry: negative, huge, NaN, mismatched lengths, and markup in names.
func TestPlotsSurviveHostileValues(t *testing.T) {
	t.Parallel()
	plots := map[string]string{
		"throttle": string(throttleSVG(&batchcert.ThrottleResult{DeclaredLimit: -3, DeclaredWindow: -time.Second, Timeline: []batchcert.TimelinePoint{
			{Offset: 5 * time.Second, Accepted: 1 << 30}, {Offset: -time.Hour, Throttled: 2}, {Offset: 5 * time.Second}}})),
		"tasklimit": string(taskLimitSVG(&batchcert.TaskLimitResult{Limit: 10, Admitted: []int{1, 2, 3}, Rejected: []int{-4}})),
		"capacity": string(capacitySVG(&batchcert.CapacityResult{Operation: "<b>op</b>", SLOp99: -1, Sustained: math.NaN(), Steps: []batchcert.CapacityStep{
			{Rate: math.Inf(1), P99: time.Duration(math.MaxInt64), ErrorRate: math.NaN()}, {Rate: -5}}})),
	}
	for name, svg := range plots {
		if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>") {
			t.Errorf("%s: not a complete svg: %.80q", name, svg)
		}
		for _, bad := range []string{"NaN", "Inf", "<b>"} {
			if strings.Contains(svg, bad) {
				t.Errorf("%s: svg contains %q", name, bad)
			}
		}
	}
	if throttleSVG(&batchcert.ThrottleResult{}) != "" || taskLimitSVG(&batchcert.TaskLimitResult{}) != "" || capacitySVG(&batchcert.CapacityResult{}) != "" {
		t.Error("an empty measurement draws a plot")
	}
}

func TestEsc(t *testing.T) {
	t.Parallel()
	if got, want := esc(`<a href="x">'&'</a>`), `&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;`; got != want {
		t.Fatalf("esc = %q, want %q", got, want)
	}
}

// TestWindowCountsFollowMeasuredWindows: the "accepted in window" line restarts where the
// platform accepted calls again after throttling them, so a conformant run never rises above
// the limit even when the platform's window opened before the probe's first call, and a
// platform admitting 110 shows 110.
func TestWindowCountsFollowMeasuredWindows(t *testing.T) {
	t.Parallel()
	// One-second buckets over 130 s, a 60 s window whose boundary is at -20 s: the probe's
	// first window holds what is left of it, then full windows open at 40 s and 100 s.
	timeline := func(limit, left int) []batchcert.TimelinePoint {
		var pts []batchcert.TimelinePoint
		budget := left
		for s := 0; s < 130; s++ {
			if s == 40 || s == 100 {
				budget = limit
			}
			p := batchcert.TimelinePoint{Offset: time.Duration(s) * time.Second}
			for k := 0; k < 5; k++ {
				if budget > 0 {
					budget--
					p.Accepted++
				} else {
					p.Throttled++
				}
			}
			pts = append(pts, p)
		}
		return pts
	}
	peak := func(pts []batchcert.TimelinePoint) int {
		m := 0
		for _, n := range windowCounts(pts, time.Minute) {
			m = max(m, n)
		}
		return m
	}
	if got := peak(timeline(100, 95)); got != 100 {
		t.Errorf("a conformant platform peaks at %d accepted in a window, want 100", got)
	}
	if got := peak(timeline(110, 95)); got != 110 {
		t.Errorf("a platform admitting 110 peaks at %d, want 110", got)
	}
}
