package apiclient

import (
	"context"
	"errors"
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
	ctx := context.Background()
	for _, id := range []string{"unknown-app", ""} {
		held, adopt, err := a.Own(ctx, id)
		require.NoError(t, err)
		assert.Nil(t, adopt, "no alias names %q", id)
		assert.Equal(t, ctx, held)
	}

	_, adopt, err := a.Own(ctx, "app-1")
	require.NoError(t, err)
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

	adopt = own(t, a, "app-1")
	adopt(401, []byte(`{"error_code":"1010004","error_desc":"bad secret"}`))
	assert.Equal(t, "own-login", a.Held("primary").Access, "an error answer adopts nothing")
	own(t, a, "app-1")(200, nil)
	assert.Equal(t, "own-login", a.Held("primary").Access, "a nil answer adopts nothing")
}

// own is Own with a background context, for tests that do not send the call.
func own(t *testing.T, a *Auth, appID string) func(int, []byte) {
	t.Helper()
	_, adopt, err := a.Own(context.Background(), appID)
	require.NoError(t, err)
	require.NotNil(t, adopt)
	return adopt
}

// TestAuthOwnedCallAsksItsApp is the deadlock a scenario's own login could meet: the call sent
// under Own (a login over some transport) asks the cache for a token of the app it holds.
// Waiting would wait for itself until the run's deadline; the held context makes Token and
// Fresh answer ErrOwned at once, for every alias of the app, while another app is served.
// Were the guard gone, Token would wait for the lock until ctx's generous deadline and fail
// with that instead of ErrOwned (were the lock a mutex again, the test would hang).
func TestAuthOwnedCallAsksItsApp(t *testing.T) {
	t.Parallel()
	var logins atomic.Int32
	do := func(context.Context, string, string, http.Header, []byte) (int, []byte, error) {
		logins.Add(1)
		return 200, []byte(`{"accessToken":"other-token"}`), nil
	}
	app := App{AppID: "app-1", Secret: "s"}
	a := NewAuth(do, map[string]App{"primary": app, "load": app, "other": {AppID: "app-2", Secret: "t"}}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	held, adopt, err := a.Own(ctx, "app-1")
	require.NoError(t, err)
	for _, alias := range []string{"primary", "load"} {
		_, err := a.Token(held, alias)
		require.ErrorIs(t, err, ErrOwned, "Token(%s) under its app's own login", alias)
		assert.Contains(t, err.Error(), "app-1", "the error names the app")
		_, err = a.Fresh(held, alias)
		require.ErrorIs(t, err, ErrOwned, "Fresh(%s) under its app's own login", alias)
	}
	_, _, err = a.Own(held, "app-1")
	require.ErrorIs(t, err, ErrOwned, "a second Own of the app under the first")
	tok, err := a.Token(held, "other")
	require.NoError(t, err, "another app's tokens are not held")
	assert.Equal(t, "other-token", tok)
	assert.EqualValues(t, 1, logins.Load(), "only the other app logged in")
	adopt(200, []byte(`{"accessToken":"own-login"}`))
	tok, err = a.Token(ctx, "load")
	require.NoError(t, err)
	assert.Equal(t, "own-login", tok, "after adopt every alias takes the adopted token")
}

// TestAuthWaitEndsWithContext: a wait for an app's tokens while another caller's login holds
// them (Own here) ends with the waiter's context and its cause, for Token, Fresh and Own, and
// sends nothing; with a mutex the wait outlived every deadline. Once adopted, they proceed.
func TestAuthWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	var logins atomic.Int32
	do := func(context.Context, string, string, http.Header, []byte) (int, []byte, error) {
		logins.Add(1)
		return 200, []byte(`{"accessToken":"fresh"}`), nil
	}
	app := App{AppID: "app-1", Secret: "s"}
	a := NewAuth(do, map[string]App{"primary": app, "load": app}, nil)
	adopt := own(t, a, "app-1")
	cause := errors.New("the run's deadline passed")
	ended, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	_, err := a.Token(ended, "primary")
	require.ErrorIs(t, err, cause, "Token waited past its context")
	assert.Contains(t, err.Error(), "app-1")
	_, err = a.Fresh(ended, "load")
	require.ErrorIs(t, err, cause, "Fresh waited past its context")
	_, second, err := a.Own(ended, "app-1")
	require.ErrorIs(t, err, cause, "a second Own took the lock the first holds")
	assert.Nil(t, second)
	assert.Zero(t, logins.Load(), "a wait that ended sent nothing")
	adopt(200, []byte(`{"accessToken":"own-login"}`))
	second = own(t, a, "app-1")
	second(200, []byte(`{"accessToken":"second-login"}`))
	tok, err := a.Token(context.Background(), "primary")
	require.NoError(t, err)
	assert.Equal(t, "second-login", tok, "the later own login is the app's token")
	assert.Zero(t, logins.Load())
}

// TestAuthInvalidateUnderOwn is the relogin path meeting a scenario's own login: a caller
// refused for the token the login supersedes invalidates it meanwhile. Invalidate waits for
// the adoption and then keeps the adopted token, so the next Token takes it instead of
// logging in over it (RULE.token-latest).
func TestAuthInvalidateUnderOwn(t *testing.T) {
	t.Parallel()
	var logins atomic.Int32
	do := func(context.Context, string, string, http.Header, []byte) (int, []byte, error) {
		logins.Add(1)
		return 200, []byte(`{"accessToken":"managed"}`), nil
	}
	a := NewAuth(do, map[string]App{"primary": {AppID: "app-1", Secret: "s"}}, nil)
	old, err := a.Token(context.Background(), "primary")
	require.NoError(t, err)
	adopt := own(t, a, "app-1")
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Invalidate("primary", old)
	}()
	adopt(200, []byte(`{"accessToken":"own-login"}`))
	<-done
	tok, err := a.Token(context.Background(), "primary")
	require.NoError(t, err)
	assert.Equal(t, "own-login", tok)
	assert.EqualValues(t, 1, logins.Load(), "the cache logged in over the adopted token")
}
