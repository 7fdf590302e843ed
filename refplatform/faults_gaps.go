package refplatform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the faults found by auditing the docs' rows (api-reference.md tables, the
// error rows of §1, §2 and §4, the calls of §4) against the catalogue: each breaks one doc row
// no earlier fault broke, the way an implementation written from the docs plausibly would. They
// all sit in one wrapper around the operations' handlers (gapsWrap), so the clean path does
// not change: with none of them on, the handler is served as is.
const (
	// FaultThrottle429 answers the throttle with HTTP 429, the status a generic rate limiter
	// sends, instead of the documented 403.
	FaultThrottle429 = "throttle-429"
	// FaultHTTP105002As409 answers a used task name with 409 Conflict instead of 200.
	FaultHTTP105002As409 = "http-105002-as-409"
	// FaultHTTP105201As409 answers a used tag pair with 409 Conflict instead of 400.
	FaultHTTP105201As409 = "http-105201-as-409"
	// FaultDetailsNoTaskID404 looks a missing taskId up like any other: 404/105005.
	FaultDetailsNoTaskID404 = "details-no-taskid-404"
	// FaultReadUnknownAppID404 answers an appId naming no application 404/105005 on query and
	// details: the task lookup is keyed by (appId, taskId) and the app is never checked.
	FaultReadUnknownAppID404 = "read-unknown-appid-404"
	// FaultLoginFrozenAllowed issues tokens to a frozen application.
	FaultLoginFrozenAllowed = "login-frozen-allowed"
	// FaultLoginEmptyAs100208 answers an empty appId or secret as a wrong one.
	FaultLoginEmptyAs100208 = "login-empty-as-100208"
	// FaultRefreshKeepsOld issues a new access token on refresh but leaves the previous one valid.
	FaultRefreshKeepsOld = "refresh-keeps-old-token"
	// FaultRefreshTokenUnchecked refreshes on appId and secret alone: any refreshToken will do.
	FaultRefreshTokenUnchecked = "refresh-token-unchecked"
	// FaultDetailsDeviceIDIgnored ignores details' deviceId filter.
	FaultDetailsDeviceIDIgnored = "details-deviceid-ignored"
	// FaultDetailsDeviceIDRenamed names a subtask's param.deviceId deviceID.
	FaultDetailsDeviceIDRenamed = "details-deviceid-renamed"
	// FaultQueryTaskIDUpper answers query's taskId as taskID, create's spelling (AMB.1 "fixed"
	// the other way round).
	FaultQueryTaskIDUpper = "query-taskID-uppercase"
	// FaultQueryNoOperator leaves operator out of query's answer.
	FaultQueryNoOperator = "query-no-operator"
	// FaultReadsTextPlain labels query's and details' answers text/plain: handlers that never set
	// Content-Type and let the server sniff the body.
	FaultReadsTextPlain = "reads-text-plain"
	// FaultPageNoNegativeZero reads a negative pageNo as 0 instead of refusing it.
	FaultPageNoNegativeZero = "pageno-negative-as-zero"
	// FaultDefaultPageSize10 pages details by 10 when pageSize is left out, not by 25.
	FaultDefaultPageSize10 = "details-default-pagesize-10"
	// FaultCreateUnknownAppIDCaller creates a task whose body appId names no application for
	// the caller (app_key) instead of answering 100203.
	FaultCreateUnknownAppIDCaller = "create-unknown-appid-as-caller"
	// FaultCreateForeignAppIDCaller creates a task whose body appId names an application the
	// caller may not act for, for the caller, instead of answering 403/100217.
	FaultCreateForeignAppIDCaller = "create-foreign-appid-as-caller"
	// FaultTokenExpiresEarly refuses access tokens after half of the expiresIn it answered.
	FaultTokenExpiresEarly = "token-expires-early"
	// FaultStatusFilterCaseless matches details' status filter without regard to case.
	FaultStatusFilterCaseless = "status-filter-caseless"
	// FaultDetailsCommandIDIgnored ignores details' commandId filter.
	FaultDetailsCommandIDIgnored = "details-commandid-ignored"
	// FaultDetailsTotalCountPage answers as totalCount the number of subtasks on the page.
	FaultDetailsTotalCountPage = "details-totalcount-page"
	// FaultSubtaskOutputObject answers a subtask's output as the JSON object its string holds.
	FaultSubtaskOutputObject = "subtask-output-object"
	// FaultLoginUnknownApp100203 answers a login of an appId naming no application 403/100203.
	FaultLoginUnknownApp100203 = "login-unknown-app-100203"
	// FaultAppKeyFromToken takes the calling application from the access token, not from
	// app_key: any application's latest token is accepted with any app_key.
	FaultAppKeyFromToken = "app-key-from-token"
	// FaultBearerOptional accepts an Authorization header of the bare token, without Bearer.
	FaultBearerOptional = "bearer-optional"
	// FaultActsForReadRefused lets an application create tasks for an application it acts
	// for, but refuses reads naming that application 403/100217.
	FaultActsForReadRefused = "actsfor-read-refused"
	// FaultTaskTypeCaseless accepts taskType in any case.
	FaultTaskTypeCaseless = "tasktype-caseless"
	// FaultDeviceTypeModelIgnored selects a DeviceType task's devices by deviceType alone.
	FaultDeviceTypeModelIgnored = "devicetype-model-ignored"
	// FaultTimeoutStringCoerced reads create's Integer members given as JSON strings of
	// digits as numbers: a JSON binder that coerces scalars (Jackson's default).
	FaultTimeoutStringCoerced = "integers-string-coerced"
	// FaultDeviceListSingleString reads a deviceList or groupList given as one string as a
	// list of it (Jackson's ACCEPT_SINGLE_VALUE_AS_ARRAY).
	FaultDeviceListSingleString = "list-single-string-accepted"
	// FaultTagValueCut1024 stores a tagValue longer than 1024 characters cut to 1024.
	FaultTagValueCut1024 = "tagvalue-cut-1024"
	// FaultReadForeignAppIDIgnored ignores an appId query parameter naming an application the
	// caller may not act for, and reads the caller's own tasks.
	FaultReadForeignAppIDIgnored = "read-foreign-appid-ignored"
	// FaultSubtaskExpiredStatus answers an expired subtask's status as Expired, the device
	// command's status, instead of Pending.
	FaultSubtaskExpiredStatus = "subtask-status-expired"
	// FaultGatewayErrorsTextPlain labels the gateway's own errors (1010005, 1010009) text/plain.
	FaultGatewayErrorsTextPlain = "gateway-errors-text-plain"
	// FaultTaskLimitPendingFree counts only Running tasks against the task limit.
	FaultTaskLimitPendingFree = "tasklimit-pending-uncounted"
	// FaultTaskNameBytes counts taskName's 256 in UTF-8 bytes, not characters.
	FaultTaskNameBytes = "taskname-bytes-256"
	// FaultUnknownTargetsSkipped skips the unknown devices or groups of a list instead of
	// answering 101001, as long as one entry is known.
	FaultUnknownTargetsSkipped = "unknown-targets-skipped"
)

func init() {
	registerFaults(map[string]string{
		FaultThrottle429: "the throttle (1010009) is answered with HTTP 429 Too Many Requests instead of 403, keeping the body " +
			"(ERR.create.403.1010009, ERR.query.403.1010009, ERR.details.403.1010009)",
		FaultHTTP105002As409: "a used task name (105002) is answered with HTTP 409 Conflict instead of 200 (ERR.create.200.105002)",
		FaultHTTP105201As409: "a used tag pair (105201) is answered with HTTP 409 Conflict instead of 400 (ERR.create.400.105201)",
		FaultDetailsNoTaskID404: "details without taskId answers 404/105005 (the empty id looked up) instead of 400/100019 " +
			"(ERR.details.400.100019)",
		FaultReadUnknownAppID404: "query and details answer an appId that names no application 404/105005 (the task looked up by " +
			"appId and taskId) instead of 403/100203 (ERR.query.403.100203, ERR.details.403.100203)",
		FaultLoginFrozenAllowed: "login and refreshToken issue tokens to a frozen application instead of answering 400/100247 " +
			"(ERR.login.400.100247, ERR.refresh.400.100247)",
		FaultLoginEmptyAs100208: "login and refreshToken answer an empty or missing appId, secret or refreshToken 401/100208 " +
			"instead of 400/102202 (ERR.login.400.102202, ERR.refresh.400.102202)",
		FaultRefreshKeepsOld: "refreshToken issues a new access token but leaves the previous one valid until it expires " +
			"(RULE.token-latest: login or refresh invalidates it)",
		FaultRefreshTokenUnchecked: "refreshToken checks appId and secret only: a wrong refreshToken is accepted " +
			"(ERR.refresh.401.100208, AMB.R5)",
		FaultDetailsDeviceIDIgnored: "details ignores the deviceId filter and answers every subtask (RULE.details-filter)",
		FaultDetailsDeviceIDRenamed: "details names a subtask's param.deviceId deviceID (RSP.details.taskDetails.param.deviceId)",
		FaultQueryTaskIDUpper:       "query answers taskID, create's spelling, instead of taskId (RSP.query.taskId, AMB.1)",
		FaultQueryNoOperator:        "query leaves operator out of its answer (RSP.query.operator)",
		FaultReadsTextPlain: "query and details answers carry Content-Type text/plain; charset=utf-8 (a handler that never sets " +
			"it, the server sniffing the body) (RULE.content-type)",
		FaultPageNoNegativeZero: "details reads a negative pageNo as 0 and answers the first page instead of 400/100022 (FLD.details.pageNo)",
		FaultDefaultPageSize10: "details pages by 10 when pageSize is left out, answering pageSize 10, instead of the documented default 25 " +
			"(FLD.details.pageSize)",
		FaultCreateUnknownAppIDCaller: "create with a body appId that names no application creates the task for the caller " +
			"(app_key) instead of answering 100203 (ERR.create.200.100203)",
		FaultCreateForeignAppIDCaller: "create with a body appId of an application the caller may not act for creates the task " +
			"for the caller instead of answering 403/100217 (ERR.create.403.100217, RULE.cross-app)",
		FaultTokenExpiresEarly: "access tokens are refused 403/1010005 after half of the expiresIn (3600 s) login answered " +
			"(RULE.token-expiry, RSP.login.expiresIn)",
		FaultStatusFilterCaseless: "details matches the status filter without regard to case: status=success is taken for Success " +
			"instead of 400/100022 (FLD.details.status)",
		FaultDetailsCommandIDIgnored: "details ignores the commandId filter and answers every subtask (RULE.details-filter)",
		FaultDetailsTotalCountPage: "details answers as totalCount the number of subtasks on the page, not of all that match " +
			"(RSP.details.totalCount, RULE.details-paging)",
		FaultSubtaskOutputObject: "details answers a subtask's output as the JSON object instead of a string holding it " +
			"(RSP.details.taskDetails.output)",
		FaultLoginUnknownApp100203: "login and refreshToken answer an appId that names no application 403/100203 instead of " +
			"401/100208 (ERR.login.401.100208, ERR.refresh.401.100208)",
		FaultAppKeyFromToken: "the calling application is taken from the access token, not from app_key: an application's " +
			"token is accepted with another's app_key instead of 403/1010005 (AMB.R1, ERR.*.403.1010005)",
		FaultBearerOptional: "an Authorization header holding the bare token, without 'Bearer ', is accepted instead of " +
			"403/1010005 (FLD.*.header.Authorization)",
		FaultActsForReadRefused: "query and details naming an application the caller acts for answer 403/100217, although " +
			"create for it succeeds (FLD.query.appId, RULE.cross-app)",
		FaultTaskTypeCaseless: "create accepts taskType in any case, devicecmd for DeviceCmd (FLD.create.taskType)",
		FaultDeviceTypeModelIgnored: "a DeviceType task targets every device of the deviceType, whatever its manufacturerId " +
			"and model (FLD.create.param.manufacturerId, FLD.create.param.model)",
		FaultTimeoutStringCoerced: "create accepts timeout and maxRetransmit given as JSON strings of digits (\"60\") and " +
			"reads them as numbers instead of 400/50400 (FLD.create.timeout, FLD.create.param.maxRetransmit: Integer)",
		FaultDeviceListSingleString: "create accepts a deviceList or groupList given as one string as a list of it instead of " +
			"400/50400 (FLD.create.param.deviceList, FLD.create.param.groupList: List<String>)",
		FaultTagValueCut1024: "create accepts a tagValue longer than 1024 characters and stores it cut to 1024 instead of " +
			"400/50400 (FLD.create.tags.tagValue)",
		FaultReadForeignAppIDIgnored: "query and details ignore an appId naming an application the caller may not act for and " +
			"read the caller's own task instead of 403/100217 (ERR.query.403.100217, ERR.details.403.100217)",
		FaultSubtaskExpiredStatus: "details answers an expired subtask's status Expired (the device command's status) instead of " +
			"Pending (RSP.details.taskDetails.status, AMB.R8)",
		FaultGatewayErrorsTextPlain: "the gateway's own errors, 1010005 and 1010009, carry Content-Type text/plain; charset=utf-8 " +
			"(RULE.content-type)",
		FaultTaskLimitPendingFree: "the task limit counts Running tasks only: tasks still Pending (no subtask delivered) hold no " +
			"slot, so a burst of creates over-admits (RULE.tasklimit, AMB.10: Pending tasks count)",
		FaultTaskNameBytes: "create measures taskName's 256 in UTF-8 bytes: a name of at most 256 characters but more bytes is " +
			"refused 400/50400 (FLD.create.taskName)",
		FaultUnknownTargetsSkipped: "a deviceList or groupList naming an unknown device or group beside known ones is accepted, " +
			"the unknown ones skipped, instead of 200/101001 (ERR.create.200.101001)",
	})
}

// gapFaults are this file's faults; gapsWrap serves the handler as is when none is on.
var gapFaults = []string{FaultThrottle429, FaultHTTP105002As409, FaultHTTP105201As409, FaultDetailsNoTaskID404,
	FaultReadUnknownAppID404, FaultLoginFrozenAllowed, FaultLoginEmptyAs100208, FaultRefreshKeepsOld,
	FaultRefreshTokenUnchecked, FaultDetailsDeviceIDIgnored, FaultDetailsDeviceIDRenamed, FaultQueryTaskIDUpper,
	FaultQueryNoOperator, FaultReadsTextPlain, FaultPageNoNegativeZero, FaultDefaultPageSize10,
	FaultCreateUnknownAppIDCaller, FaultCreateForeignAppIDCaller, FaultTokenExpiresEarly, FaultStatusFilterCaseless,
	FaultDetailsCommandIDIgnored, FaultDetailsTotalCountPage, FaultSubtaskOutputObject, FaultLoginUnknownApp100203,
	FaultAppKeyFromToken, FaultBearerOptional, FaultActsForReadRefused, FaultTaskTypeCaseless,
	FaultTimeoutStringCoerced, FaultDeviceListSingleString, FaultTagValueCut1024, FaultReadForeignAppIDIgnored,
	FaultSubtaskExpiredStatus, FaultGatewayErrorsTextPlain, FaultTaskNameBytes}

// gapsWrap is h, the handler of op, under this file's faults: it rewrites the request before
// h reads it, the error h answers, and the answer h writes, as the faults in force say.
func (p *platform) gapsWrap(op string, h opHandler) opHandler {
	on := false
	for _, f := range gapFaults {
		on = on || p.fault(f)
	}
	if !on {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		body, aerr := p.gapsRequest(op, w, r)
		if aerr != nil {
			return aerr
		}
		rec := &gapRecorder{header: http.Header{}}
		var prev *tokenPair
		if op == OpRefresh && p.fault(FaultRefreshKeepsOld) {
			prev = p.st.Load().auth.current(jsonField(body, "appId"))
		}
		aerr = h(rec, r)
		if aerr != nil {
			aerr = p.gapsError(op, rec, r, body, aerr)
		}
		if aerr == nil && prev != nil && rec.status == http.StatusOK {
			p.st.Load().auth.keep(jsonField(body, "appId"), *prev)
		}
		if aerr != nil {
			p.writeErr(rec, op, aerr)
		}
		p.gapsAnswer(op, rec, r)
		rec.flush(w)
		return nil
	}
}

// gapsRequest rewrites r for the request faults and answers the early refusals; it returns
// the body of a login, refresh or create, restored on r.
func (p *platform) gapsRequest(op string, w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	var body []byte
	if r.Body != nil && (op == OpLogin || op == OpRefresh || op == OpCreate) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		if err != nil {
			return nil, errAt(http.StatusBadRequest, CodeInputInvalid)
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	switch op {
	case OpRefresh:
		if p.fault(FaultRefreshTokenUnchecked) {
			body = p.refreshWithLatest(body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
	case OpCreate:
		if p.fault(FaultCreateUnknownAppIDCaller) || p.fault(FaultCreateForeignAppIDCaller) {
			body = p.createForCaller(body, r.Header.Get("App_key"))
		}
		if m, ok := decodeObject(body); ok {
			changed := p.coerceCreate(m)
			if tt, _ := m["taskType"].(string); tt != taskTypeDeviceCmd && strings.EqualFold(tt, taskTypeDeviceCmd) && p.fault(FaultTaskTypeCaseless) {
				m["taskType"], changed = taskTypeDeviceCmd, true
			}
			if name, _ := m["taskName"].(string); len(name) > docLimits.taskNameMax && p.fault(FaultTaskNameBytes) {
				return nil, errAt(http.StatusBadRequest, CodeInputInvalid)
			}
			if changed {
				body = encodeObject(m, body)
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	case OpDetails:
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			break
		}
		if p.fault(FaultDetailsDeviceIDIgnored) {
			q.Del("deviceId")
		}
		if p.fault(FaultDetailsCommandIDIgnored) {
			q.Del("commandId")
		}
		if n, err := strconv.Atoi(q.Get("pageNo")); err == nil && n < 0 && p.fault(FaultPageNoNegativeZero) {
			q.Set("pageNo", "0")
		}
		if !q.Has("pageSize") && p.fault(FaultDefaultPageSize10) {
			q.Set("pageSize", "10")
		}
		if s := q.Get("status"); s != "" && p.fault(FaultStatusFilterCaseless) {
			for _, st := range []string{StatusPending, StatusWaitResult, StatusSuccess, StatusFail, StatusTimeout} {
				if strings.EqualFold(s, st) {
					q.Set("status", st)
				}
			}
		}
		r.URL.RawQuery = q.Encode()
	}
	if op != OpCreate && op != OpQuery && op != OpDetails {
		return body, nil
	}
	if p.fault(FaultTokenExpiresEarly) && p.earlyExpired(r) {
		return nil, errAt(http.StatusForbidden, CodeTokenInvalid)
	}
	if a := r.Header.Get("Authorization"); a != "" && !strings.Contains(a, " ") && p.fault(FaultBearerOptional) {
		r.Header.Set("Authorization", "Bearer "+a)
	}
	if p.fault(FaultAppKeyFromToken) && p.world.App(r.Header.Get("App_key")) != nil {
		_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if owner := p.st.Load().auth.owner(strings.TrimSpace(tok)); owner != "" {
			r.Header.Set("App_key", owner)
		}
	}
	if app := r.URL.Query().Get("appId"); op != OpCreate && app != "" && p.world.App(app) != nil &&
		!p.world.mayActFor(r.Header.Get("App_key"), app) && p.fault(FaultReadForeignAppIDIgnored) {
		q := r.URL.Query()
		q.Del("appId")
		r.URL.RawQuery = q.Encode()
	}
	if app := r.URL.Query().Get("appId"); op != OpCreate && app != "" && app != r.Header.Get("App_key") &&
		p.world.App(app) != nil && p.world.mayActFor(r.Header.Get("App_key"), app) && p.fault(FaultActsForReadRefused) {
		return nil, errAt(http.StatusForbidden, CodeAppNotAuthorized)
	}
	return body, nil
}

// gapsError is the error answered for aerr, h's refusal of r, under the error faults; nil
// when the fault answers the call after all (written to w).
func (p *platform) gapsError(op string, w http.ResponseWriter, r *http.Request, body []byte, aerr *apiError) *apiError {
	hasHeaders := r.Header.Get("App_key") != "" && r.Header.Get("Authorization") != ""
	switch code := aerr.code; {
	case code == CodeThrottled && p.fault(FaultThrottle429):
		return errAt(http.StatusTooManyRequests, code)
	case code == CodeTaskNameExists && p.fault(FaultHTTP105002As409), code == CodeTagUsed && p.fault(FaultHTTP105201As409):
		return errAt(http.StatusConflict, code)
	case op == OpDetails && code == CodeIllegalRequest && hasHeaders && r.URL.Query().Get("taskId") == "" &&
		p.fault(FaultDetailsNoTaskID404):
		return errAt(http.StatusNotFound, CodeTaskNotExist)
	case (op == OpQuery || op == OpDetails) && code == CodeAppNotExist && r.URL.Query().Get("appId") != "" &&
		p.world.App(r.Header.Get("App_key")) != nil && p.fault(FaultReadUnknownAppID404):
		return errAt(http.StatusNotFound, CodeTaskNotExist)
	case (op == OpLogin || op == OpRefresh) && code == CodeParamEmpty && p.fault(FaultLoginEmptyAs100208):
		return errAt(http.StatusUnauthorized, CodeBadSecret)
	case (op == OpLogin || op == OpRefresh) && code == CodeBadSecret && p.fault(FaultLoginUnknownApp100203):
		app := jsonField(body, "appId")
		if op == OpLogin {
			v, _ := url.ParseQuery(string(body))
			app = v.Get("appId")
		}
		if p.world.App(app) == nil {
			return errAt(http.StatusForbidden, CodeAppNotExist)
		}
	case (op == OpLogin || op == OpRefresh) && code == CodeAppFrozen && p.fault(FaultLoginFrozenAllowed):
		app := jsonField(body, "appId")
		if op == OpLogin {
			v, _ := url.ParseQuery(string(body))
			app = v.Get("appId")
		}
		p.issue(w, app, op == OpLogin)
		return nil
	}
	return aerr
}

// gapsAnswer rewrites a successful answer recorded in rec under the answer faults.
func (p *platform) gapsAnswer(op string, rec *gapRecorder, r *http.Request) {
	if rec.status != http.StatusOK {
		if code, _ := decodeObject(rec.body.Bytes()); p.fault(FaultGatewayErrorsTextPlain) &&
			(code["error_code"] == CodeTokenInvalid || code["error_code"] == CodeThrottled) {
			rec.header.Set("Content-Type", "text/plain; charset=utf-8")
		}
		return
	}
	switch {
	case op == OpQuery && (p.fault(FaultQueryTaskIDUpper) || p.fault(FaultQueryNoOperator)):
		rec.rewrite(func(m map[string]any) {
			if p.fault(FaultQueryTaskIDUpper) {
				m["taskID"] = m["taskId"]
				delete(m, "taskId")
			}
			if p.fault(FaultQueryNoOperator) {
				delete(m, "operator")
			}
		})
	case op == OpDetails && (p.fault(FaultDetailsDeviceIDRenamed) || p.fault(FaultDetailsTotalCountPage) || p.fault(FaultSubtaskOutputObject)):
		rec.rewrite(func(m map[string]any) {
			l, _ := m["taskDetails"].([]any)
			if p.fault(FaultDetailsTotalCountPage) {
				m["totalCount"] = len(l)
			}
			for _, s := range l {
				sm, _ := s.(map[string]any)
				if sp, ok := sm["param"].(map[string]any); ok && p.fault(FaultDetailsDeviceIDRenamed) {
					sp["deviceID"] = sp["deviceId"]
					delete(sp, "deviceId")
				}
				if o, ok := decodeObject([]byte(fmt.Sprint(sm["output"]))); ok && p.fault(FaultSubtaskOutputObject) {
					sm["output"] = o
				}
			}
		})
	}
	if (op == OpQuery || op == OpDetails) && p.fault(FaultReadsTextPlain) {
		rec.header.Set("Content-Type", "text/plain; charset=utf-8")
	}
	if op == OpDetails && p.fault(FaultSubtaskExpiredStatus) {
		p.expiredStatus(rec, r)
	}
}

// refreshWithLatest is a refresh body whose refreshToken, when given, is replaced by the
// application's latest one, for the right appId and secret (fault refresh-token-unchecked).
func (p *platform) refreshWithLatest(body []byte) []byte {
	m, ok := decodeObject(body)
	if !ok {
		return body
	}
	app, _ := m["appId"].(string)
	secret, _ := m["secret"].(string)
	tok, _ := m["refreshToken"].(string)
	a := p.world.App(app)
	cur := p.st.Load().auth.current(app)
	if a == nil || a.Secret != secret || tok == "" || cur == nil {
		return body
	}
	m["refreshToken"] = cur.refresh
	return encodeObject(m, body)
}

// createForCaller is a create body whose appId is replaced by caller's when it names no
// application (create-unknown-appid-as-caller) or one caller may not act for
// (create-foreign-appid-as-caller).
func (p *platform) createForCaller(body []byte, caller string) []byte {
	m, ok := decodeObject(body)
	if !ok || p.world.App(caller) == nil {
		return body
	}
	app, isString := m["appId"].(string)
	switch {
	case !isString || app == "" || len(app) > 64:
		return body
	case p.world.App(app) == nil && p.fault(FaultCreateUnknownAppIDCaller),
		p.world.App(app) != nil && !p.world.mayActFor(caller, app) && p.fault(FaultCreateForeignAppIDCaller):
		m["appId"] = caller
		return encodeObject(m, body)
	}
	return body
}

// earlyExpired reports whether r carries its application's latest access token past half its
// lifetime (fault token-expires-early).
func (p *platform) earlyExpired(r *http.Request) bool {
	app := r.Header.Get("App_key")
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cur := p.st.Load().auth.current(app)
	return cur != nil && cur.access == strings.TrimSpace(tok) &&
		!p.clock.Now().Before(cur.issued.Add(p.st.Load().auth.life/2))
}

// current is a copy of app's latest token pair, nil when it has none.
func (a *auth) current(app string) *tokenPair {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.tokens[app]; p != nil {
		c := *p
		return &c
	}
	return nil
}

// keep keeps pair valid beside app's latest tokens until it expires (fault
// refresh-keeps-old-token).
func (a *auth) keep(app string, pair tokenPair) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.old == nil {
		a.old = map[string][]tokenPair{}
	}
	a.old[app] = append(a.old[app], pair)
}

// decodeObject decodes a JSON object keeping its numbers' literals.
func decodeObject(b []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// encodeObject is m as JSON, or orig when it cannot be written.
func encodeObject(m map[string]any, orig []byte) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		return orig
	}
	return b
}

// jsonField is a JSON object's string member k, "" when there is none.
func jsonField(b []byte, k string) string {
	m, _ := decodeObject(b)
	s, _ := m[k].(string)
	return s
}

// gapRecorder holds an answer until the answer faults have rewritten it.
type gapRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (g *gapRecorder) Header() http.Header { return g.header }

func (g *gapRecorder) WriteHeader(status int) {
	if g.status == 0 {
		g.status = status
	}
}

func (g *gapRecorder) Write(b []byte) (int, error) {
	if g.status == 0 {
		g.status = http.StatusOK
	}
	return g.body.Write(b)
}

// rewrite changes the recorded JSON object answer by change; an answer that is not one stays.
func (g *gapRecorder) rewrite(change func(m map[string]any)) {
	m, ok := decodeObject(g.body.Bytes())
	if !ok {
		return
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	g.body.Reset()
	g.body.Write(b)
}

// flush writes the recorded answer to w.
func (g *gapRecorder) flush(w http.ResponseWriter) {
	for k, vs := range g.header {
		w.Header()[k] = vs
	}
	if g.status == 0 {
		g.status = http.StatusOK
	}
	w.Header().Set("Content-Length", strconv.Itoa(g.body.Len()))
	w.WriteHeader(g.status)
	_, _ = w.Write(g.body.Bytes())
}

// owner is the application whose latest access token token is, "" when none's is.
func (a *auth) owner(token string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	for app, p := range a.tokens {
		if token != "" && p.access == token {
			return app
		}
	}
	return ""
}

// gapEngine holds this file's engine-level faults.
type gapEngine struct {
	modelIgnored, unknownSkipped, pendingFree bool
}

// applyGapFaults switches this file's engine-level faults on in a fresh state.
func (p *platform) applyGapFaults(st *state) {
	st.engine.gaps = gapEngine{modelIgnored: p.fault(FaultDeviceTypeModelIgnored),
		unknownSkipped: p.fault(FaultUnknownTargetsSkipped), pendingFree: p.fault(FaultTaskLimitPendingFree)}
}

// gapTargets is the devices (or the refusal) of targets, devs and aerr, under the
// engine-level faults of this file.
func (e *engine) gapTargets(p *taskParam, devs []*Device, aerr *apiError) ([]*Device, *apiError) {
	g, w := e.gaps, e.world
	var match func(d *Device) bool
	switch {
	case g.modelIgnored && p.Type == TypeDeviceType && p.DeviceType != nil:
		match = func(d *Device) bool { return d.DeviceType == *p.DeviceType }
	case g.unknownSkipped && aerr != nil && aerr.code == CodeResourceMissing && p.Type == TypeDeviceList && p.DeviceList != nil:
		match = func(d *Device) bool { return slices.Contains(*p.DeviceList, d.ID) }
	case g.unknownSkipped && aerr != nil && aerr.code == CodeResourceMissing && p.GroupList != nil &&
		(p.Type == TypeGroupList || p.Type == TypeGroupIDList):
		match = func(d *Device) bool {
			gs := d.Groups
			if p.Type == TypeGroupIDList {
				gs = d.GroupIDs
			}
			return slices.ContainsFunc(gs, func(x string) bool { return slices.Contains(*p.GroupList, x) })
		}
	default:
		return devs, aerr
	}
	var out []*Device
	for i := range w.Devices {
		if match(&w.Devices[i]) {
			out = append(out, &w.Devices[i])
		}
	}
	if len(out) == 0 {
		return devs, aerr
	}
	return out, nil
}

// taskTypeDeviceCmd is the one taskType of §1.
const taskTypeDeviceCmd = "DeviceCmd"

// coerceCreate applies the binder faults to a create body: digit strings for timeout and
// maxRetransmit (integers-string-coerced), one string for a list (list-single-string-accepted),
// tag values cut to 1024 characters (tagvalue-cut-1024); it reports whether it changed m.
func (p *platform) coerceCreate(m map[string]any) (changed bool) {
	param, _ := m["param"].(map[string]any)
	digits := func(obj map[string]any, k string) {
		if v, ok := obj[k].(string); ok && p.fault(FaultTimeoutStringCoerced) {
			if _, err := strconv.Atoi(v); err == nil {
				obj[k], changed = json.Number(v), true
			}
		}
	}
	digits(m, "timeout")
	if param != nil {
		digits(param, "maxRetransmit")
		for _, k := range []string{"deviceList", "groupList"} {
			if v, ok := param[k].(string); ok && p.fault(FaultDeviceListSingleString) {
				param[k], changed = []any{v}, true
			}
		}
	}
	tags, _ := m["tags"].([]any)
	for _, tg := range tags {
		tm, _ := tg.(map[string]any)
		if v, ok := tm["tagValue"].(string); ok && p.fault(FaultTagValueCut1024) {
			if rs := []rune(v); len(rs) > 1024 {
				tm["tagValue"], changed = string(rs[:1024]), true
			}
		}
	}
	return changed
}

// expiredStatus rewrites a details answer's Pending subtasks that expired to Expired (fault
// subtask-status-expired).
func (p *platform) expiredStatus(rec *gapRecorder, r *http.Request) {
	t := p.st.Load().engine.get(r.URL.Query().Get("taskId"))
	if t == nil {
		return
	}
	now := p.clock.Now()
	expired := map[string]bool{}
	for i, s := range t.subs {
		if _, exp := t.subStatus(i, now); exp {
			expired[s.device] = true
		}
	}
	rec.rewrite(func(m map[string]any) {
		l, _ := m["taskDetails"].([]any)
		for _, s := range l {
			sm, _ := s.(map[string]any)
			sp, _ := sm["param"].(map[string]any)
			if dev, _ := sp["deviceId"].(string); sm["status"] == StatusPending && expired[dev] {
				sm["status"] = "Expired"
			}
		}
	})
}

// heldSlots is how many of live, an application's unfinished tasks, hold a task slot at now:
// all, or under tasklimit-pending-uncounted only those with a subtask delivered (Running).
func (g gapEngine) heldSlots(live []*task, now time.Time) int {
	if !g.pendingFree {
		return len(live)
	}
	n := 0
	for _, t := range live {
		if t.state(now).status != StatusPending {
			n++
		}
	}
	return n
}
