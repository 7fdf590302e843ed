package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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

// Auth is the token cache: one access token per application alias, got by login (or by
// refresh when a refresh token is held) on first use. An app's logins are serialised: the
// platform keeps only an app's latest token (RULE.token-latest), so concurrent logins would
// supersede each other. It is safe for concurrent use.
type Auth struct {
	do      Doer
	apps    map[string]App
	onToken func(string)

	mu    sync.Mutex
	state map[string]*appState
}

type appState struct {
	mu sync.Mutex
	Tokens
}

// NewAuth returns a token cache for apps, calling through do; onToken (may be nil) is told
// every access and refresh token issued, so that the caller keeps them out of every output.
func NewAuth(do Doer, apps map[string]App, onToken func(string)) *Auth {
	return &Auth{do: do, apps: apps, onToken: onToken, state: map[string]*appState{}}
}

// App returns alias's credentials, or an error naming the alias.
func (a *Auth) App(alias string) (App, error) {
	app, ok := a.apps[alias]
	if !ok || app.AppID == "" {
		return App{}, fmt.Errorf("%w: %q", ErrNoApp, alias)
	}
	return app, nil
}

func (a *Auth) appState(alias string) *appState {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.state[alias]
	if st == nil {
		st = &appState{}
		a.state[alias] = st
	}
	return st
}

// Token returns alias's access token, refreshing or logging in when it holds none.
func (a *Auth) Token(ctx context.Context, alias string) (string, error) {
	app, err := a.App(alias)
	if err != nil {
		return "", err
	}
	st := a.appState(alias)
	st.mu.Lock()
	defer st.mu.Unlock()
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

// Fresh logs alias in anew and keeps the new token.
func (a *Auth) Fresh(ctx context.Context, alias string) (string, error) {
	app, err := a.App(alias)
	if err != nil {
		return "", err
	}
	st := a.appState(alias)
	st.mu.Lock()
	defer st.mu.Unlock()
	t, err := Login(ctx, a.do, app)
	if err != nil {
		return "", err
	}
	a.keep(st, t)
	return st.Access, nil
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

// Held returns the tokens alias holds now (zero when none).
func (a *Auth) Held(alias string) Tokens {
	st := a.appState(alias)
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.Tokens
}

// Invalidate forgets used if it is still alias's access token, so the next call logs in
// again (after the platform answered 1010005 for it).
func (a *Auth) Invalidate(alias, used string) {
	st := a.appState(alias)
	st.mu.Lock()
	defer st.mu.Unlock()
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
		st.mu.Lock()
		st.Tokens = Tokens{}
		st.mu.Unlock()
	}
}
