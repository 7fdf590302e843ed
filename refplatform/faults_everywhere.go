package refplatform

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
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
)

func init() {
	registerFaults(map[string]string{
		FaultRefusedBindsTags:        "a refused create (400/50400, 404/105202, 400/105201, 200/101001, 401/100028, ...) still binds the free tag pairs its body names, so a later task cannot use them (RULE.refused-no-effect, AMB.R4)",
		FaultRefusedTakesName:        "a create refused for its targets or tags (101001, 105201, 105202) still takes its task name, so a later create with the name answers 105002 (RULE.refused-no-effect, AMB.R9)",
		FaultThrottledCreateInserted: "a create answered 403/1010009 (throttled) still creates its task: its name and tag pairs are taken (RULE.refused-no-effect, RULE.throttle)",
		FaultLimitRefusedInserted:    "a create answered 200/105001 (task limit) still creates its task: its name and tag pairs are taken (RULE.refused-no-effect, RULE.tasklimit)",
		FaultDetailsExpiredToken:     "taskDetails accepts an access token past its lifetime; create and query refuse it with 403/1010005 (RULE.token-expiry)",
		FaultDetailsSupersededToken:  "taskDetails accepts an application's superseded access tokens; create and query refuse them with 403/1010005 (RULE.token-latest)",
		FaultTaskNameTruncated:       "task names are stored cut to 128 characters: query answers the cut name and a name differing from another only after its 128th character answers 105002 (FLD.create.taskName, RULE.taskname-unique)",
	})
}

// everywhereFaults lists the faults createEverywhere acts on.
var everywhereFaults = []string{FaultRefusedBindsTags, FaultRefusedTakesName, FaultThrottledCreateInserted, FaultLimitRefusedInserted}

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
