package apiclient

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, why string
		want            ErrorBody
	}{
		{"docs shape", `{"error_code":"105001","error_desc":"limit"}`, "the docs' shape", ErrorBody{"105001", "limit", "error_code", false}},
		{"gateway shape", `{"resultcode":"1010009","resultmsg":"throttled"}`, "an API gateway answers in its own shape", ErrorBody{"1010009", "throttled", "resultcode", false}},
		{"numeric", `{"error_code":105001,"error_desc":"x"}`, "a number is read as its decimal text", ErrorBody{"105001", "x", "error_code", true}},
		{"fraction", `{"error_code":1.5}`, "a fraction is no code", ErrorBody{}},
		{"success", `{"taskID":"t-1"}`, "a success body carries no code", ErrorBody{}},
		{"not json", `<html>502</html> code`, "a gateway page is no error body", ErrorBody{}},
		{"empty code", `{"error_code":"","resultcode":"1"}`, "an empty code is none", ErrorBody{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, ErrorCode([]byte(tc.body)), tc.why)
		})
	}
}

func TestParseTokens(t *testing.T) {
	t.Parallel()
	tok, err := ParseTokens(200, []byte(`{"accessToken":"a-123456","refreshToken":"r-123456","expiresIn":"3600"}`))
	require.NoError(t, err)
	assert.Equal(t, Tokens{"a-123456", "r-123456", 3600}, tok, "expiresIn may be a numeric string")
	_, err = ParseTokens(400, []byte(`{"error_code":"100208","error_desc":"x","accessToken":"leaked-token"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "100208")
	assert.NotContains(t, err.Error(), "leaked-token", "an error never quotes the body")
}

// TestAuthSerialisesLogins: 16 goroutines asking for one app's token cause one login, and a
// token invalidated after 1010005 is replaced by a refresh, not a second login.
func TestAuthSerialisesLogins(t *testing.T) {
	t.Parallel()
	var logins, refreshes atomic.Int32
	do := func(_ context.Context, method, path string, _ http.Header, body []byte) (int, []byte, error) {
		switch path {
		case PathLogin:
			logins.Add(1)
			require.Contains(t, string(body), "appId=app-1")
			return 200, []byte(`{"accessToken":"a-first","refreshToken":"r-first","expiresIn":3600}`), nil
		case PathRefresh:
			refreshes.Add(1)
			return 200, []byte(`{"accessToken":"a-second","refreshToken":"r-second","expiresIn":3600}`), nil
		}
		return 404, nil, nil
	}
	var told sync.Map
	a := NewAuth(do, map[string]App{"primary": {AppID: "app-1", Secret: "s"}}, func(tok string) { told.Store(tok, true) })
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			tok, err := a.Token(context.Background(), "primary")
			assert.NoError(t, err)
			assert.Equal(t, "a-first", tok)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, logins.Load(), "one login for 16 callers")
	a.Invalidate("primary", "a-first")
	tok, err := a.Token(context.Background(), "primary")
	require.NoError(t, err)
	assert.Equal(t, "a-second", tok)
	assert.EqualValues(t, 1, refreshes.Load())
	for _, tok := range []string{"a-first", "r-first", "a-second", "r-second"} {
		_, ok := told.Load(tok)
		assert.True(t, ok, "token %s not told for redaction", tok)
	}
	_, err = a.Token(context.Background(), "nobody")
	assert.ErrorIs(t, err, ErrNoApp)
}

// TestConnModels: keep-alive reuses one TLS connection; new-connection does a handshake per
// request, with a client certificate when the server asks for one, and counts its cost.
func TestConnModels(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	for _, tc := range []struct {
		model      ConnModel
		handshakes int64
	}{{KeepAlive, 1}, {NewConnection, 5}} {
		t.Run(string(tc.model), func(t *testing.T) {
			var st ConnStats
			c, err := NewHTTPClient(Options{Model: tc.model, Stats: &st, TLS: TLS{Insecure: true}})
			require.NoError(t, err)
			for range 5 {
				resp, err := c.Get(srv.URL)
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			snap := st.Snapshot(tc.model)
			assert.Equal(t, tc.handshakes, snap.Handshakes, "TLS handshakes for 5 sequential requests")
			assert.Equal(t, tc.model, snap.Model)
			assert.Positive(t, snap.MeanHandshake())
		})
	}
	_, err := ParseConnModel("pooled")
	assert.ErrorContains(t, err, "keep-alive")

	// WithModel re-models a client built elsewhere, leaving the original alone.
	base, err := NewHTTPClient(Options{TLS: TLS{Insecure: true}})
	require.NoError(t, err)
	var st ConnStats
	c, err := WithModel(base, NewConnection, &st)
	require.NoError(t, err)
	for range 3 {
		resp, err := c.Get(srv.URL)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	assert.Equal(t, int64(3), st.Snapshot(NewConnection).Handshakes, "WithModel(new-connection): a handshake per request")
	assert.False(t, base.Transport.(*http.Transport).DisableKeepAlives, "WithModel changed the caller's transport")
	_, err = WithModel(&http.Client{Transport: roundTripFunc(nil)}, NewConnection, nil)
	assert.ErrorContains(t, err, "not an *http.Transport")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRedact(t *testing.T) {
	t.Parallel()
	out := Redact(`POST /login secret=s3cret&appId=a {"accessToken":"abc"} Authorization: Bearer xyz issued-tok`, "issued-tok")
	for _, leak := range []string{"s3cret", "abc", "xyz", "issued-tok"} {
		assert.False(t, strings.Contains(out, leak), "%q left in %q", leak, out)
	}
}
