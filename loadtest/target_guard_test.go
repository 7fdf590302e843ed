package loadtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
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
