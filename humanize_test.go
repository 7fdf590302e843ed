package batchcert

import (
	"math"
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		d    time.Duration
		want string
		why  string
	}{
		{time.Minute + 480000433*time.Nanosecond, "1m", "the issue's 1m0.480000433s"},
		{0, "0s", "zero"},
		{1234567 * time.Nanosecond, "1.23ms", "three significant digits below a second"},
		{999 * time.Nanosecond, "999ns", "nanoseconds stay exact"},
		{250 * time.Millisecond, "250ms", "a round value stays"},
		{2345678901 * time.Nanosecond, "2.35s", "hundredths below a minute"},
		{65 * time.Second, "1m5s", "seconds above a minute"},
		{90 * time.Minute, "1h30m", "an empty seconds unit is dropped"},
		{2 * time.Hour, "2h", "empty minute and second units are dropped"},
		{-1500 * time.Millisecond, "-1.5s", "negative"},
	}
	for _, tc := range cases {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("%s: FormatDuration(%d) = %q, want %q", tc.why, int64(tc.d), got, tc.want)
		}
	}
}

func TestFormatRateAndPlural(t *testing.T) {
	t.Parallel()
	cases := []struct {
		r    float64
		want string
	}{
		{100.0 / 30, "3.33 req/s"}, {100, "100 req/s"}, {1600.4, "1600 req/s"}, {0.5, "0.5 req/s"}, {0, "0 req/s"},
		{math.Inf(1), "+Inf req/s"},
	}
	for _, tc := range cases {
		if got := FormatRate(tc.r); got != tc.want {
			t.Errorf("FormatRate(%v) = %q, want %q", tc.r, got, tc.want)
		}
	}
	for n, want := range map[int]string{0: "0 runs", 1: "1 run", 2: "2 runs"} {
		if got := Plural(n, "run"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
