package refplatform

import (
	"encoding/json"
	"net/http"
)

// Operation names: the OpenAPI operationIds, used by the control API and the counters.
const (
	OpLogin   = "login"
	OpRefresh = "refreshToken"
	OpCreate  = "createBatchTask"
	OpQuery   = "queryBatchTask"
	OpDetails = "queryTaskDetails"
)

// Operations lists every operation the platform serves.
var Operations = []string{OpLogin, OpRefresh, OpCreate, OpQuery, OpDetails}

// Error codes of the API (§1, §2, §4 of the API reference).
const (
	CodeIllegalRequest   = "100019"  // query: a mandatory parameter is not set
	CodeQueryInvalid     = "100022"  // query: an input parameter is invalid
	CodeNoRight          = "100028"  // create: the user has no right
	CodeAppNotExist      = "100203"  // the application is not existed
	CodeAppNotAuthorized = "100217"  // the application hasn't been authorized
	CodeResourceMissing  = "101001"  // create: a referenced resource does not exist
	CodeTaskLimit        = "105001"  // create: 10 unfinished tasks
	CodeTaskNameExists   = "105002"  // create: task name used
	CodeTaskNotExist     = "105005"  // query: unknown taskId
	CodeTagUsed          = "105201"  // create: tag pair already bound
	CodeTagNotExist      = "105202"  // create: tag name not registered
	CodeTokenInvalid     = "1010005" // bad token
	CodeThrottled        = "1010009" // app throttle exceed
	CodeInternal         = "50252"   // internal server error
	CodeInputInvalid     = "50400"   // create: the input is invalid
	CodeAppFrozen        = "100247"  // login: application frozen
	CodeParamEmpty       = "102202"  // login: a required parameter is empty
	CodeBadSecret        = "100208"  // login: appId or secret is not right
)

// The doc descriptions, per table: create's and query's texts differ in punctuation, and
// details and refresh reuse query's and login's (AMB.R5, AMB.R6).
var (
	createDescs = map[string]string{
		CodeAppNotExist:      "The application is not existed.",
		CodeResourceMissing:  "Resource doesn't exist.",
		CodeTaskLimit:        "The batchTask count has reached the limit.",
		CodeTaskNameExists:   "The batchTask name has exist.",
		CodeTagUsed:          "The tagName and tagValue has been used on the platform.",
		CodeInputInvalid:     "The input is invalid.",
		CodeNoRight:          "The user has no right.",
		CodeAppNotAuthorized: "The application hasn't been authorized.",
		CodeThrottled:        "app throttle exceed.",
		CodeTokenInvalid:     "App_key or access_token is invalid.",
		CodeTagNotExist:      "The tag is not existed.",
		CodeInternal:         "Internal server error.",
	}
	queryDescs = map[string]string{
		CodeIllegalRequest:   "Illegal request.",
		CodeQueryInvalid:     "The input is invalid",
		CodeAppNotExist:      "The application is not existed.",
		CodeAppNotAuthorized: "The application hasn't been authorized",
		CodeThrottled:        "app throttle exceed.",
		CodeTokenInvalid:     "App_key or access_token is invalid.",
		CodeTaskNotExist:     "The batchTask is not existed.",
		CodeInternal:         "Internal server error.",
	}
	loginDescs = map[string]string{
		CodeAppFrozen:  "The application is frozen.",
		CodeParamEmpty: "The required parameter is empty.",
		CodeBadSecret:  "AppId or secret is not right.",
		CodeInternal:   "Internal server error.",
	}
)

// Description returns the documented error_desc of code as operation op answers it, or ""
// when op's table has no such code (a control fault may inject any code; then the text of
// another table is used when one has it).
func Description(op, code string) string {
	var table map[string]string
	switch op {
	case OpCreate:
		table = createDescs
	case OpQuery, OpDetails:
		table = queryDescs
	default:
		table = loginDescs
	}
	if d, ok := table[code]; ok {
		return d
	}
	for _, t := range []map[string]string{createDescs, queryDescs, loginDescs} {
		if d, ok := t[code]; ok {
			return d
		}
	}
	return ""
}

// apiError is an error answer: an HTTP status and an error code.
type apiError struct {
	status int
	code   string
}

func (e *apiError) Error() string { return "api error " + e.code }

func errAt(status int, code string) *apiError { return &apiError{status: status, code: code} }

// ContentType is the Content-Type of every JSON answer (AMB.7).
const ContentType = "application/json;charset=UTF-8"

// ErrorBody is the platform's error body (AMB.7, RULE.error-body).
type ErrorBody struct {
	Code string `json:"error_code"`
	Desc string `json:"error_desc"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value written is one of our own types; this cannot fail, but never answer
		// an undocumented status for it.
		b = []byte(`{"error_code":"50252","error_desc":"Internal server error."}`)
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, op string, e *apiError) {
	writeJSON(w, e.status, ErrorBody{Code: e.code, Desc: Description(op, e.code)})
}
