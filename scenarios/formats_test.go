package scenarios

import (
	"net/http"
	"testing"
	"time"
)

// TestCreatedWindow: the platform's time around a create comes from its Date headers when the
// answer has one, whatever the harness's clock says; without, from the harness's clock shifted
// by the declared clockOffset, with a wide default tolerance when none is declared.
func TestCreatedWindow(t *testing.T) {
	t.Parallel()
	platform := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	harness := time.Date(2026, 12, 2, 1, 0, 0, 500, time.UTC)
	dated := &Exchange{dateBefore: platform, dateAnswer: platform.Add(time.Second), sentAt: harness, answeredAt: harness.Add(time.Millisecond)}
	undated := &Exchange{sentAt: harness, answeredAt: harness.Add(time.Millisecond)}
	for _, c := range []struct {
		limits   Limits
		ex       *Exchange
		from, to time.Time
		skew     time.Duration
	}{
		{Limits{}, dated, platform, platform.Add(time.Second), 0},
		{Limits{ClockSkew: "5m", ClockOffset: "8h"}, dated, platform, platform.Add(time.Second), 5 * time.Minute},
		{Limits{}, undated, harness.Truncate(time.Second), harness.Add(time.Millisecond), undatedSkew},
		{Limits{ClockOffset: "-2s"}, undated, harness.Add(-2 * time.Second).Truncate(time.Second), harness.Add(time.Millisecond - 2*time.Second), 0},
		{Limits{ClockOffset: "-2s", ClockSkew: "10s"}, undated, harness.Add(-2 * time.Second).Truncate(time.Second), harness.Add(time.Millisecond - 2*time.Second), 10 * time.Second},
		{Limits{}, &Exchange{}, time.Time{}, time.Time{}, 0},
	} {
		s := &Suite{target: &Target{Limits: c.limits}}
		from, to, skew := s.createdWindow(c.ex)
		if !from.Equal(c.from) || !to.Equal(c.to) || skew != c.skew {
			t.Errorf("%+v: window [%s, %s] skew %s, want [%s, %s] skew %s", c.limits, from, to, skew, c.from, c.to, c.skew)
		}
	}
}

// TestDateClock: the newest usable Date header is what the next exchange is stamped with;
// an older, missing or absurd one changes nothing.
func TestDateClock(t *testing.T) {
	t.Parallel()
	var d dateClock
	first := &Exchange{}
	d.sent(first, "/iocm/app/batchtask/v1.1.0/tasks")
	if !first.dateBefore.IsZero() {
		t.Fatalf("no Date seen yet, but stamped %s", first.dateBefore)
	}
	answer := func(date string) *Exchange {
		ex := &Exchange{RespHeader: http.Header{}}
		if date != "" {
			ex.RespHeader.Set("Date", date)
		}
		d.answered(ex, "/iocm/app/batchtask/v1.1.0/tasks/t-1")
		return ex
	}
	if ex := answer("Fri, 01 Mar 2024 12:00:05 GMT"); !ex.dateAnswer.Equal(time.Date(2024, 3, 1, 12, 0, 5, 0, time.UTC)) {
		t.Errorf("dateAnswer %s", ex.dateAnswer)
	}
	answer("Fri, 01 Mar 2024 11:00:00 GMT")
	answer("")
	answer("yesterday")
	answer("Mon, 01 Jan 1900 00:00:00 GMT")
	// An authentication service's clock, hours ahead, bounds no create.
	auth := &Exchange{RespHeader: http.Header{"Date": {"Fri, 01 Mar 2024 18:00:00 GMT"}}}
	d.answered(auth, "/iocm/app/sec/v1.1.0/login")
	next := &Exchange{}
	d.sent(next, "/iocm/app/batchtask/v1.1.0/tasks")
	if want := time.Date(2024, 3, 1, 12, 0, 5, 0, time.UTC); !next.dateBefore.Equal(want) {
		t.Errorf("dateBefore %s, want the newest Date of a batch-task answer %s", next.dateBefore, want)
	}
	login := &Exchange{}
	if d.sent(login, "/iocm/app/sec/v1.1.0/login"); !login.dateBefore.Equal(time.Date(2024, 3, 1, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("login dateBefore %s", login.dateBefore)
	}
}
