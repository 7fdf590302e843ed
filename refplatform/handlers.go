package refplatform

import (
	"crypto/subtle"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/batchcert/batchcert/refplatform/gqlfacade"
)

// The API's paths (§1, §2, §4).
const (
	PathLogin   = "/iocm/app/sec/v1.1.0/login"
	PathRefresh = "/iocm/app/sec/v1.1.0/refreshToken"
	PathTasks   = "/iocm/app/batchtask/v1.1.0/tasks"
	PathDetails = "/iocm/app/batchtask/v1.1.0/taskDetails"
	// PathGraphQL is the GraphQL facade (contracts/batchtask.graphqls), on the platform port.
	PathGraphQL = gqlfacade.Path
)

// TaskFrom is what query answers in taskFrom for tasks created through this API (INV.taskFrom).
const TaskFrom = "Northbound"

// state is everything a reset replaces.
type state struct {
	engine   *engine
	auth     *auth
	throttle *throttle
}

// platform is the API's implementation; Server wraps it with listeners.
type platform struct {
	world     *World
	clock     Clock
	faults    faultSet
	readings  map[string]string // served readings by id (readings.go); nil: the harness's own
	throttle  ThrottleConfig
	taskLimit int
	// tokenLife is the access token's lifetime (WithTokenLifetime).
	tokenLife time.Duration
	log       *slog.Logger

	st    atomic.Pointer[state]
	ctl   injector
	calls map[string]*atomic.Int64
	// counters of the control API
	throttled, injectedN, callbacksSent, callbacksFailed atomic.Int64
	cb                                                   *callbackSender
	// gql is the GraphQL facade; its resolvers call ServeHTTP for the REST operations.
	gql http.Handler
}

func (p *platform) fault(name string) bool { return p.faults[name] }

func (p *platform) reset() {
	st := &state{engine: newEngine(p.world, p.taskLimit), auth: newAuth(p.tokenLife), throttle: newThrottle(p.readingThrottle(p.throttle))}
	p.applyFaults(st)
	p.st.Store(st)
	p.ctl.clear()
	for _, c := range p.calls {
		c.Store(0)
	}
	p.throttled.Store(0)
	p.injectedN.Store(0)
	p.callbacksSent.Store(0)
	p.callbacksFailed.Store(0)
}

// ServeHTTP routes the platform's five operations and the GraphQL facade.
func (p *platform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.stampDate(w)
	op, h := p.route(r.URL.Path)
	defer func() {
		if v := recover(); v != nil {
			p.log.Error("refplatform: handler panic", "op", op, "panic", v)
			writeError(w, op, errAt(http.StatusInternalServerError, CodeInternal))
		}
	}()
	if r.URL.Path == PathGraphQL && p.gql != nil {
		p.gql.ServeHTTP(w, r)
		return
	}
	if h == nil {
		writeError(w, OpQuery, errAt(http.StatusNotFound, CodeQueryInvalid))
		return
	}
	h = p.gapsWrap(op, h)
	p.calls[op].Add(1)
	if e, ok := p.ctl.take(op); ok {
		p.injectedN.Add(1)
		p.writeErr(w, op, e)
		return
	}
	if e := h(w, r); e != nil {
		p.writeErr(w, op, e)
	}
}

type opHandler func(http.ResponseWriter, *http.Request) *apiError

func (p *platform) route(path string) (string, opHandler) {
	switch {
	case path == PathLogin:
		return OpLogin, p.authEverywhere(p.login)
	case path == PathRefresh:
		return OpRefresh, p.authEverywhere(p.refresh)
	case path == PathTasks:
		return OpCreate, p.createEverywhere
	case path == PathDetails:
		return OpDetails, p.details
	case strings.HasPrefix(path, PathTasks+"/"):
		return OpQuery, p.query
	}
	return "", nil
}

// LoginResponse is login's and refreshToken's answer (§4).
type LoginResponse struct {
	Scope        string `json:"scope"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

// issue answers a new token pair for app; login says whether login (not refresh) asks.
func (p *platform) issue(w http.ResponseWriter, app string, login bool) {
	st := p.st.Load()
	now := p.clock.Now()
	pair, ok := tokenPair{}, false
	if login && p.fault(FaultLoginTokenReused) {
		pair, ok = st.auth.live(app, now)
	}
	if !ok {
		pair = st.auth.issue(app, now)
	}
	writeJSON(w, http.StatusOK, p.loginAnswer(LoginResponse{Scope: "default", TokenType: "bearer",
		ExpiresIn: int(st.auth.life / time.Second), AccessToken: pair.access, RefreshToken: pair.refresh}))
}

// login: form appId, secret (§4).
func (p *platform) login(w http.ResponseWriter, r *http.Request) *apiError {
	empty := errAt(http.StatusBadRequest, CodeParamEmpty)
	if r.Method != http.MethodPost {
		return empty
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return empty
	}
	appID, secret := r.PostForm.Get("appId"), r.PostForm.Get("secret")
	if appID == "" || secret == "" {
		return empty
	}
	return p.checkSecret(w, appID, secret, "")
}

// checkSecret answers login and refresh once their fields are read (AMB.R5).
func (p *platform) checkSecret(w http.ResponseWriter, appID, secret, refresh string) *apiError {
	app := p.world.App(appID)
	if app == nil || subtle.ConstantTimeCompare([]byte(app.Secret), []byte(secret)) != 1 {
		return errAt(http.StatusUnauthorized, CodeBadSecret)
	}
	if refresh != "" && !p.st.Load().auth.validRefresh(appID, refresh, p.clock.Now()) {
		return errAt(http.StatusUnauthorized, CodeBadSecret)
	}
	if refresh != "" && p.fault(FaultRefreshAfterExpiry) && p.st.Load().auth.accessExpired(appID, p.clock.Now()) {
		return errAt(http.StatusUnauthorized, CodeBadSecret)
	}
	if app.Frozen {
		return errAt(http.StatusBadRequest, CodeAppFrozen)
	}
	p.issue(w, appID, refresh == "")
	return nil
}

// refresh: JSON appId, secret, refreshToken (§4, AMB.R5).
func (p *platform) refresh(w http.ResponseWriter, r *http.Request) *apiError {
	empty := errAt(http.StatusBadRequest, CodeParamEmpty)
	if r.Method != http.MethodPost {
		return empty
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return empty
	}
	o, err := parseObject("body", body)
	if err != nil {
		return empty
	}
	var f [3]string
	for i, k := range []string{"appId", "secret", "refreshToken"} {
		if f[i], _, err = o.str(k, k, true, 1, 0); err != nil {
			return empty
		}
	}
	return p.checkSecret(w, f[0], f[1], f[2])
}

// authenticate checks app_key and Authorization, then the throttle (AMB.R1, AMB.9). It
// returns the calling app's id; missing is answered with missingCode/invalid with invalidCode.
func (p *platform) authenticate(r *http.Request, st *state, missing, dup *apiError) (string, *apiError) {
	keys, auths := r.Header.Values("App_key"), r.Header.Values("Authorization")
	if len(keys) > 1 || len(auths) > 1 {
		return "", dup
	}
	if len(keys) == 0 || keys[0] == "" || len(auths) == 0 || auths[0] == "" {
		return "", p.readingMissingAuth(missing)
	}
	appKey := keys[0]
	if p.world.App(appKey) == nil {
		return "", p.readingUnknownAppKey()
	}
	scheme, token, ok := strings.Cut(auths[0], " ")
	now := p.clock.Now()
	if !ok || !strings.EqualFold(scheme, "Bearer") || !p.accessValid(r, st, appKey, strings.TrimSpace(token), now) {
		return "", errAt(http.StatusForbidden, CodeTokenInvalid)
	}
	if !p.throttleAllow(r, st, p.throttleKey(appKey, token), now) {
		p.throttled.Add(1)
		return "", errAt(http.StatusForbidden, CodeThrottled)
	}
	return appKey, nil
}

// create: POST tasks (§1).
func (p *platform) create(w http.ResponseWriter, r *http.Request) *apiError {
	bad := errAt(http.StatusBadRequest, CodeInputInvalid)
	if r.Method != http.MethodPost {
		return bad
	}
	st := p.st.Load()
	missing := bad
	if p.fault(FaultMissingHeader) {
		missing = errAt(http.StatusForbidden, CodeTokenInvalid)
	}
	caller, aerr := p.authenticate(r, st, missing, bad)
	if aerr != nil {
		return aerr
	}
	if !p.world.App(caller).BatchRights && !p.fault(FaultNoRightsAllowed) {
		return errAt(http.StatusUnauthorized, CodeNoRight) // AMB.R7
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return bad
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return bad
	}
	lim := p.createLimits()
	lim.deviceTypeOptional = p.readingDeviceTypeOptional()
	req, err := parseCreate(body, lim)
	switch {
	case err != nil && p.fault(FaultValidationLax):
		if req, aerr = parseCreateLax(body, caller); aerr != nil {
			return aerr
		}
	case err != nil:
		p.log.Debug("refplatform: invalid create", "reason", err.Error())
		return bad
	case p.fault(FaultEdgesRejected) && atEdge(req, lim):
		return bad
	}
	if p.fault(FaultCreate50252LongName) && utf8.RuneCountInString(req.TaskName) > 128 {
		return errAt(http.StatusInternalServerError, CodeInternal)
	}
	p.cutTaskName(req)
	if p.world.App(req.AppID) == nil {
		return p.readingUnknownAppID() // AMB.6
	}
	if !p.world.mayActFor(caller, req.AppID) {
		return errAt(http.StatusForbidden, CodeAppNotAuthorized)
	}
	t, aerr := st.engine.create(req, caller, p.clock.Now())
	if aerr != nil {
		return aerr
	}
	key := p.readingCreateKey()
	status := http.StatusOK
	if p.fault(FaultCreate201) {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]string{key: t.id})
	return nil
}

// queryParams parses the query string strictly: malformed or duplicated parameters are
// invalid input (AMB.R2).
func queryParams(r *http.Request) (url.Values, *apiError) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errAt(http.StatusBadRequest, CodeQueryInvalid)
	}
	for _, vals := range v {
		if len(vals) > 1 {
			return nil, errAt(http.StatusBadRequest, CodeQueryInvalid)
		}
	}
	return v, nil
}

// validID reports whether s can be a taskId, deviceId or commandId: 1..64 characters of
// letters, digits, '-' and '_'.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// readOwner resolves the appId query parameter (AMB.R7: omitted means the caller's own app).
func (p *platform) readOwner(caller, appID string) (string, *apiError) {
	if appID == "" {
		return caller, nil
	}
	if p.world.App(appID) == nil {
		return "", errAt(http.StatusForbidden, CodeAppNotExist)
	}
	if !p.world.mayActFor(caller, appID) {
		return "", errAt(http.StatusForbidden, CodeAppNotAuthorized)
	}
	return appID, nil
}

// readPrologue is query's and details' common start: method, headers, throttle, query string.
func (p *platform) readPrologue(r *http.Request) (*state, string, url.Values, *apiError) {
	bad := errAt(http.StatusBadRequest, CodeQueryInvalid)
	if r.Method != http.MethodGet {
		return nil, "", nil, bad
	}
	st := p.st.Load()
	caller, aerr := p.authenticate(r, st, errAt(http.StatusBadRequest, CodeIllegalRequest), bad)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	q, aerr := queryParams(r)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	if p.readingAppIDTooLong(q.Get("appId")) {
		return nil, "", nil, bad
	}
	p.sweep(st)
	return st, caller, q, nil
}

// TaskView is query's answer (§2).
type TaskView struct {
	AppID       string     `json:"appId"`
	TaskID      string     `json:"taskId"`
	TaskName    string     `json:"taskName"`
	Operator    string     `json:"operator"`
	TaskFrom    string     `json:"taskFrom"`
	TaskType    string     `json:"taskType"`
	Status      string     `json:"status"`
	StartTime   string     `json:"startTime"`
	Timeout     int        `json:"timeout"`
	Progress    int        `json:"progress"`
	TotalCnt    int        `json:"totalCnt"`
	SuccessCnt  int        `json:"successCnt"`
	FailCnt     int        `json:"failCnt"`
	TimeoutCnt  int        `json:"timeoutCnt"`
	ExpiredCnt  int        `json:"expiredCnt"`
	CompleteCnt int        `json:"completeCnt"`
	SuccessRate int        `json:"successRate"`
	Param       *taskParam `json:"param,omitempty"` // nil only under fault param-missing
	Tags        *[]Tag     `json:"tags,omitempty"`
}

// query: GET tasks/{taskId} (§2).
func (p *platform) query(w http.ResponseWriter, r *http.Request) *apiError {
	st, caller, q, aerr := p.readPrologue(r)
	if aerr != nil {
		return aerr
	}
	id := strings.TrimPrefix(r.URL.Path, PathTasks+"/")
	if id == "" {
		return errAt(http.StatusBadRequest, CodeIllegalRequest)
	}
	sel := q.Get("select")
	if p.readingTaskIDMalformed(id) || (sel != "" && sel != "tags" && !p.fault(FaultSelectUnvalidated)) || (sel == "tags" && p.fault(FaultEnumsRejected)) {
		return errAt(http.StatusBadRequest, CodeQueryInvalid)
	}
	owner, aerr := p.readOwner(caller, q.Get("appId"))
	if aerr != nil {
		return aerr
	}
	t := st.engine.get(id)
	if t == nil || !p.visible(t, owner) || p.lagging(t) {
		return errAt(http.StatusNotFound, CodeTaskNotExist)
	}
	now := p.clock.Now()
	c := t.state(p.queryClock(now))
	v := TaskView{AppID: t.app, TaskID: t.id, TaskName: t.name, Operator: t.operator,
		TaskFrom: TaskFrom, TaskType: t.taskType, Status: c.status,
		StartTime: t.start.UTC().Format(StartTimeLayout), Timeout: t.timeout,
		Progress: permille(c.completeCnts, c.total, p.fault(FaultProgressPercent)),
		TotalCnt: c.total, SuccessCnt: c.success, FailCnt: c.fail, TimeoutCnt: c.timeout,
		ExpiredCnt: c.expired, CompleteCnt: c.completeCnts,
		SuccessRate: permille(c.success, c.total, false), Param: &t.param}
	p.formatsView(&v, t, c)
	p.consistencyView(&v, t, now)
	p.readingView(&v, c)
	if p.fault(FaultStartTimeRFC3339) {
		v.StartTime = t.start.UTC().Format(time.RFC3339)
	}
	if sel == "tags" {
		tags := st.engine.tagsOf(t)
		if tags == nil {
			tags = []Tag{}
		}
		v.Tags = &tags
	}
	writeJSON(w, http.StatusOK, p.formatsAnswer(p.readingAnswer(p.faultyView(v, t, c, now), t.id)))
	return nil
}

// SubtaskView is one entry of details' taskDetails (§4).
type SubtaskView struct {
	Status string       `json:"status"`
	Output string       `json:"output,omitempty"`
	Error  string       `json:"error,omitempty"`
	Param  SubtaskParam `json:"param"`
}

// SubtaskParam identifies a subtask's device and command.
type SubtaskParam struct {
	DeviceID  string `json:"deviceId"`
	CommandID string `json:"commandId"`
}

// DetailsPage is details' answer (§4).
type DetailsPage struct {
	PageNo      int           `json:"pageNo"`
	PageSize    int           `json:"pageSize"`
	TotalCount  int           `json:"totalCount"`
	TaskDetails []SubtaskView `json:"taskDetails"`
}

// Paging of details (§4).
const (
	DefaultPageSize = 25
	MaxPageSize     = 250
)

// details: GET taskDetails (§4, AMB.R6).
func (p *platform) details(w http.ResponseWriter, r *http.Request) *apiError {
	st, caller, q, aerr := p.readPrologue(r)
	if aerr != nil {
		return aerr
	}
	bad := errAt(http.StatusBadRequest, CodeQueryInvalid)
	id := q.Get("taskId")
	if id == "" {
		return errAt(http.StatusBadRequest, CodeIllegalRequest)
	}
	status, dev, cmd := q.Get("status"), q.Get("deviceId"), q.Get("commandId")
	switch status {
	case "", StatusPending, StatusWaitResult, StatusSuccess, StatusFail, StatusTimeout:
		if status != "" && p.fault(FaultEnumsRejected) {
			return bad
		}
	default:
		return bad
	}
	pageNo, pageSize := 0, DefaultPageSize
	var err error
	if s := q.Get("pageNo"); s != "" {
		if pageNo, err = strconv.Atoi(s); err != nil || pageNo < 0 || (pageNo == 0 && p.fault(FaultPagingEdges)) {
			return bad
		}
	}
	if s := q.Get("pageSize"); s != "" {
		if pageSize, err = strconv.Atoi(s); err != nil || pageSize < 1 || pageSize > p.maxPageSize() ||
			((pageSize == 1 || pageSize == p.maxPageSize()) && p.fault(FaultPagingEdges)) {
			return bad
		}
	}
	if p.fault(FaultDetailsPageSizeIgnore) {
		pageSize = DefaultPageSize
	}
	if p.readingTaskIDMalformed(id) || (dev != "" && !validID(dev)) || (cmd != "" && !validID(cmd)) {
		return bad
	}
	owner, aerr := p.readOwner(caller, q.Get("appId"))
	if aerr != nil {
		return aerr
	}
	t := st.engine.get(id)
	if t == nil || !p.detailsVisible(t, owner) || p.lagging(t) {
		return errAt(http.StatusNotFound, CodeTaskNotExist)
	}
	if p.fault(FaultDetailsStatusIgnored) {
		status = ""
	}
	t = st.engine.detailsOf(t)
	now := p.detailsClock(p.clock.Now())
	var all []SubtaskView
	for i, s := range t.subs {
		stt, _ := t.subStatus(i, now)
		if (status != "" && stt != status) || (dev != "" && s.device != dev) || (cmd != "" && s.commandID != cmd) {
			continue
		}
		o, e := subtaskResult(stt)
		all = append(all, SubtaskView{Status: p.subtaskStatus(stt), Output: o, Error: p.formatsSubtaskError(e),
			Param: SubtaskParam{DeviceID: s.device, CommandID: s.commandID}})
	}
	pageNo = p.detailsPageNo(pageNo, pageSize, len(all))
	page := DetailsPage{PageNo: pageNo, PageSize: pageSize, TotalCount: p.detailsTotal(len(all), t, status), TaskDetails: []SubtaskView{}}
	if pageNo <= len(all)/pageSize && !p.lastPageDropped(pageNo, pageSize, len(all)) {
		from, to := p.pageSpan(pageNo, pageSize, len(all))
		page.TaskDetails = append(page.TaskDetails, all[from:to]...)
	}
	writeJSON(w, http.StatusOK, p.detailsAnswer(page))
	return nil
}
