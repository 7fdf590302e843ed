package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"
)

// Doer sends one request to the target (path joined to its base URL) and returns the answer.
// The suite passes its own, so that its logins are recorded and validated like every call.
type Doer func(ctx context.Context, method, path string, header http.Header, body []byte) (status int, respBody []byte, err error)

// App is one application's credentials. The secret never appears in output.
type App struct {
	AppID  string
	Secret string
}

// Tokens is what a login or a refresh answered.
type Tokens struct {
	Access  string
	Refresh string
	// ExpiresIn is the token's lifetime in seconds, 0 when the answer gave none.
	ExpiresIn int
}

// LoginRequest is the login call for app (api-reference §4: a form with appId and secret).
func LoginRequest(app App) (path string, header http.Header, body []byte) {
	form := url.Values{"appId": {app.AppID}, "secret": {app.Secret}}
	return PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, []byte(form.Encode())
}

// RefreshRequest is the refreshToken call for app holding refresh.
func RefreshRequest(app App, refresh string) (path string, header http.Header, body []byte) {
	body, _ = json.Marshal(map[string]string{"appId": app.AppID, "secret": app.Secret, "refreshToken": refresh})
	return PathRefresh, http.Header{"Content-Type": {"application/json"}}, body
}

// ParseTokens reads a login or refresh answer; an answer without an accessToken is an error
// naming the status and the error code, never the body (it may hold a token).
func ParseTokens(status int, body []byte) (Tokens, error) {
	var tb struct {
		AccessToken  string          `json:"accessToken"`
		RefreshToken string          `json:"refreshToken"`
		ExpiresIn    json.RawMessage `json:"expiresIn"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &tb) != nil || tb.AccessToken == "" {
		e := ErrorCode(body)
		return Tokens{}, fmt.Errorf("answered %d (error code %q) without an accessToken", status, e.Code)
	}
	return Tokens{Access: tb.AccessToken, Refresh: tb.RefreshToken, ExpiresIn: seconds(tb.ExpiresIn)}, nil
}

// seconds reads expiresIn as whole seconds, given as a number or a numeric string; 0 otherwise.
func seconds(raw json.RawMessage) int {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0
		}
		n = json.Number(s)
	}
	v, err := n.Int64()
	if err != nil || v < 0 || v > 1<<31 {
		return 0
	}
	return int(v)
}

// Login logs app in through do.
func Login(ctx context.Context, do Doer, app App) (Tokens, error) {
	path, h, body := LoginRequest(app)
	status, resp, err := do(ctx, http.MethodPost, path, h, body)
	if err != nil {
		return Tokens{}, fmt.Errorf("log in %s: %w", app.AppID, err)
	}
	t, err := ParseTokens(status, resp)
	if err != nil {
		return Tokens{}, fmt.Errorf("log in %s: %w", app.AppID, err)
	}
	return t, nil
}

// Refresh exchanges app's refresh token for new tokens through do.
func Refresh(ctx context.Context, do Doer, app App, refresh string) (Tokens, error) {
	path, h, body := RefreshRequest(app, refresh)
	status, resp, err := do(ctx, http.MethodPost, path, h, body)
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh %s: %w", app.AppID, err)
	}
	t, err := ParseTokens(status, resp)
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh %s: %w", app.AppID, err)
	}
	return t, nil
}

// Auth is the token cache: one access token per application, got by login (or by refresh
// when a refresh token is held) on first use. Aliases naming one application (the same appId
// and secret) share its tokens. An app's logins are serialised: the platform keeps only an
// app's latest token (RULE.token-latest), so concurrent logins would supersede each other. A
// login or refresh the caller sends itself (a check of the suite) is adopted under the same
// lock (Own). Every wait for an app's lock ends with the waiter's context, and a call made
// under Own that asks for the tokens of the app it holds gets ErrOwned at once: neither a
// slow holder nor a holder waiting for itself hangs a run past its deadline. It is safe for
// concurrent use.
type Auth struct {
	do      Doer
	apps    map[string]App
	onToken func(string)

	mu    sync.Mutex
	state map[App]*appState
}

// ErrOwned is returned by Token and Fresh when the context is one Own returned for the same
// application: the caller holds the app's tokens for its own login, and waiting for them
// would wait for itself.
var ErrOwned = errors.New("the tokens of the application are held by this call's own login")

type appState struct {
	// lock holds one value while someone reads or changes Tokens, a login or refresh in
	// flight included; a channel rather than a mutex, so that a wait can end with its context.
	lock chan struct{}
	Tokens
}

// ownedKey marks a context Own returned; its value is the []*appState the call holds.
type ownedKey struct{}

// acquire takes st's lock for app, or fails when ctx ends first or already holds st (Own).
func (st *appState) acquire(ctx context.Context, app App) error {
	owned, _ := ctx.Value(ownedKey{}).([]*appState)
	if slices.Contains(owned, st) {
		return fmt.Errorf("%w: %s", ErrOwned, app.AppID)
	}
	select {
	case st.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the tokens of %s: %w", app.AppID, context.Cause(ctx))
	}
}

// hold takes st's lock without a context, for the calls that only read or drop tokens (Held,
// Invalidate, Forget): they wait at most for a login or refresh in flight, which its own
// context and the HTTP client's timeout bound.
func (st *appState) hold() { st.lock <- struct{}{} }

func (st *appState) release() { <-st.lock }

// NewAuth returns a token cache for apps (alias to credentials), calling through do; onToken
// (may be nil) is told every access and refresh token issued, so that the caller keeps them
// out of every output.
func NewAuth(do Doer, apps map[string]App, onToken func(string)) *Auth {
	return &Auth{do: do, apps: apps, onToken: onToken, state: map[App]*appState{}}
}

// App returns alias's credentials, or an error naming the alias.
func (a *Auth) App(alias string) (App, error) {
	app, ok := a.apps[alias]
	if !ok || app.AppID == "" {
		return App{}, fmt.Errorf("%w: %q", ErrNoApp, alias)
	}
	return app, nil
}

// Has says whether the cache holds credentials for alias.
func (a *Auth) Has(alias string) bool {
	_, err := a.App(alias)
	return err == nil
}

// Aliases returns the aliases the cache holds credentials for, sorted.
func (a *Auth) Aliases() []string {
	out := make([]string, 0, len(a.apps))
	for alias := range a.apps {
		if a.Has(alias) {
			out = append(out, alias)
		}
	}
	sort.Strings(out)
	return out
}

func (a *Auth) appState(app App) *appState {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.state[app]
	if st == nil {
		st = &appState{lock: make(chan struct{}, 1)}
		a.state[app] = st
	}
	return st
}

// Token returns alias's access token, refreshing or logging in when it holds none. It waits
// while another caller logs the app in; the wait ends with ctx. Under a context Own returned
// for the same app it returns ErrOwned.
func (a *Auth) Token(ctx context.Context, alias string) (string, error) {
	app, err := a.App(alias)
	if err != nil {
		return "", err
	}
	st := a.appState(app)
	if err := st.acquire(ctx, app); err != nil {
		return "", err
	}
	defer st.release()
	if st.Access != "" {
		return st.Access, nil
	}
	if st.Refresh != "" {
		if t, err := Refresh(ctx, a.do, app, st.Refresh); err == nil {
			a.keep(st, t)
			return st.Access, nil
		}
	}
	t, err := Login(ctx, a.do, app)
	if err != nil {
		return "", err
	}
	a.keep(st, t)
	return st.Access, nil
}

// Fresh logs alias in anew and keeps the new token: every other user of the cache takes it
// from then on, so that no login of theirs supersedes it. It waits as Token does.
func (a *Auth) Fresh(ctx context.Context, alias string) (string, error) {
	app, err := a.App(alias)
	if err != nil {
		return "", err
	}
	st := a.appState(app)
	if err := st.acquire(ctx, app); err != nil {
		return "", err
	}
	defer st.release()
	t, err := Login(ctx, a.do, app)
	if err != nil {
		return "", err
	}
	a.keep(st, t)
	return st.Access, nil
}

// Own locks the tokens of the application appID (the first alias naming it, in alias order)
// while the caller sends a login or refresh of that app itself, and returns adopt, which
// must be called once the answer is in: it keeps the tokens a 200 answer carries (answer nil,
// or no accessToken: it keeps none) as the app's own, and unlocks. Only an application's
// latest token is valid (RULE.token-latest): a caller refused meanwhile for the superseded
// token then waits for the lock and takes the new one, instead of logging in over it.
//
// The call must be sent with held, the context Own returns: Token or Fresh asked under it
// for the same app answer ErrOwned instead of waiting for the lock the call itself holds.
// Own waits for the lock as Token does, and returns the error when ctx ends first. adopt is
// nil (and held is ctx) when no alias names appID.
func (a *Auth) Own(ctx context.Context, appID string) (held context.Context, adopt func(status int, answer []byte), err error) {
	if appID == "" {
		return ctx, nil, nil
	}
	for _, alias := range a.Aliases() {
		app := a.apps[alias]
		if app.AppID != appID {
			continue
		}
		st := a.appState(app)
		if err := st.acquire(ctx, app); err != nil {
			return ctx, nil, err
		}
		owned, _ := ctx.Value(ownedKey{}).([]*appState)
		held = context.WithValue(ctx, ownedKey{}, append(slices.Clip(owned), st))
		var once sync.Once
		return held, func(status int, answer []byte) {
			once.Do(func() {
				defer st.release()
				if answer == nil {
					return
				}
				if t, err := ParseTokens(status, answer); err == nil {
					a.keep(st, t)
				}
			})
		}, nil
	}
	return ctx, nil, nil
}

func (a *Auth) keep(st *appState, t Tokens) {
	st.Tokens = t
	if a.onToken != nil {
		a.onToken(t.Access)
		if t.Refresh != "" {
			a.onToken(t.Refresh)
		}
	}
}

// Held returns the tokens alias holds now (zero when none, or for an unknown alias); its
// ExpiresIn is the lifetime the last login or refresh answered.
func (a *Auth) Held(alias string) Tokens {
	app, err := a.App(alias)
	if err != nil {
		return Tokens{}
	}
	st := a.appState(app)
	st.hold()
	defer st.release()
	return st.Tokens
}

// Invalidate forgets used if it is still alias's access token, so the next call logs in
// again (after the platform answered 1010005 for it). While the app's own login is in flight
// (Own) it waits, and then keeps the token that login adopted: used is no longer the app's.
func (a *Auth) Invalidate(alias, used string) {
	app, err := a.App(alias)
	if err != nil {
		return
	}
	st := a.appState(app)
	st.hold()
	defer st.release()
	if st.Access == used {
		st.Access = ""
	}
}

// Forget drops every token (after the reference platform was reset).
func (a *Auth) Forget() {
	a.mu.Lock()
	states := make([]*appState, 0, len(a.state))
	for _, st := range a.state {
		states = append(states, st)
	}
	a.mu.Unlock()
	for _, st := range states {
		st.hold()
		st.Tokens = Tokens{}
		st.release()
	}
}
