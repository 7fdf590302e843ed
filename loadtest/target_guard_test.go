package loadtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

// TestOversizedBodyIsAnError: an answer over the 1 MiB cap is an error, never a truncated
// answer counted as admitted (issue 14: a 200 MB answer counted as an admitted call), and the
// caller is told every token a login issues.
func TestOversizedBodyIsAnError(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", maxBody+1)
	tg := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		writeJSON(w, 200, map[string]any{"taskId": huge})
	}))
	var told []string
	tg.OnToken = func(tok string) { told = append(told, tok) }
	s := NewSession(tg)
	_, err := s.Query(context.Background(), "primary", "t-1")
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("query of a %d-byte answer: %v, want ErrBodyTooLarge", len(huge), err)
	}
	if len(told) != 1 || !strings.HasPrefix(told[0], "tok-") {
		t.Errorf("OnToken told %v, want the login's token", told)
	}
}

// TestTooManyHeadersIsAnError: an answer with more header fields than the cap is an error.
func TestTooManyHeadersIsAnError(t *testing.T) {
	t.Parallel()
	tg := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		for range maxHeaderFields + 1 {
			w.Header().Add("X-Many", "v")
		}
		writeJSON(w, 200, map[string]any{"taskId": "t-1"})
	}))
	if _, err := NewSession(tg).Query(context.Background(), "primary", "t-1"); !errors.Is(err, ErrTooManyHeaders) {
		t.Fatalf("query: %v, want ErrTooManyHeaders", err)
	}
}

// TestControlCallsUseTheControlClient: the probes' reset and advance go through
// apiclient.Control: a refused call is an *apiclient.ControlError naming the call and the
// status, a reset forgets the session's tokens, and a target without a control URL says so.
func TestControlCallsUseTheControlClient(t *testing.T) {
	t.Parallel()
	var logins, resets atomic.Int32
	var advanced atomic.Value
	tg := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == PathLogin {
			logins.Add(1)
		}
		if login(w, r) {
			return
		}
		switch r.URL.Path {
		case apiclient.PathControlReset:
			if resets.Add(1) > 1 {
				writeJSON(w, 500, map[string]string{"error": "reset broken"})
				return
			}
			writeJSON(w, 200, map[string]bool{"ok": true})
		case apiclient.PathControlAdvance:
			body, _ := io.ReadAll(r.Body)
			advanced.Store(string(body))
			writeJSON(w, 409, map[string]string{"error": "the clock is real time"})
		default:
			writeJSON(w, 200, map[string]any{"taskId": "t-1"})
		}
	}))
	ctx := context.Background()
	if err := NewSession(tg).ControlReset(ctx); !errors.Is(err, errNoControl) {
		t.Fatalf("reset without a control URL: %v, want errNoControl", err)
	}
	tg.Control = tg.BaseURL + "/control" // the profile may name the URL with /control
	s := NewSession(tg)
	if _, err := s.Query(ctx, "primary", "t-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.ControlReset(ctx); err != nil {
		t.Fatalf("reset: %v", err)
	}
	if _, err := s.Query(ctx, "primary", "t-1"); err != nil {
		t.Fatal(err)
	}
	if n := logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2: a reset drops the platform's tokens, so the session must forget its own", n)
	}
	for _, tc := range []struct {
		name, want string
		call       func() error
	}{
		{"reset", `control POST /control/reset: status 500: "reset broken"`, func() error { return s.ControlReset(ctx) }},
		{"advance", `control POST /control/advance: status 409: "the clock is real time"`,
			func() error { return s.ControlAdvance(ctx, 1500*time.Millisecond) }},
	} {
		err := tc.call()
		var ce *apiclient.ControlError
		if !errors.As(err, &ce) || err.Error() != tc.want {
			t.Errorf("refused %s: %v, want a ControlError %q", tc.name, err, tc.want)
		}
	}
	if got := advanced.Load(); got != `{"seconds":1.5}` {
		t.Errorf("advance sent %v, want fractional seconds", got)
	}
}
