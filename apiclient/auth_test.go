package apiclient

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuthSharedApp: two aliases naming one application share its tokens (one login), and
// Held reports the lifetime the login answered.
func TestAuthSharedApp(t *testing.T) {
	t.Parallel()
	var logins atomic.Int32
	do := func(_ context.Context, _, path string, _ http.Header, _ []byte) (int, []byte, error) {
		logins.Add(1)
		return 200, []byte(`{"accessToken":"tok-1","refreshToken":"ref-1","expiresIn":"3600"}`), nil
	}
	app := App{AppID: "app-1", Secret: "s"}
	a := NewAuth(do, map[string]App{"primary": app, "load": app, "other": {AppID: "app-2", Secret: "t"}, "empty": {}}, nil)
	assert.Equal(t, []string{"load", "other", "primary"}, a.Aliases(), "an alias without an appId is no app")
	assert.True(t, a.Has("load"))
	assert.False(t, a.Has("empty"))
	for _, alias := range []string{"primary", "load"} {
		tok, err := a.Token(context.Background(), alias)
		require.NoError(t, err)
		assert.Equal(t, "tok-1", tok)
	}
	assert.EqualValues(t, 1, logins.Load(), "aliases of one app share one login")
	assert.Equal(t, Tokens{Access: "tok-1", Refresh: "ref-1", ExpiresIn: 3600}, a.Held("load"))
	assert.Zero(t, a.Held("other"), "an app not logged in holds nothing")
	assert.Zero(t, a.Held("nobody"))
	_, err := a.Fresh(context.Background(), "primary")
	require.NoError(t, err)
	assert.EqualValues(t, 2, logins.Load(), "Fresh logs in anew")
	a.Forget()
	assert.Zero(t, a.Held("primary"))
}

// TestAuthOwn: a login the caller sends itself holds the app's tokens until its answer is
// adopted: a concurrent Token waits and takes the adopted token instead of logging in over
// it; the adopted tokens are told for redaction; an error answer adopts nothing.
func TestAuthOwn(t *testing.T) {
	t.Parallel()
	var logins atomic.Int32
	do := func(context.Context, string, string, http.Header, []byte) (int, []byte, error) {
		logins.Add(1)
		return 200, []byte(`{"accessToken":"managed","expiresIn":60}`), nil
	}
	var told sync.Map
	a := NewAuth(do, map[string]App{"primary": {AppID: "app-1", Secret: "s"}}, func(tok string) { told.Store(tok, true) })
	assert.Nil(t, a.Own("unknown-app"))
	assert.Nil(t, a.Own(""))

	adopt := a.Own("app-1")
	require.NotNil(t, adopt)
	got := make(chan string)
	go func() {
		tok, err := a.Token(context.Background(), "primary")
		assert.NoError(t, err)
		got <- tok
	}()
	select {
	case tok := <-got:
		t.Fatalf("Token answered %q while the app's own login was in flight", tok)
	case <-time.After(20 * time.Millisecond):
	}
	adopt(200, []byte(`{"accessToken":"own-login","refreshToken":"own-refresh","expiresIn":7200}`))
	adopt(200, []byte(`{"accessToken":"twice"}`)) // a second call is a no-op, not a double unlock
	assert.Equal(t, "own-login", <-got)
	assert.Zero(t, logins.Load(), "the cache adopted the scenario's login instead of logging in")
	assert.Equal(t, Tokens{Access: "own-login", Refresh: "own-refresh", ExpiresIn: 7200}, a.Held("primary"))
	for _, tok := range []string{"own-login", "own-refresh"} {
		_, ok := told.Load(tok)
		assert.True(t, ok, "adopted token %s not told for redaction", tok)
	}

	adopt = a.Own("app-1")
	adopt(401, []byte(`{"error_code":"1010004","error_desc":"bad secret"}`))
	assert.Equal(t, "own-login", a.Held("primary").Access, "an error answer adopts nothing")
	a.Own("app-1")(200, nil)
	assert.Equal(t, "own-login", a.Held("primary").Access, "a nil answer adopts nothing")
}
