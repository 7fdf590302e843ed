package refplatform

import (
	"fmt"
	"sort"
	"sync"

	"github.com/batchcert/batchcert/refplatform/gqlfacade"
)

// Fault is a named way to break the reference platform on purpose. The self-test switches each
// one on and expects at least one check to catch it.
type Fault struct {
	Name        string
	Description string
}

// The named faults. Adding one is an entry here and an `if p.fault(...)` on its code path.
// Each models a deviation a vendor could plausibly ship; the registry's text says which.
const (
	// field names and units
	FaultCreateTaskIDLowercase = "create-taskId-lowercase"
	FaultProgressPercent       = "progress-percent"
	FaultTimeoutSeconds        = "timeout-seconds"
	FaultStartTimeRFC3339      = "starttime-rfc3339"
	FaultTaskFromPortal        = "taskfrom-portal"
	FaultParamMissing          = "param-missing"
	FaultParamCommandDropped   = "param-command-dropped"
	// rounding and counters
	FaultProgressRoundUp         = "progress-round-up"
	FaultSuccessRateNearest      = "successrate-round-nearest"
	FaultSuccessRateOverComplete = "successrate-over-complete"
	FaultCompleteCntNoTimeouts   = "completecnt-no-timeouts"
	FaultExpiredAsTimeout        = "expired-as-timeout"
	FaultExpiredAsComplete       = "expired-as-complete"
	FaultTotalCntPlusOne         = "totalcnt-plus-one"
	// statuses and regressions
	FaultStatusCompleted       = "status-completed"
	FaultStatusLowercase       = "status-lowercase"
	FaultStatusRegress         = "status-regress"
	FaultProgressRegress       = "progress-regress"
	FaultTagsAlways            = "tags-always"
	FaultTagsNever             = "tags-never"
	FaultSelectUnvalidated     = "select-unvalidated"
	FaultCrossAppRead          = "cross-app-read"
	FaultDetailsStatusIgnored  = "details-status-ignored"
	FaultDetailsPageSizeIgnore = "details-pagesize-ignored"
	// error answers
	FaultErrorBodyResultCode = "error-body-resultcode"
	FaultErrorNoDesc         = "error-no-desc"
	FaultErrorCodeNumeric    = "error-code-numeric"
	FaultHTTP105005As400     = "http-105005-as-400"
	FaultHTTP1010005As401    = "http-1010005-as-401"
	FaultHTTP105001As403     = "http-105001-as-403"
	FaultCreate50252LongName = "create-50252-long-name"
	// boundaries
	FaultTaskName257Accepted    = "taskname-257-accepted"
	FaultTaskName256Rejected    = "taskname-256-rejected"
	FaultTimeout9Accepted       = "timeout-9-accepted"
	FaultTimeout2881Accepted    = "timeout-2881-accepted"
	FaultMaxRetransmit4Accepted = "maxretransmit-4-accepted"
	FaultPageSize251Accepted    = "pagesize-251-accepted"
	// rules
	FaultTaskLimit11         = "tasklimit-11"
	FaultTaskLimitNonAtomic  = "tasklimit-nonatomic"
	FaultThrottle110         = "throttle-110"
	FaultThrottleNeverResets = "throttle-never-resets"
	FaultThrottlePerToken    = "throttle-per-token"
	FaultTaskNameDuplicate   = "taskname-duplicate-accepted"
	FaultTokenNotSuperseded  = "token-not-superseded"
	FaultTokenNeverExpires   = "token-never-expires"
	// input validation and edges
	FaultValidationLax   = "validation-lax"
	FaultEdgesRejected   = "edges-rejected"
	FaultEnumsRejected   = "enum-values-rejected"
	FaultReadLag         = "read-after-create-lag"
	FaultPagingEdges     = "paging-edges-rejected"
	FaultMissingHeader   = "missing-header-1010005"
	FaultNoRightsAllowed = "norights-allowed"
	// status codes and answer shapes
	FaultErrorsStatus500       = "errors-status-500"
	FaultHTTP500As502          = "http-500-as-502"
	FaultCreate201             = "create-201"
	FaultDetailsNoTotalCount   = "details-no-totalcount"
	FaultDetailsPageClamped    = "details-page-clamped"
	FaultDetailsPageNoOneBased = "details-pageno-one-based"
	FaultPendingAsWaitResult   = "pending-as-waitresult"
	FaultQueryNoAppID          = "query-no-appid"
	// tokens
	FaultExpiresInMillis    = "login-expiresin-ms"
	FaultExpiresInString    = "login-expiresin-string"
	FaultLoginTokenReused   = "login-token-reused"
	FaultRefreshAfterExpiry = "refresh-after-expiry-refused"
	// engine rules
	FaultTaskLimitSlotKept    = "tasklimit-slot-kept"
	FaultTagPairNotBound      = "tag-pair-not-bound"
	FaultTaskNameUniqueGlobal = "taskname-unique-global"
	// the GraphQL facade (its answers only; the engine stays clean)
	FaultGQLFieldRenamed     = gqlfacade.FaultFieldRenamed
	FaultGQLNullableNonNull  = gqlfacade.FaultNullableNonNull
	FaultGQLErrorWithoutCode = gqlfacade.FaultErrorWithoutCode
	FaultGQLDataDisagrees    = gqlfacade.FaultDataDisagrees
)

var faultRegistry = map[string]string{
	FaultCreateTaskIDLowercase: "create answers {\"taskId\"} instead of {\"taskID\"} (AMB.1)",
	FaultProgressPercent:       "query answers progress in percent (0..100) instead of permille (AMB.3)",
	FaultTimeoutSeconds:        "query echoes timeout converted to seconds instead of the minutes create was given (AMB.2)",
	FaultStartTimeRFC3339:      "query answers startTime in RFC 3339 instead of yyyyMMdd'T'HHmmss'Z' (AMB.11)",
	FaultTaskFromPortal:        "query answers taskFrom \"Portal\" for tasks created through the northbound API (INV.taskFrom)",
	FaultParamMissing:          "query leaves param out of its answer (INV.echo)",
	FaultParamCommandDropped:   "query echoes param without its command (INV.echo)",

	FaultProgressRoundUp:         "progress is rounded up instead of down (AMB.3)",
	FaultSuccessRateNearest:      "successRate is rounded to the nearest permille instead of down (AMB.3)",
	FaultSuccessRateOverComplete: "successRate is successCnt/completeCnt instead of successCnt/totalCnt (AMB.5)",
	FaultCompleteCntNoTimeouts:   "completeCnt counts successes and failures but not timed-out subtasks (INV.completeCnt)",
	FaultExpiredAsTimeout:        "expired subtasks are counted in timeoutCnt (expiredCnt stays 0) (AMB.R8)",
	FaultExpiredAsComplete:       "expired subtasks are counted in completeCnt as if they had run (INV.completeCnt)",
	FaultTotalCntPlusOne:         "totalCnt is one more than the number of subtasks (INV.counters-bounded)",

	FaultStatusCompleted:       "a finished task's status is spelled \"Completed\" instead of \"Complete\" (RSP.query.status)",
	FaultStatusLowercase:       "a running task's status is spelled \"running\" instead of \"Running\" (RSP.query.status)",
	FaultStatusRegress:         "a lagging read replica reports a Complete task as Running again on every second read (INV.status-moves)",
	FaultProgressRegress:       "a lagging read replica answers every second read of a running task with the progress of 30 s earlier (INV.monotonic)",
	FaultTagsAlways:            "query answers tags even without select=tags (INV.tags-select)",
	FaultTagsNever:             "query never answers tags, even with select=tags (INV.tags-select)",
	FaultSelectUnvalidated:     "query accepts any select value instead of answering 100022 (AMB.R2)",
	FaultCrossAppRead:          "query and details find a task of another application by its id (RULE.cross-app)",
	FaultDetailsStatusIgnored:  "details ignores the status filter and answers every subtask (FLD.details.status)",
	FaultDetailsPageSizeIgnore: "details ignores pageSize: every page holds up to 25 entries and answers pageSize 25 (FLD.details.pageSize)",

	FaultErrorBodyResultCode: "error bodies are {\"resultcode\",\"resultmsg\"} instead of {\"error_code\",\"error_desc\"} (AMB.7)",
	FaultErrorNoDesc:         "error bodies carry error_code only, without error_desc (RULE.error-body)",
	FaultErrorCodeNumeric:    "error bodies carry error_code as a JSON number instead of a string (AMB.7)",
	FaultHTTP105005As400:     "an unknown taskId (105005) is answered with HTTP 400 instead of 404 (ERR.query.404.105005)",
	FaultHTTP1010005As401:    "an invalid access token (1010005) is answered with HTTP 401 instead of 403 (ERR.*.403.1010005)",
	FaultHTTP105001As403:     "the task limit (105001) is answered with HTTP 403 instead of 200 (ERR.create.200.105001)",
	FaultCreate50252LongName: "create answers 500/50252 when taskName is longer than 128 characters (a too-narrow database column)",

	FaultTaskName257Accepted:    "create accepts a taskName of 257 characters (FLD.create.taskName: at most 256)",
	FaultTaskName256Rejected:    "create rejects a taskName of 256 characters (FLD.create.taskName: at most 256)",
	FaultTimeout9Accepted:       "create accepts timeout 9 (FLD.create.timeout: 10..2880)",
	FaultTimeout2881Accepted:    "create accepts timeout 2881 (FLD.create.timeout: 10..2880)",
	FaultMaxRetransmit4Accepted: "create accepts param.maxRetransmit 4 (FLD.create.param.maxRetransmit: 0..3)",
	FaultPageSize251Accepted:    "details accepts pageSize 251 (FLD.details.pageSize: 1..250)",

	FaultTaskLimit11:         "the task limit admits 11 unfinished tasks instead of 10 (AMB.10)",
	FaultTaskLimitNonAtomic:  "the task-limit check and the insert are not atomic, so concurrent creates over-admit (RULE.tasklimit)",
	FaultThrottle110:         "the throttle admits 10 calls more per window than configured (AMB.9)",
	FaultThrottleNeverResets: "the throttle's window never resets: once the limit is reached the application stays throttled (AMB.9)",
	FaultThrottlePerToken:    "the throttle counts per access token instead of per application, so a new login resets the quota (AMB.9)",
	FaultTaskNameDuplicate:   "create accepts a task name the application already used instead of answering 105002 (AMB.R9)",
	FaultTokenNotSuperseded:  "a new login does not invalidate the application's previous access token (RULE.token-latest)",
	FaultTokenNeverExpires:   "access tokens are accepted after their 3600 s lifetime (RULE.token-expiry)",

	FaultValidationLax:   "create does not reject a body that breaks a field rule but processes what it can, defaulting or ignoring the rest (FLD.create.*)",
	FaultEdgesRejected:   "create rejects values exactly at a documented minimum or maximum with 400/50400 (an exclusive bound check, FLD.create.*)",
	FaultPagingEdges:     "details rejects pageNo 0 given explicitly and pageSize 1 or 250 with 400/100022: exclusive bounds on paging (FLD.details.pageNo, FLD.details.pageSize)",
	FaultReadLag:         "a task is not readable until 5 s after it was created: query and taskDetails answer 404/105005 while the read index catches up (RSP.query.taskId)",
	FaultEnumsRejected:   "documented enum values of query parameters (select=tags, a details status filter) are answered 400/100022: the filter is wired to the wrong list (FLD.query.select, FLD.details.status)",
	FaultMissingHeader:   "create answers a missing app_key or Authorization header with 403/1010005 instead of 400/50400 (AMB.R1)",
	FaultNoRightsAllowed: "create lets an application without batch-task rights create tasks instead of answering 401/100028 (AMB.R7)",

	FaultErrorsStatus500:       "a gateway answers every error with HTTP 500, keeping the platform's error body (ERR.*)",
	FaultHTTP500As502:          "a reverse proxy answers the platform's HTTP 500 errors as 502 Bad Gateway, keeping the body (ERR.*.500.*)",
	FaultCreate201:             "a successful create answers HTTP 201 Created instead of 200 (RSP.create.taskID)",
	FaultDetailsNoTotalCount:   "details answers leave out totalCount (RSP.details.totalCount)",
	FaultDetailsPageClamped:    "details answers a pageNo past the last page with the last page instead of an empty one (FLD.details.pageNo)",
	FaultDetailsPageNoOneBased: "details numbers pages from 1 in its answer: the first page comes back as pageNo 1 (RSP.details.pageNo)",
	FaultPendingAsWaitResult:   "details reports subtasks queued but not yet delivered as WaitResult instead of Pending (AMB.R8)",
	FaultQueryNoAppID:          "query leaves appId out of its answer (RSP.query.appId)",

	FaultExpiresInMillis:    "login and refreshToken answer expiresIn in milliseconds (3600000) instead of seconds (RSP.login.expiresIn)",
	FaultExpiresInString:    "login and refreshToken answer expiresIn as a JSON string (\"3600\") instead of an integer (RSP.login.expiresIn)",
	FaultLoginTokenReused:   "a login while the access token is still valid answers that same token instead of a new one (AMB.R10)",
	FaultRefreshAfterExpiry: "refreshToken answers 401/100208 once the access token has expired, although the refresh token is valid (RULE.token-expiry)",

	FaultTaskLimitSlotKept:    "finished tasks keep counting against the task limit, so a slot is never freed (AMB.10)",
	FaultTagPairNotBound:      "a (tagName, tagValue) pair a task used does not become bound, so another task may use it again (AMB.R4)",
	FaultTaskNameUniqueGlobal: "task names are unique across all applications instead of per application (AMB.R9)",

	FaultGQLFieldRenamed:     gqlfacade.Descriptions[FaultGQLFieldRenamed],
	FaultGQLNullableNonNull:  gqlfacade.Descriptions[FaultGQLNullableNonNull],
	FaultGQLErrorWithoutCode: gqlfacade.Descriptions[FaultGQLErrorWithoutCode],
	FaultGQLDataDisagrees:    gqlfacade.Descriptions[FaultGQLDataDisagrees],
}

// registerFaults adds a file's named faults to the registry, from that file's init: each class
// of faults (faults_*.go) keeps its names, descriptions and code paths together. A name given
// twice is a programming error.
func registerFaults(m map[string]string) {
	for name, desc := range m {
		if _, dup := faultRegistry[name]; dup {
			panic("refplatform: fault " + name + " registered twice")
		}
		faultRegistry[name] = desc
	}
}

// Faults lists the named faults, sorted by name.
func Faults() []Fault {
	out := make([]Fault, 0, len(faultRegistry))
	for n, d := range faultRegistry {
		out = append(out, Fault{Name: n, Description: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// faultSet is the set of named faults in force.
type faultSet map[string]bool

func newFaultSet(names []string) (faultSet, error) {
	s := faultSet{}
	for _, n := range names {
		if _, ok := faultRegistry[n]; !ok {
			return nil, fmt.Errorf("unknown fault %q (batchcert serve -list-faults lists them)", n)
		}
		s[n] = true
	}
	return s, nil
}

// injected is a control-API fault: the next count calls of an operation answer status/code.
type injected struct {
	count  int
	status int
	code   string
}

// injector holds the control-API faults per operation.
type injector struct {
	mu  sync.Mutex
	ops map[string]*injected
}

func (in *injector) set(op string, f injected) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ops == nil {
		in.ops = map[string]*injected{}
	}
	if f.count <= 0 {
		delete(in.ops, op)
		return
	}
	in.ops[op] = &f
}

// take consumes one injected answer of op, if any.
func (in *injector) take(op string) (*apiError, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	f := in.ops[op]
	if f == nil {
		return nil, false
	}
	f.count--
	if f.count <= 0 {
		delete(in.ops, op)
	}
	return errAt(f.status, f.code), true
}

func (in *injector) clear() {
	in.mu.Lock()
	in.ops = nil
	in.mu.Unlock()
}
