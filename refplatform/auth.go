package refplatform

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"
)

// Token lifetimes: the access token's is documented (expiresIn 3600 s, RULE.token-expiry);
// the refresh token "lives longer", and the platform keeps it a day.
const (
	AccessTokenLifetime  = 3600 * time.Second
	RefreshTokenLifetime = 24 * time.Hour
)

// auth holds each application's latest tokens. Only the most recently issued access token of
// an application is valid (AMB.R10, RULE.token-latest).
type auth struct {
	mu     sync.Mutex
	tokens map[string]*tokenPair
	// keepOld (fault token-not-superseded) keeps earlier access tokens valid until they expire.
	keepOld bool
	// ignoreExpiry (fault token-never-expires) accepts access tokens past their lifetime.
	ignoreExpiry bool
	old          map[string][]tokenPair
	// life is the access token's lifetime (AccessTokenLifetime unless WithTokenLifetime).
	life time.Duration
}

type tokenPair struct {
	access, refresh string
	issued          time.Time
}

func newAuth(life time.Duration) *auth {
	if life <= 0 {
		life = AccessTokenLifetime
	}
	return &auth{tokens: map[string]*tokenPair{}, life: life}
}

// issue creates a new token pair for app, superseding the previous one.
func (a *auth) issue(app string, now time.Time) tokenPair {
	p := tokenPair{access: randomHex(16), refresh: randomHex(16), issued: now}
	a.mu.Lock()
	if prev := a.tokens[app]; prev != nil && a.keepOld {
		if a.old == nil {
			a.old = map[string][]tokenPair{}
		}
		a.old[app] = append(a.old[app], *prev)
	}
	a.tokens[app] = &p
	a.mu.Unlock()
	return p
}

// validAccess reports whether token is app's latest, unexpired access token.
func (a *auth) validAccess(app, token string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	valid := func(p *tokenPair) bool {
		return p != nil && (a.ignoreExpiry || now.Before(p.issued.Add(a.life))) &&
			subtle.ConstantTimeCompare([]byte(p.access), []byte(token)) == 1
	}
	if valid(a.tokens[app]) {
		return true
	}
	for i := range a.old[app] {
		if valid(&a.old[app][i]) {
			return true
		}
	}
	return false
}

// validRefresh reports whether token is app's latest, unexpired refresh token.
func (a *auth) validRefresh(app, token string, now time.Time) bool {
	a.mu.Lock()
	p := a.tokens[app]
	a.mu.Unlock()
	return p != nil && now.Before(p.issued.Add(RefreshTokenLifetime)) &&
		subtle.ConstantTimeCompare([]byte(p.refresh), []byte(token)) == 1
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// live returns app's latest token pair while its access token is unexpired (fault
// login-token-reused answers it again instead of issuing a new one).
func (a *auth) live(app string, now time.Time) (tokenPair, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.tokens[app]
	if p == nil || !now.Before(p.issued.Add(a.life)) {
		return tokenPair{}, false
	}
	return *p, true
}

// accessExpired reports whether app's latest access token has outlived AccessTokenLifetime
// (fault refresh-after-expiry-refused).
func (a *auth) accessExpired(app string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.tokens[app]
	return p != nil && !now.Before(p.issued.Add(a.life))
}
