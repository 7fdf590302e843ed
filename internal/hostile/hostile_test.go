package hostile

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBehaviours: each behaviour misbehaves as documented, and a proper login still answers a
// token unless the login is hostile too.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	cases := []struct {
		b    Behaviour
		why  string
		want func(resp *http.Response, body []byte, err error) bool
	}{
		{GiantHeader, "the transport refuses a header block over its cap",
			func(_ *http.Response, _ []byte, err error) bool {
				return err != nil && strings.Contains(err.Error(), "exceeded")
			}},
		{Hang, "no answer before the client gives up",
			func(_ *http.Response, _ []byte, err error) bool { return err != nil }},
		{SlowDrip, "headers arrive, the body never finishes",
			func(resp *http.Response, _ []byte, err error) bool { return resp != nil && err != nil }},
		{HugeBody, "more than the 1 MiB a client reads",
			func(_ *http.Response, body []byte, err error) bool { return err == nil && len(body) > 1<<20 }},
		{GzipBomb, "inflates past the 1 MiB a client reads",
			func(_ *http.Response, body []byte, err error) bool { return err == nil && len(body) > 1<<20 }},
		{Reset, "the connection is reset",
			func(_ *http.Response, _ []byte, err error) bool { return err != nil }},
		{GarbageStatus, "no HTTP status line",
			func(_ *http.Response, _ []byte, err error) bool {
				return err != nil && strings.Contains(err.Error(), "malformed")
			}},
		{WrongLength, "the body ends before its Content-Length",
			func(resp *http.Response, _ []byte, err error) bool { return resp != nil && err != nil }},
	}
	for _, c := range cases {
		t.Run(string(c.b), func(t *testing.T) {
			t.Parallel()
			s, err := Start(c.b)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			client := &http.Client{Transport: &http.Transport{MaxResponseHeaderBytes: 64 << 10}}
			resp, err := client.Post(s.URL()+"/iocm/app/sec/v1.1.0/login", "application/x-www-form-urlencoded", strings.NewReader("appId=a&secret=b"))
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			var tok struct{ AccessToken string }
			if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken != Token {
				t.Fatalf("login answered %v, %v", tok, err)
			}
			resp.Body.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/iocm/app/batchtask/v1.1.0/tasks/t-1", nil)
			resp, err = client.Do(req)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(io.LimitReader(resp.Body, 2<<20))
				resp.Body.Close()
			}
			if !c.want(resp, body, err) {
				t.Errorf("%s: got %d bytes, err %v", c.why, len(body), err)
			}
		})
	}
}

// TestHostileLogin: with HostileLogin the login misbehaves too.
func TestHostileLogin(t *testing.T) {
	t.Parallel()
	s, err := Start(Reset, HostileLogin())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if resp, err := http.Post(s.URL()+"/iocm/app/sec/v1.1.0/login", "text/plain", nil); err == nil {
		resp.Body.Close()
		t.Fatal("a hostile login answered")
	}
}
