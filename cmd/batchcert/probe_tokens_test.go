package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchcert/batchcert/apiclient"
)

// tokenRecorder is a proxy in front of a target that notes every token a login or a refresh
// answered: what the platform issued, whoever asked.
type tokenRecorder struct {
	mu     sync.Mutex
	issued []string
}

func (r *tokenRecorder) proxy(t *testing.T, target string) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		p := resp.Request.URL.Path
		if p != apiclient.PathLogin && p != apiclient.PathRefresh {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var tb struct{ AccessToken, RefreshToken string }
		if json.Unmarshal(body, &tb) == nil {
			r.mu.Lock()
			for _, tok := range []string{tb.AccessToken, tb.RefreshToken} {
				if tok != "" {
					r.issued = append(r.issued, tok)
				}
			}
			r.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv
}

// TestProbeTokensReachTheRedactor: the load probes log in through apiclient.Auth; every token
// the platform issued them reaches the CLI's credentials (so its output and reports are
// redacted of it), and none is written to stdout or stderr.
func TestProbeTokensReachTheRedactor(t *testing.T) {
	served := serveReference(t)
	b, err := os.ReadFile(served)
	require.NoError(t, err)
	base := regexp.MustCompile(`(?m)^baseURL: (\S+)$`).FindSubmatch(b)
	require.NotNil(t, base, "the served profile names no baseURL")
	var rec tokenRecorder
	px := rec.proxy(t, string(base[1]))
	profile := filepath.Join(t.TempDir(), "proxied.yaml")
	require.NoError(t, os.WriteFile(profile, bytes.Replace(b, base[1], []byte(px.URL), 1), 0o600))

	creds := newCredentials()
	ctx := withCredentials(context.Background(), creds)
	var stdout, stderr bytes.Buffer
	err = dispatch(ctx, []string{"load", "capacity", "-target", profile, "-rates", "1", "-step-duration", "1s", "-out", t.TempDir()},
		strings.NewReader(""), creds.writer(&stdout), creds.writer(&stderr))
	require.NoError(t, err, "stderr:\n%s", stderr.String())

	rec.mu.Lock()
	issued := append([]string(nil), rec.issued...)
	rec.mu.Unlock()
	require.NotEmpty(t, issued, "the probe logged in through the proxy, yet no token was issued")
	known := map[string]bool{}
	for _, v := range creds.list() {
		known[v] = true
	}
	for _, tok := range issued {
		assert.True(t, known[tok], "a token issued to the probe (%d bytes) never reached the CLI's redactor", len(tok))
		assert.NotContains(t, stdout.String()+stderr.String(), tok, "a token issued to the probe was written out")
	}
}
