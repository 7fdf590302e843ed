package scenarios

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

// hostileTarget is a fake platform that logs in properly and answers every batch-task call
// with answer.
func hostileTarget(t *testing.T, answer http.HandlerFunc) *Target {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/iocm/app/sec/") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":"tok-SECRET-ACCESS","refreshToken":"tok-SECRET-REFRESH"}`))
			return
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	tg := ReferenceTarget()
	tg.BaseURL = srv.URL
	tg.Control = nil
	return tg
}

func TestHostileTargetFailsWithoutPanic(t *testing.T) {
	huge := strings.Repeat("x", DefaultBodyLimit+10)
	cases := []struct {
		name, reason string
		answer       http.HandlerFunc
	}{
		{"malformed-json", "a body that is not JSON must fail the contract check, not crash the runner",
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"taskID": "t-1", "progress": `))
			}},
		{"huge-body", "a body over the limit is cut at the limit and fails",
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"taskID":"` + huge + `"}`))
			}},
		{"slow", "an answer slower than the request timeout ends the run as unreachable instead of hanging it",
			func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			}},
		{"wrong-types", "numbers as strings and strings as numbers break the schemas",
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"taskID": 5, "taskId": 7, "status": 1, "progress": "much", "totalCnt": "3", "error_code": 105005}`))
			}},
		{"html-error", "an HTML error page is no error body",
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(`<html><body>bad gateway</body></html>`))
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := hostileTarget(t, tc.answer)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// Only the slow target needs a short request timeout; the others are given the
			// default, so that a megabyte read on a loaded machine (-race) is never a timeout.
			var timeout time.Duration
			if tc.name == "slow" {
				timeout = 50 * time.Millisecond
			}
			res, err := Check(ctx, Config{Target: tg, Secrets: lookupSecret, Timeout: timeout,
				Run: regexp.MustCompile(`^(errors-query|happy-paths)$`)})
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, c := range res.Checks {
				if c.Outcome == batchcert.Fail {
					failed++
					for _, e := range c.Evidence {
						if strings.Contains(e.Request+e.Response+e.Curl, "SECRET") || strings.Contains(e.Request+e.Curl, "primary-secret") {
							t.Errorf("%s: evidence leaks a credential: %s", c.ID, e.Request)
						}
					}
				}
			}
			if tc.name == "slow" {
				// Every exchange timed out: after DefaultMaxTransportFailures in a row the
				// target is unreachable, and nothing it did not answer is blamed on it.
				if res.Verdict != batchcert.Incomplete {
					t.Errorf("%s: verdict %s, want INCOMPLETE", tc.reason, res.Verdict)
				}
				for _, c := range res.Checks {
					if c.Outcome == batchcert.Fail && !strings.Contains(c.Message+fmtEvidence(c), "deadline exceeded") {
						t.Errorf("%s: a FAIL that does not say the answer timed out: %s", c.ID, c.Message)
					}
				}
				return
			}
			if failed == 0 {
				t.Errorf("%s: no check failed", tc.reason)
			}
			if res.Verdict != "NONCONFORMANT" {
				t.Errorf("%s: verdict %s", tc.reason, res.Verdict)
			}
		})
	}
}

func fmtEvidence(c batchcert.Check) string {
	var b strings.Builder
	for _, e := range c.Evidence {
		b.WriteString(e.Response)
	}
	return b.String()
}
