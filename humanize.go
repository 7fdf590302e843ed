package batchcert

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Human-readable numbers for printed messages. results.json keeps the exact values; these are
// only for people reading a terminal or a report.

// FormatDuration rounds d for people: three significant digits below a second (1.23ms), hundredths
// of a second below a minute (2.35s), whole seconds above, with empty trailing units dropped
// (1m, 1h30m, 1m5s).
func FormatDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d == 0:
		return "0s"
	case d < time.Second:
		unit := time.Duration(1)
		for unit*1000 <= d {
			unit *= 10
		}
		s = d.Round(unit).String()
	case d < time.Minute:
		s = d.Round(10 * time.Millisecond).String()
	default:
		s = d.Round(time.Second).String()
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
	}
	if neg {
		return "-" + s
	}
	return s
}

// FormatRate formats a rate in requests per second: three significant digits, and no
// fractions from 100 up (3.33 req/s, 100 req/s, 1600 req/s).
func FormatRate(r float64) string {
	return FormatNumber(r) + " req/s"
}

// FormatNumber formats x with three significant digits, and without fractions from 100 up.
func FormatNumber(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return strconv.FormatFloat(x, 'g', -1, 64)
	case math.Abs(x) >= 100:
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// Plural is "n word", with an s when n is not 1: Plural(1, "run") is "1 run".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
