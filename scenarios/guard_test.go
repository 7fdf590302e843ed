package scenarios

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

// checkHostile runs two scenarios against a hostile target with short timeouts.
func checkHostile(t *testing.T, answer http.HandlerFunc) *batchcert.Results {
	t.Helper()
	tg := hostileTarget(t, answer)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Check(ctx, Config{Target: tg, Secrets: lookupSecret, Timeout: 100 * time.Millisecond,
		Run: regexp.MustCompile(`^(errors-query|happy-paths)$`)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestHeaderCaps: an answer's headers are capped in size and count, and evidence clips them
// as it clips bodies (issue 14: one 1 MB header took check to 2.1 GB and 703 MB of reports).
func TestHeaderCaps(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, why string
		header    func(h http.Header)
		want      string
	}{
		{"giant", "a 1 MB header block is refused by the transport", func(h http.Header) {
			h.Set("X-Junk", strings.Repeat("j", 1<<20))
		}, "exceed the limit"},
		{"many", "more than MaxHeaderFields fields fail the exchange", func(h http.Header) {
			for i := range MaxHeaderFields + 5 {
				h.Add("X-Many", strings.Repeat("m", i%7+1))
			}
		}, ErrTooManyHeaders.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := checkHostile(t, func(w http.ResponseWriter, _ *http.Request) {
				c.header(w.Header())
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"taskID":"t-1"}`))
			})
			found := false
			for _, ch := range res.Checks {
				for _, e := range ch.Evidence {
					if len(e.Response) > 3*maxEvidence+maxHeaderLines*(maxHeaderValue+64) {
						t.Fatalf("%s: evidence of %d bytes: headers not clipped", ch.ID, len(e.Response))
					}
				}
				if strings.Contains(ch.Message, c.want) || strings.Contains(res.IncompleteReason, c.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no check or reason says %q", c.why, c.want)
			}
		})
	}
}

// TestHeaderTextClips: evidence keeps at most maxHeaderLines header lines of at most
// maxHeaderValue bytes each, and says how much it left out.
func TestHeaderTextClips(t *testing.T) {
	t.Parallel()
	h := http.Header{"Big": {strings.Repeat("b", 10*maxHeaderValue)}}
	for i := range 2 * maxHeaderLines {
		h.Add("Many", "v")
		_ = i
	}
	got := headerText(h)
	if n := strings.Count(got, "\n"); n > maxHeaderLines+1 {
		t.Errorf("%d lines, want at most %d", n, maxHeaderLines+1)
	}
	if !strings.Contains(got, "more bytes]") || !strings.Contains(got, "more header lines]") {
		t.Errorf("the clipping is not said:\n%s", got)
	}
}

// TestDeadTargetStopsEarly: a target that stops answering ends the run after
// DefaultMaxTransportFailures failures in a row, INCOMPLETE with the cause, and the checks it
// did not reach are "not run (interrupted: ...)", never FAILs.
func TestDeadTargetStopsEarly(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close() // a reset: no answer at all
		}
	}()
	t.Cleanup(func() { ln.Close() })
	tg := ReferenceTarget()
	tg.BaseURL, tg.Control = "http://"+ln.Addr().String(), nil
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Incomplete || res.Verdict != batchcert.Incomplete || !strings.Contains(res.IncompleteReason, ErrUnreachable.Error()) {
		t.Fatalf("incomplete %v, verdict %s, reason %q: want INCOMPLETE, unreachable", res.Incomplete, res.Verdict, res.IncompleteReason)
	}
	notRun := 0
	for _, c := range res.Checks {
		if c.Outcome == batchcert.Fail {
			t.Errorf("%s: FAIL against a dead target: %s", c.ID, c.Message)
		}
		if c.Interrupted() {
			notRun++
		}
	}
	if notRun == 0 {
		t.Error("no check is marked not run")
	}
}

// TestTokensRedactedFromMessages: a token the target issued never appears in a check's
// message, violations or evidence, even where the platform echoes it back (issue 14: a live
// token was written 7 times through messages).
func TestTokensRedactedFromMessages(t *testing.T) {
	t.Parallel()
	var told []string
	tg := hostileTarget(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		// An error body quoting the token, and a field that should be a number holding it.
		_, _ = w.Write([]byte(`{"taskID":"tok-SECRET-ACCESS","status":"tok-SECRET-REFRESH","error_desc":"bad token tok-SECRET-ACCESS"}`))
	})
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Timeout: time.Second,
		Run:     regexp.MustCompile(`^(errors-query|happy-paths)$`),
		OnToken: func(tok string) { told = append(told, tok) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(told) == 0 {
		t.Fatal("OnToken was never told a token")
	}
	for _, c := range res.Checks {
		text := c.Message
		for _, v := range c.Violations {
			text += v.Message
		}
		for _, e := range c.Evidence {
			text += e.Request + e.Response + e.Curl
		}
		if strings.Contains(text, "tok-SECRET") {
			t.Fatalf("%s quotes an issued token: %s", c.ID, text)
		}
	}
}

// TestFileSizeCaps: a profile or scenario file over its cap is refused before it is parsed,
// naming the file.
func TestFileSizeCaps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("name: big\ndevices: ["+strings.Repeat(`"d",`, MaxTargetBytes/4)+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadTarget(big)
	var ee *batchcert.ExitError
	if err == nil || !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage || !strings.Contains(err.Error(), big) {
		t.Errorf("LoadTarget of %d bytes: %v, want a usage error naming the file", MaxTargetBytes, err)
	}
	if _, err := LoadScenarios(dir); err == nil || !strings.Contains(err.Error(), "big.yaml") || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadScenarios with a file over the cap: %v", err)
	}
}

// TestConfigErrorsNameFileAndField: a configuration error names the profile's file and field,
// not its name: line.
func TestConfigErrorsNameFileAndField(t *testing.T) {
	t.Parallel()
	tg := ReferenceTarget()
	tg.File, tg.BaseURL = "/etc/platform.yaml", "not a url"
	_, err := NewSuite(context.Background(), Config{Target: tg, Secrets: lookupSecret})
	if err == nil || !strings.Contains(err.Error(), "/etc/platform.yaml") || !strings.Contains(err.Error(), "baseURL") {
		t.Errorf("error %v: want the file and the field", err)
	}
}
