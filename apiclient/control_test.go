package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchcert/batchcert/refplatform"
)

// startControl runs the reference platform on loopback with a clock that moves only when
// advanced, and returns its control URL.
func startControl(t *testing.T, at time.Time) string {
	t.Helper()
	srv, err := refplatform.New(refplatform.WithClock(refplatform.NewManualClock(at)))
	require.NoError(t, err)
	require.NoError(t, srv.Open())
	t.Cleanup(func() { _ = srv.Close() })
	return srv.ControlURL()
}

// TestControlReference drives the reference's own control API: every call the suite and the
// probes make succeeds, the clock reads back what was advanced, and a refused call names
// itself, its status and the reference's message.
func TestControlReference(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	url := startControl(t, at)
	ctx := context.Background()
	for _, base := range []string{url, url + "/", url + "/control"} {
		c := NewControl(base)
		now, err := c.Now(ctx)
		require.NoError(t, err, "base %q", base)
		require.True(t, now.Equal(at), "base %q: the reference's time, got %s", base, now)
	}
	c := NewControl(url)
	require.NoError(t, c.Advance(ctx, 90*time.Second))
	require.NoError(t, c.Advance(ctx, 1500*time.Millisecond), "fractional seconds are sent as such")
	now, err := c.Now(ctx)
	require.NoError(t, err)
	assert.True(t, now.Equal(at.Add(91500*time.Millisecond)), "now %s", now)
	require.NoError(t, c.Fault(ctx, Fault{Operation: "createBatchTask", Count: 1, Status: 500, Code: "50252"}))
	require.NoError(t, c.Reset(ctx))

	err = c.Fault(ctx, Fault{Operation: "noSuchOperation", Count: 1, Status: 500})
	var ce *ControlError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "POST /control/fault", ce.Call)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Contains(t, err.Error(), "control POST /control/fault: status 400: ")
	assert.Contains(t, ce.Msg, "noSuchOperation", "the reference's own message")

	// The clock over the control API is the same clock.
	var reported []error
	clk := c.Clock(func(err error) { reported = append(reported, err) })
	before := clk.Now()
	require.NoError(t, clk.Sleep(ctx, time.Minute))
	assert.Equal(t, time.Minute, clk.Now().Sub(before), "a sleep advances the reference's clock")
	require.NoError(t, SleepUntil(ctx, clk, before.Add(2*time.Minute)))
	assert.Equal(t, 2*time.Minute, clk.Now().Sub(before))
	assert.Empty(t, reported)
}

// TestControlHostile: whatever a control URL answers, a call fails with an error naming the
// call and the status, never a made-up success, and reads no more than MaxControlBody.
func TestControlHostile(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", MaxControlBody+1)
	for _, tc := range []struct {
		name, why string
		status    int
		body      string
		call      func(context.Context, *Control) error
		want      []string // in the error's text
		sentinel  error
	}{
		{"reset 500", "a refused reset is an error, with the reference's message",
			500, `{"error":"boom"}`, reset, []string{"control POST /control/reset: status 500: \"boom\""}, nil},
		{"advance 409", "a refused advance is an error",
			409, `{"error":"clock is real"}`, advance, []string{"POST /control/advance", "status 409", "clock is real"}, nil},
		{"reset html", "a page that is no control answer is quoted, not trusted",
			502, "<html>bad\ngateway</html>", reset, []string{"status 502", `"<html>bad\ngateway</html>"`}, nil},
		{"reset oversized", "a body over the cap is refused unread, even on 200",
			200, huge, reset, []string{"POST /control/reset", "status 200"}, ErrControlBodyTooLarge},
		{"now 500", "a failed clock read is an error, not the zero time",
			500, `{"error":"down"}`, now, []string{"control GET /control/now: status 500"}, nil},
		{"now garbage", "a clock read that is no JSON is an error",
			200, `not json`, now, []string{"GET /control/now", "decode", `"not json"`}, nil},
		{"now empty object", "a clock read without a time is an error",
			200, `{}`, now, []string{"GET /control/now", `no "now" time`}, nil},
		{"now wrong type", "a time that is no RFC 3339 string is an error",
			200, `{"now":12}`, now, []string{"GET /control/now", "decode"}, nil},
		{"now trailing data", "a body with more than the one object is an error",
			200, `{"now":"2026-01-02T03:04:05Z"} {"now":"2027-01-01T00:00:00Z"}`, now, []string{"decode"}, nil},
		{"now oversized", "a huge clock answer is refused unread",
			200, `{"now":"` + huge + `"}`, now, []string{"GET /control/now"}, ErrControlBodyTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			err := tc.call(context.Background(), NewControl(srv.URL))
			require.Error(t, err, tc.why)
			var ce *ControlError
			require.ErrorAs(t, err, &ce, tc.why)
			assert.Equal(t, tc.status, ce.Status, tc.why)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w, tc.why)
			}
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel, tc.why)
			}
			assert.Less(t, len(err.Error()), 400, "an error quotes only the start of a body")
		})
	}
}

func reset(ctx context.Context, c *Control) error   { return c.Reset(ctx) }
func advance(ctx context.Context, c *Control) error { return c.Advance(ctx, time.Second) }
func now(ctx context.Context, c *Control) error {
	_, err := c.Now(ctx)
	return err
}

// TestControlContext: a control call ends when its context does (cancelled by the caller or
// past the client's timeout), whatever the server does.
func TestControlContext(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- NewControl(srv.URL).Reset(ctx) }()
		<-arrived // the call is in flight: only the cancel can end it
		cancel()
		err := <-errc
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "control POST /control/reset")
	})
	t.Run("timeout", func(t *testing.T) {
		// A client with no timeout of its own: only the control client's can end the call.
		c := NewControl(srv.URL, ControlHTTPClient(&http.Client{}), ControlTimeout(time.Millisecond))
		errc := make(chan error, 1)
		go func() {
			_, err := c.Now(context.Background())
			errc <- err
		}()
		select {
		case err := <-errc:
			assert.ErrorIs(t, err, context.DeadlineExceeded, "the server never answers: only the timeout ends the call")
			assert.Contains(t, err.Error(), "control GET /control/now")
		case <-time.After(time.Minute): // a hang guard, not a budget: the call should end in 1 ms
			t.Fatal("the call outlived its timeout")
		}
	})
}

// TestControlClockNowFails: a clock over a control API whose /control/now fails reports the
// failure, and SleepUntil refuses to wait from the unknown time instead of advancing the
// reference by centuries.
func TestControlClockNowFails(t *testing.T) {
	t.Parallel()
	var advances atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == PathControlAdvance {
			advances.Add(1)
			_, _ = w.Write([]byte(`{"now":"2026-01-02T03:04:05Z"}`))
			return
		}
		http.Error(w, `{"error":"clock broken"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	var reported []error
	clk := NewControl(srv.URL).Clock(func(err error) { reported = append(reported, err) })

	assert.True(t, clk.Now().IsZero())
	require.Len(t, reported, 1, "the failed read is reported")
	assert.Contains(t, reported[0].Error(), "read the platform's clock: control GET /control/now: status 500")
	var ce *ControlError
	assert.True(t, errors.As(reported[0], &ce))

	err := SleepUntil(context.Background(), clk, time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC))
	assert.ErrorIs(t, err, ErrNoTime)
	assert.Zero(t, advances.Load(), "nothing is advanced from an unknown time")
	require.NoError(t, clk.Sleep(context.Background(), time.Second), "a plain sleep needs no time read")
	assert.Equal(t, int32(1), advances.Load())
}

// FuzzParseNow: whatever a control URL answers to /control/now, the client reads a non-zero
// time or returns an error, never the zero time as a success, and never panics.
func FuzzParseNow(f *testing.F) {
	for _, seed := range []string{`{"now":"2026-01-02T03:04:05.123456789Z"}`, `{"now":"0001-01-01T00:00:00Z"}`,
		`{}`, `{"now":null}`, `{"now":12}`, `[]`, `not json`, `{"now":"2026-01-02T03:04:05Z"} x`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseNow(body)
		if err == nil && got.IsZero() {
			t.Fatalf("parseNow(%q) gave the zero time and no error", body)
		}
		if err != nil && !got.IsZero() {
			t.Fatalf("parseNow(%q) gave %s with error %v", body, got, err)
		}
	})
}
