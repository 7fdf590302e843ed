package refplatform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// A reading is a defensible way to read a point where the API reference contradicts itself or
// says nothing (the catalog's ambiguities, docs/design.md). The reference serves the harness's
// own reading by default; WithReading makes it serve another one as a mode, so tests can show
// that the lenient profile accepts it and doc-strict names it. A mode is not a fault: a
// platform serving it is correct under the reading.

// Reading ids (the catalog's AMB.* ids) the reference can serve another value of.
const (
	ReadingCreateIDField   = "AMB.1"
	ReadingTimeoutUnit     = "AMB.2"
	ReadingRateScale       = "AMB.3"
	ReadingQueryParam      = "AMB.4"
	ReadingSuccessRateDen  = "AMB.5"
	ReadingUnknownAppID    = "AMB.6"
	ReadingErrorBody       = "AMB.7"
	ReadingDeviceType      = "AMB.8"
	ReadingThrottle        = "AMB.9"
	ReadingTimeFormat      = "AMB.11"
	ReadingAuthOrder       = "AMB.R1"
	ReadingQueryAppIDLen   = "AMB.R11"
	ReadingUnknownTaskID   = "AMB.R12"
	ReadingIntegerForm     = "AMB.R13"
	ReadingCompleteCnt     = "AMB.R16"
	readingExpiredIncluded = "included"
	readingErrorBodyAll    = "lenient"
	readingErrorBodyGW     = "gateway"
	readingGatewayFirst    = "gateway-first"
	readingAppIDUnchecked  = "unchecked"
	readingTaskIDChecked   = "invalid"
	readingParamFileID     = "fileid"
	readingDeviceTypeOpt   = "optional"
	readingThrottleSliding = "sliding"
)

// ReadingMode is one value the reference can serve for a reading.
type ReadingMode struct {
	ID, Option, Value, Description string
}

// readingModes lists, per reading id, the catalog option it stands for and the values the
// reference serves besides its default.
var readingModes = []ReadingMode{
	{ReadingCreateIDField, "createIdField", "taskId", "create answers {\"taskId\"} (query's spelling)"},
	{ReadingTimeoutUnit, "timeoutUnit", "seconds", "query answers timeout in seconds, as the query page says"},
	{ReadingRateScale, "rateScale", "percent", "progress and successRate are percentages 0..100, rounded down, as the query example reads"},
	{ReadingQueryParam, "queryParam", readingParamFileID, "query's param carries a fileId member besides the ObjectNode create was given, as the query example shows"},
	{ReadingSuccessRateDen, "successRateDenominator", "complete", "successRate is successCnt over completeCnt"},
	{ReadingUnknownAppID, "unknownAppIdStatus", "403", "create answers a body appId that names no application 403/100203 instead of 200/100203"},
	{ReadingErrorBody, "errorBody", readingErrorBodyGW, "the gateway's codes 1010005 and 1010009 come as {resultcode, resultmsg}; platform errors keep {error_code, error_desc}"},
	{ReadingErrorBody, "errorBody", readingErrorBodyAll, "every error body is {resultcode, resultmsg}"},
	{ReadingDeviceType, "deviceTypeFields", readingDeviceTypeOpt, "a DeviceType task may leave manufacturerId and model out; it targets every device of the type"},
	{ReadingThrottle, "throttle.type", readingThrottleSliding, "the throttle is a sliding log: at most the limit in any window-long span"},
	{ReadingTimeFormat, "timeFormat", "rfc3339", "startTime is RFC 3339"},
	{ReadingAuthOrder, "authOrder", readingGatewayFirst, "a gateway checks app_key and Authorization first: a missing header or an unknown app_key answers 403/1010005"},
	{ReadingQueryAppIDLen, "queryAppIdLength", readingAppIDUnchecked, "query and details look up an appId of any length: over 64 characters it names no application, 403/100203"},
	{ReadingUnknownTaskID, "unknownTaskId", readingTaskIDChecked, "query and details answer a taskId that is not in the reference's id format (24 lower-case hex digits) 400/100022"},
	{ReadingIntegerForm, "integerForm", readingIntegerIntegral, "query answers its Integer members (counters, progress, successRate, timeout) with a zero fraction: 3.0"},
	{ReadingCompleteCnt, "completeCnt", readingExpiredIncluded, "completeCnt counts the expired subtasks too, as the query example does (70 + 10 + 10 + 10 expired = 100): progress reaches 1000 on Timeout"},
}

// ReadingModes lists every reading value the reference can serve, sorted by id and value.
func ReadingModes() []ReadingMode {
	out := append([]ReadingMode{}, readingModes...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// WithReading makes the reference serve value for a reading, named by its id ("AMB.R1") or
// its catalog option ("authOrder"). Unknown names and values are an error listing the known
// ones.
func WithReading(name, value string) Option {
	return func(s *Server) error {
		id, err := readingID(name, value)
		if err != nil {
			return err
		}
		if s.p.readings == nil {
			s.p.readings = map[string]string{}
		}
		s.p.readings[id] = value
		return nil
	}
}

// ParseReading splits a NAME=VALUE flag value and checks it names a served reading.
func ParseReading(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || value == "" {
		return "", "", fmt.Errorf("reading %q: want NAME=VALUE, e.g. AMB.R1=gateway-first", s)
	}
	if _, err := readingID(name, value); err != nil {
		return "", "", err
	}
	return name, value, nil
}

func readingID(name, value string) (string, error) {
	var known []string
	for _, m := range readingModes {
		known = append(known, m.ID+"="+m.Value)
		if (m.ID == name || m.Option == name) && m.Value == value {
			return m.ID, nil
		}
	}
	return "", fmt.Errorf("unknown reading %s=%s (known: %s)", name, value, strings.Join(known, ", "))
}

// readingThrottle is the throttle configuration with the served AMB.9 window type.
func (p *platform) readingThrottle(c ThrottleConfig) ThrottleConfig {
	if p.reading(ReadingThrottle) == readingThrottleSliding {
		c.Type = ThrottleSliding
	}
	return c
}

// reading returns the value served for a reading id, "" for the reference's default.
func (p *platform) reading(id string) string { return p.readings[id] }

// readingMissingAuth is how a missing app_key or Authorization header is answered: the
// operation's own parameter error, or 403/1010005 under AMB.R1=gateway-first.
func (p *platform) readingMissingAuth(paramErr *apiError) *apiError {
	if p.reading(ReadingAuthOrder) == readingGatewayFirst {
		return errAt(http.StatusForbidden, CodeTokenInvalid)
	}
	return paramErr
}

// readingUnknownAppKey is how an app_key naming no application is answered (AMB.R1).
func (p *platform) readingUnknownAppKey() *apiError {
	if p.reading(ReadingAuthOrder) == readingGatewayFirst {
		return errAt(http.StatusForbidden, CodeTokenInvalid)
	}
	return errAt(http.StatusForbidden, CodeAppNotExist)
}

// readingAppIDTooLong reports whether query's or details' appId is rejected for its length
// (AMB.R11: not under unchecked, where it is looked up and names no application).
func (p *platform) readingAppIDTooLong(appID string) bool {
	return len(appID) > 64 && p.reading(ReadingQueryAppIDLen) != readingAppIDUnchecked
}

// readingTaskIDMalformed reports whether a taskId is answered 400/100022 for its format:
// outside validID always, and under AMB.R12=invalid whenever it is not in the reference's
// own id format.
func (p *platform) readingTaskIDMalformed(id string) bool {
	if !validID(id) {
		return true
	}
	return p.reading(ReadingUnknownTaskID) == readingTaskIDChecked && !ownIDFormat(id)
}

// TaskIDLength is the length of the reference's task ids: lower-case hex digits.
const TaskIDLength = 24

func ownIDFormat(id string) bool {
	if len(id) != TaskIDLength {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// readingCreateKey is the member create answers the task id in (AMB.1).
func (p *platform) readingCreateKey() string {
	if p.fault(FaultCreateTaskIDLowercase) || p.reading(ReadingCreateIDField) == "taskId" {
		return "taskId"
	}
	return "taskID"
}

// readingPercent reports whether rates are answered in percent (AMB.3).
func (p *platform) readingPercent() bool { return p.reading(ReadingRateScale) == "percent" }

// readingView applies the served readings to a clean query answer (before the faults).
func (p *platform) readingView(v *TaskView, c counters) {
	if p.reading(ReadingTimeoutUnit) == "seconds" {
		v.Timeout *= 60
	}
	if p.reading(ReadingCompleteCnt) == readingExpiredIncluded {
		c.completeCnts += c.expired
		v.CompleteCnt = c.completeCnts
		v.Progress = permille(c.completeCnts, c.total, false)
	}
	if p.readingPercent() {
		v.Progress = permille(c.completeCnts, c.total, true)
		v.SuccessRate = permille(c.success, c.total, true)
	}
	if p.reading(ReadingSuccessRateDen) == "complete" {
		v.SuccessRate = permille(c.success, c.completeCnts, p.readingPercent())
	}
	if p.reading(ReadingTimeFormat) == "rfc3339" {
		if t, err := time.Parse(StartTimeLayout, v.StartTime); err == nil {
			v.StartTime = t.Format(time.RFC3339)
		}
	}
}

// readingAnswer renders a query answer with the members the served readings add (AMB.4's
// fileId); without them it returns v as is.
func (p *platform) readingAnswer(v any, taskID string) any {
	if p.reading(ReadingQueryParam) != readingParamFileID {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return v
	}
	if param, ok := m["param"].(map[string]any); ok {
		param["fileId"] = "file-" + taskID
	}
	return m
}

// readingErrorShape reports whether an error of code is written as {resultcode, resultmsg}
// (AMB.7: every error under lenient and fault error-body-resultcode, the gateway's codes
// under gateway).
func (p *platform) readingErrorShape(code string) bool {
	switch p.reading(ReadingErrorBody) {
	case readingErrorBodyAll:
		return true
	case readingErrorBodyGW:
		return code == CodeTokenInvalid || code == CodeThrottled
	}
	return p.fault(FaultErrorBodyResultCode)
}

// readingUnknownAppID is how create answers a body appId naming no application (AMB.6).
func (p *platform) readingUnknownAppID() *apiError {
	if p.reading(ReadingUnknownAppID) == "403" {
		return errAt(http.StatusForbidden, CodeAppNotExist)
	}
	return errAt(http.StatusOK, CodeAppNotExist)
}

// readingDeviceTypeOptional reports whether a DeviceType task may leave manufacturerId and
// model out (AMB.8).
func (p *platform) readingDeviceTypeOptional() bool {
	return p.reading(ReadingDeviceType) == readingDeviceTypeOpt
}
