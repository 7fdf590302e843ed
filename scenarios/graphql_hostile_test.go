package scenarios

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// hostileFacade puts a proxy in front of the reference that rewrites every /graphql answer
// with mutate (status and body), and returns the target pointing at it.
func hostileFacade(t *testing.T, mutate func(status int, body []byte) (int, []byte)) *Target {
	t.Helper()
	tg := startReference(t)
	ref, err := url.Parse(tg.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(ref)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/graphql" {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.StatusCode, body = mutate(resp.StatusCode, body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	tg.BaseURL = srv.URL
	return tg
}

// TestGraphQLHostileFacade: a facade that breaks the GraphQL contract fails the checks that
// meet it, with the GraphQL violation and evidence showing the POST, secrets redacted.
func TestGraphQLHostileFacade(t *testing.T) {
	t.Parallel()
	numericCode := regexp.MustCompile(`"code":"(\d+)"`)
	cases := []struct {
		name   string
		mutate func(int, []byte) (int, []byte)
		want   string
		why    string
	}{
		{"numeric code", func(s int, b []byte) (int, []byte) { return s, numericCode.ReplaceAll(b, []byte(`"code":$1`)) },
			"extensions.code is the number", "the code is a string"},
		{"tags left out", func(s int, b []byte) (int, []byte) {
			return s, bytes.Replace(b, []byte(`"tags":null`), []byte(`"x":1`), 1)
		}, "selected field tags is missing", "every selected field is in the answer"},
		{"error status", func(s int, b []byte) (int, []byte) {
			if bytes.Contains(b, []byte(`"errors"`)) {
				return http.StatusBadRequest, b
			}
			return s, b
		}, "HTTP 400 to a well-formed graphql request", "a well-formed request is answered 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tg := hostileFacade(t, c.mutate)
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Transport: TransportGraphQL,
				Run: regexp.MustCompile(`^errors-query$`)})
			if err != nil {
				t.Fatal(err)
			}
			var found *batchcert.Check
			for i, ch := range res.Checks {
				for _, v := range ch.Violations {
					if v.Source == "graphql" && strings.Contains(v.Message, c.want) && ch.Outcome == batchcert.Fail {
						found = &res.Checks[i]
					}
				}
			}
			if found == nil {
				t.Fatalf("%s: no failed check with a graphql violation %q", c.why, c.want)
			}
			if res.Verdict != "NONCONFORMANT" {
				t.Errorf("verdict %s", res.Verdict)
			}
			if len(found.Evidence) == 0 {
				t.Fatalf("%s has no evidence", found.ID)
			}
			e := found.Evidence[0]
			for _, want := range []string{"POST " + tg.BaseURL + "/graphql", "query batchTask(", "variables:", "(stands for GET", "read as REST"} {
				if !strings.Contains(e.Request+e.Response, want) {
					t.Errorf("evidence lacks %q:\n%s\n%s", want, e.Request, e.Response)
				}
			}
			if !strings.Contains(e.Curl, "--data-binary") || !strings.Contains(e.Curl, "/graphql") {
				t.Errorf("curl %s", e.Curl)
			}
			if strings.Contains(e.Request+e.Curl, "primary-secret") || regexp.MustCompile(`Bearer [^*]`).MatchString(e.Request+e.Curl) {
				t.Errorf("evidence leaks a credential:\n%s\n%s", e.Request, e.Curl)
			}
			if !strings.Contains(e.Curl, "Bearer ***") {
				t.Errorf("curl does not redact the token: %s", e.Curl)
			}
		})
	}
}
