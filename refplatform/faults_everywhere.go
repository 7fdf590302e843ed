package refplatform

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the faults of issue 15's class 2, every rule at every operation and moment
// where it binds: rules a platform enforces where they are easiest to see (the answer to the
// call) but not where they also bind (another operation, a later call), and refused calls that
// still had an effect.

// The class's faults.
const (
	// FaultRefusedBindsTags: a refused create still binds the free tag pairs its body names.
	// The tag service reserves the pairs when the request arrives and nothing releases them
	// when a later check refuses the task.
	FaultRefusedBindsTags = "refused-create-binds-tags"
	// FaultRefusedTakesName: a create refused for its targets or its tags (101001, 105201,
	// 105202) still takes its task name: the name is reserved before those checks.
	FaultRefusedTakesName = "refused-create-takes-name"
	// FaultThrottledCreateInserted: a create answered 403/1010009 still creates its task: the
	// gateway's throttle answer races the backend, which already took the request.
	FaultThrottledCreateInserted = "throttled-create-inserted"
	// FaultLimitRefusedInserted: a create answered 200/105001 still creates its task: the
	// limit is checked after the insert and only the answer is changed.
	FaultLimitRefusedInserted = "tasklimit-refused-inserted"
	// FaultDetailsExpiredToken: taskDetails accepts an application's latest access token past
	// its lifetime (create and query refuse it): its own token cache never expires entries.
	FaultDetailsExpiredToken = "details-expired-token"
	// FaultDetailsSupersededToken: taskDetails accepts an application's superseded access
	// tokens until they expire (create and query refuse them).
	FaultDetailsSupersededToken = "details-superseded-token"
	// FaultTaskNameTruncated: task names are stored cut to 128 characters (a too-narrow column
	// that truncates instead of failing): query answers the cut name, and two names alike in
	// their first 128 characters collide with 105002.
	FaultTaskNameTruncated = "taskname-truncated-128"
	// FaultAuthThrottled: login and refreshToken are counted and throttled like the batch-task
	// operations: the gateway applies the application's quota to every path.
	FaultAuthThrottled = "auth-throttled"
	// FaultDetailsUncounted: taskDetails calls are refused once the quota is spent but never
	// counted against it: the counter is wired to create and query only.
	FaultDetailsUncounted = "throttle-details-uncounted"
	// FaultFinishedReleases: a finished task's name and tag pairs are released: uniqueness is
	// checked against the unfinished tasks only (an index a cleanup job prunes).
	FaultFinishedReleases = "finished-task-releases-name"
	// FaultDetailsCrossApp: taskDetails finds a task of any application by its id (query keeps
	// to the caller's own and those it acts for): the subtask store is keyed by taskId alone.
	FaultDetailsCrossApp = "details-cross-app"
	// FaultQueryUncounted: query calls are refused once the quota is spent but never counted
	// against it: the counter is wired to create and taskDetails only.
	FaultQueryUncounted = "throttle-query-uncounted"
	// FaultTaskLimitGlobal: the task limit counts the unfinished tasks of every application
	// together instead of per application.
	FaultTaskLimitGlobal = "tasklimit-global"
	// FaultRefusedRefreshRevokes: a refused refreshToken call (a wrong refresh token or
	// secret) drops the application's tokens, as if the refresh token had been stolen.
	FaultRefusedRefreshRevokes = "refused-refresh-revokes"
	// FaultRefusedLoginRevokes: a refused login (a wrong or missing secret) drops the
	// application's tokens: the login clears the session before it checks the secret.
	FaultRefusedLoginRevokes = "refused-login-revokes"
)

func init() {
	registerFaults(map[string]string{
		FaultRefusedBindsTags:        "a refused create (400/50400, 404/105202, 400/105201, 200/101001, 401/100028, ...) still binds the free tag pairs its body names, so a later task cannot use them (RULE.refused-no-effect, AMB.R4)",
		FaultRefusedTakesName:        "a create refused for its targets or tags (101001, 105201, 105202) still takes its task name, so a later create with the name answers 105002 (RULE.refused-no-effect, AMB.R9)",
		FaultThrottledCreateInserted: "a create answered 403/1010009 (throttled) still creates its task: its name and tag pairs are taken (RULE.refused-no-effect, RULE.throttle)",
		FaultLimitRefusedInserted:    "a create answered 200/105001 (task limit) still creates its task: its name and tag pairs are taken (RULE.refused-no-effect, RULE.tasklimit)",
		FaultDetailsExpiredToken:     "taskDetails accepts an access token past its lifetime; create and query refuse it with 403/1010005 (RULE.token-expiry)",
		FaultDetailsSupersededToken:  "taskDetails accepts an application's superseded access tokens; create and query refuse them with 403/1010005 (RULE.token-latest)",
		FaultAuthThrottled:           "login and refreshToken count against the application's throttle quota and are refused 403/1010009 once it is spent (RULE.throttle: login and refresh are not throttled)",
		FaultDetailsUncounted:        "taskDetails calls are refused 403/1010009 once the quota is spent but are never counted against it (RULE.throttle: create, query and details together)",
		FaultDetailsCrossApp:         "taskDetails lists the subtasks of another application's task by its id; query answers it 404/105005 (RULE.cross-app)",
		FaultQueryUncounted:          "query calls are refused 403/1010009 once the quota is spent but are never counted against it (RULE.throttle: create, query and details together)",
		FaultTaskLimitGlobal:         "the task limit counts the unfinished tasks of all applications together: one application's full limit refuses another's creates with 105001 (RULE.tasklimit, AMB.10: per app)",
		FaultRefusedRefreshRevokes:   "a refused refreshToken call (401/100208) drops the application's access and refresh tokens (RULE.refused-no-effect)",
		FaultRefusedLoginRevokes:     "a refused login (401/100208, 400/102202) drops the application's access and refresh tokens (RULE.refused-no-effect)",
		FaultFinishedReleases:        "a finished (Complete or Timeout) task's name and tag pairs are released, so a later create may use them again (RULE.taskname-unique, AMB.R4)",
		FaultTaskNameTruncated:       "task names are stored cut to 128 characters: query answers the cut name and a name differing from another only after its 128th character answers 105002 (FLD.create.taskName, RULE.taskname-unique)",
	})
}

// everywhereFaults lists the faults createEverywhere acts on.
var everywhereFaults = []string{FaultRefusedBindsTags, FaultRefusedTakesName, FaultThrottledCreateInserted, FaultLimitRefusedInserted,
	FaultFinishedReleases, FaultTaskLimitGlobal}

// applyEverywhereFaults switches the class's state-level faults on in a fresh state.
func (p *platform) applyEverywhereFaults(st *state) {
	if p.fault(FaultDetailsSupersededToken) {
		st.auth.keepOld = true // the old tokens are kept; accessValid accepts them on details only
	}
}

// createEverywhere is create with the class's refused-call faults: it keeps the body, lets
// create answer, and gives a refusal the effect the fault says it has.
func (p *platform) createEverywhere(w http.ResponseWriter, r *http.Request) *apiError {
	on := false
	for _, f := range everywhereFaults {
		on = on || p.fault(f)
	}
	if !on || r.Body == nil {
		return p.create(w, r)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return errAt(http.StatusBadRequest, CodeInputInvalid)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	st := p.st.Load()
	if p.fault(FaultFinishedReleases) {
		st.engine.releaseFinished(p.world, p.clock.Now())
	}
	aerr := p.create(w, r)
	if aerr == nil {
		return nil
	}
	caller := r.Header.Get("App_key")
	switch code := aerr.code; {
	case code == CodeThrottled && p.fault(FaultThrottledCreateInserted),
		code == CodeTaskLimit && p.fault(FaultLimitRefusedInserted):
		if req, err := parseCreate(body, p.createLimits()); err == nil && p.world.App(caller) != nil {
			st.engine.forceInsert(req, caller, p.clock.Now())
		}
	case code == CodeTokenInvalid || code == CodeThrottled:
	default:
		var loose struct {
			AppID    string `json:"appId"`
			TaskName string `json:"taskName"`
			Tags     []Tag  `json:"tags"`
		}
		if json.Unmarshal(body, &loose) != nil {
			return aerr
		}
		if p.fault(FaultRefusedBindsTags) {
			st.engine.bindFree(loose.Tags)
		}
		if p.fault(FaultRefusedTakesName) && (code == CodeResourceMissing || code == CodeTagUsed || code == CodeTagNotExist) &&
			p.world.App(loose.AppID) != nil && loose.TaskName != "" {
			st.engine.takeName(loose.AppID, loose.TaskName)
		}
	}
	return aerr
}

// forceInsert inserts a task whatever the limit, the name and the tags say (the inserting
// faults); a request whose targets do not resolve inserts nothing.
func (e *engine) forceInsert(req *createRequest, operator string, now time.Time) {
	devs, aerr := e.targets(&req.Param)
	if aerr != nil {
		return
	}
	t := newTask(req, operator, devs, now)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tasks[t.id] = t
	e.unfinished[req.AppID] = append(e.unfinished[req.AppID], t)
	if e.names[req.AppID] == nil {
		e.names[req.AppID] = map[string]bool{}
	}
	e.names[req.AppID][req.TaskName] = true
	for _, tg := range req.Tags {
		e.bound[tg] = true
	}
	if t.param.CallbackURL != nil {
		e.callbacks = append(e.callbacks, t)
	}
}

// bindFree binds the pairs of registered tag names among tags (fault refused-create-binds-tags).
func (e *engine) bindFree(tags []Tag) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, tg := range tags {
		if e.world.tagNames[tg.Name] && tg.Value != "" {
			e.bound[tg] = true
		}
	}
}

// takeName marks name as used by app (fault refused-create-takes-name).
func (e *engine) takeName(app, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.names[app] == nil {
		e.names[app] = map[string]bool{}
	}
	e.names[app][name] = true
}

// truncatedNameLen is where fault taskname-truncated-128 cuts task names.
const truncatedNameLen = 128

// cutTaskName cuts a valid create's task name to 128 characters under fault
// taskname-truncated-128 (the name is then stored, checked and answered cut).
func (p *platform) cutTaskName(req *createRequest) {
	if req == nil || !p.fault(FaultTaskNameTruncated) || utf8.RuneCountInString(req.TaskName) <= truncatedNameLen {
		return
	}
	req.TaskName = string([]rune(req.TaskName)[:truncatedNameLen])
}

// accessValid reports whether token is an access token the platform accepts from app on
// r's operation: the app's latest, unexpired one; under the details-token faults, taskDetails
// also takes the latest past its lifetime, or a superseded one.
func (p *platform) accessValid(r *http.Request, st *state, app, token string, now time.Time) bool {
	details := r.URL.Path == PathDetails
	if p.fault(FaultDetailsSupersededToken) && !details {
		return st.auth.latestValid(app, token, now)
	}
	if st.auth.validAccess(app, token, now) {
		return true
	}
	return details && p.fault(FaultDetailsExpiredToken) && st.auth.isLatest(app, token)
}

// latestValid is validAccess without the superseded tokens fault token-not-superseded or
// details-superseded-token keeps.
func (a *auth) latestValid(app, token string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.tokens[app]
	return p != nil && (a.ignoreExpiry || now.Before(p.issued.Add(a.life))) &&
		subtle.ConstantTimeCompare([]byte(p.access), []byte(token)) == 1
}

// isLatest reports whether token is app's latest access token, expired or not.
func (a *auth) isLatest(app, token string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.tokens[app]
	return p != nil && subtle.ConstantTimeCompare([]byte(p.access), []byte(token)) == 1
}

// releaseFinished forgets the names and tag pairs of the tasks finished at now (fault
// finished-task-releases-name); the world's bound pairs stay bound.
func (e *engine) releaseFinished(w *World, now time.Time) {
	fixed := map[Tag]bool{}
	for _, t := range w.BoundTags {
		fixed[t] = true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.tasks {
		if now.Before(t.finish) {
			continue
		}
		delete(e.names[t.app], t.name)
		for _, tg := range t.tags {
			if !fixed[tg] {
				delete(e.bound, tg)
			}
		}
	}
}

// authEverywhere is login or refresh under the class's token faults: under auth-throttled the
// call counts against the named application's quota and is refused 403/1010009 once it is
// spent; under refused-refresh-revokes (refused-login-revokes) a refused refresh (login) drops
// the application's tokens.
func (p *platform) authEverywhere(h opHandler) opHandler {
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		login := r.URL.Path == PathLogin
		revokes := login && p.fault(FaultRefusedLoginRevokes) || !login && p.fault(FaultRefusedRefreshRevokes)
		if !p.fault(FaultAuthThrottled) && !revokes || r.Body == nil {
			return h(w, r)
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			return errAt(http.StatusBadRequest, CodeParamEmpty)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		app := ""
		if login {
			if v, err := url.ParseQuery(string(body)); err == nil {
				app = v.Get("appId")
			}
		} else {
			var b struct {
				AppID string `json:"appId"`
			}
			if json.Unmarshal(body, &b) == nil {
				app = b.AppID
			}
		}
		st := p.st.Load()
		if p.fault(FaultAuthThrottled) && p.world.App(app) != nil && !st.throttle.allow(app, p.clock.Now()) {
			p.throttled.Add(1)
			return errAt(http.StatusForbidden, CodeThrottled)
		}
		aerr := h(w, r)
		if aerr != nil && revokes && p.world.App(app) != nil {
			st.auth.revoke(app)
		}
		return aerr
	}
}

// revoke drops app's tokens (faults refused-refresh-revokes, refused-login-revokes).
func (a *auth) revoke(app string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.tokens, app)
}

// throttleAllow is the throttle's verdict on a batch-task call: counted and checked, or
// under fault throttle-details-uncounted (throttle-query-uncounted), for taskDetails (query),
// checked without being counted.
func (p *platform) throttleAllow(r *http.Request, st *state, key string, now time.Time) bool {
	if p.fault(FaultDetailsUncounted) && r.URL.Path == PathDetails ||
		p.fault(FaultQueryUncounted) && strings.HasPrefix(r.URL.Path, PathTasks+"/") {
		return !st.throttle.spent(key, now)
	}
	return st.throttle.allow(key, now)
}

// spent reports whether app's quota is used up at now, without counting a call.
func (t *throttle) spent(app string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.apps[app]
	if b == nil {
		return false
	}
	if t.cfg.Type == ThrottleSliding {
		return len(b.ring) >= t.cfg.Limit && now.Before(b.ring[b.head].Add(t.cfg.Window))
	}
	return b.n >= t.cfg.Limit && (t.neverReset || now.Before(b.start.Add(t.cfg.Window)))
}

// detailsVisible is visible for taskDetails: under fault details-cross-app every task is.
func (p *platform) detailsVisible(t *task, owner string) bool {
	return p.visible(t, owner) || p.fault(FaultDetailsCrossApp)
}

// unfinishedEverywhereLocked counts every application's unfinished tasks at now (fault
// tasklimit-global); the caller holds e.mu.
func (e *engine) unfinishedEverywhereLocked(now time.Time) int {
	n := 0
	for _, list := range e.unfinished {
		for _, u := range list {
			if now.Before(u.finish) {
				n++
			}
		}
	}
	return n
}
