package contracts

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
)

// Profile option names (the catalog's ambiguity options).
const (
	OptCreateIDField          = "createIdField"          // AMB.1: taskID | either
	OptTimeoutUnit            = "timeoutUnit"            // AMB.2: minutes | seconds | either
	OptRateScale              = "rateScale"              // AMB.3: permille | percent | either
	OptSuccessRateDenominator = "successRateDenominator" // AMB.5: total | complete | either
	OptErrorBody              = "errorBody"              // AMB.7: strict | lenient
	OptThrottleType           = "throttle.type"          // AMB.9: fixed | sliding | any
	OptTimeFormat             = "timeFormat"             // AMB.11: compact | any
	OptQueryParam             = "queryParam"             // AMB.4: objectnode | fileid | either
	OptDeviceTypeFields       = "deviceTypeFields"       // AMB.8: mandatory | optional | either
	OptAuthOrder              = "authOrder"              // AMB.R1: parameters-first | gateway-first | either
	OptQueryAppIDLength       = "queryAppIdLength"       // AMB.R11: checked | unchecked | either
	OptUnknownTaskID          = "unknownTaskId"          // AMB.R12: not-found | invalid | either
	OptUnknownAppIDStatus     = "unknownAppIdStatus"     // AMB.6: 200 | 403 | either
	OptIntegerForm            = "integerForm"            // AMB.R13: literal | integral
	OptCompleteCnt            = "completeCnt"            // AMB.R16: excluded | included | either
)

// Reading ids the code decides on (the catalog's ambiguities).
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
	CompleteCntExcluded    = "excluded" // AMB.R16: the completeCnt row
	CompleteCntIncluded    = "included" // AMB.R16: the query example, expired subtasks counted
	ErrorBodyGateway       = "gateway"  // AMB.7: resultcode/resultmsg for the gateway's codes only
	ErrorBodyLenient       = "lenient"  // AMB.7: resultcode/resultmsg for any code, numeric codes
	QueryParamFileID       = "fileid"   // AMB.4: query's param may carry fileId
	QueryParamFileIDMember = "fileId"
)

// GatewayCodes are the error codes the API gateway answers itself (1010005 bad token, 1010009
// throttled): reading AMB.7=gateway gives them the gateway's {resultcode, resultmsg} shape.
var GatewayCodes = map[string]bool{"1010005": true, "1010009": true}

// Option values with a meaning in code.
const (
	Either = "either" // accept both readings
	Any    = "any"    // accept every listed variant
)

// Leniency names a Normalize, ParseError or CheckTask may report as applied.
const (
	LenCreateTaskID       = "create-taskId"
	LenErrorResultcode    = "error-resultcode"
	LenErrorNumericCode   = "error-numeric-code"
	LenTimeoutSeconds     = "timeout-seconds"
	LenRatePercent        = "rate-percent"
	LenSuccessRateOverCmp = "successrate-complete"
	LenStartTimeRFC3339   = "starttime-rfc3339"
	LenStartTimeEpochMs   = "starttime-epochms"
	LenParamFileID        = "param-fileid"
	LenIntegerIntegral    = "integer-integral"
)

// DefaultProfile is the profile a run uses unless told otherwise.
const DefaultProfile = "doc-strict"

// Profile is how a run reads the docs' contradictions: one value per catalog option, plus the
// throttle and task limit the target declares.
type Profile struct {
	Name                   string
	CreateIDField          string // AMB.1
	TimeoutUnit            string // AMB.2
	RateScale              string // AMB.3
	SuccessRateDenominator string // AMB.5
	ErrorBody              string // AMB.7
	TimeFormat             string // AMB.11
	ThrottleType           string // AMB.9
	ThrottleLimit          int
	ThrottleWindow         time.Duration
	ThrottleRejectedCount  string // "true", "false" or "any"
	TaskLimit              int
	// Leniencies are the departures from doc-strict this profile grants.
	Leniencies []Leniency

	options map[string]string
	// readings maps a reading id to its option and lenient value, for Accepts.
	readings map[string]Ambiguity
}

// ProfileByName builds the named profile from the catalog; unknown names are an error that
// lists the known ones.
func ProfileByName(name string) (Profile, error) {
	c, err := Catalog()
	if err != nil {
		return Profile{}, err
	}
	return c.Profile(name)
}

// Profile builds the named profile from this catalog. The name may add readings to a named
// profile, each as "+" id or option "=" value: "doc-strict+AMB.R1=gateway-first+AMB.9=sliding"
// is doc-strict except for those two readings (a target profile's readings, ProfileSpec).
func (c *RequirementCatalog) Profile(name string) (Profile, error) {
	base, extra, _ := strings.Cut(name, "+")
	var names []string
	for _, def := range c.Profiles {
		names = append(names, def.Name)
		if def.Name != base {
			continue
		}
		if extra == "" {
			return c.buildProfile(def)
		}
		opts := map[string]string{}
		for k, v := range def.Options {
			opts[k] = v
		}
		for _, r := range strings.Split(extra, "+") {
			key, value, _ := strings.Cut(r, "=")
			a, ok := c.reading(key)
			if !ok {
				return Profile{}, fmt.Errorf("profile %q: %q names no reading with a profile option", name, key)
			}
			if !contains(a.Values, value) {
				return Profile{}, fmt.Errorf("profile %q: reading %s (%s) has no value %q (values: %s)", name, a.ID, a.Option, value, strings.Join(a.Values, ", "))
			}
			opts[a.Option] = value
		}
		def.Name, def.Options = name, opts
		return c.buildProfile(def)
	}
	return Profile{}, fmt.Errorf("unknown profile %q (known: %v)", base, names)
}

// reading finds the ambiguity with a profile option by its id or its option name.
func (c *RequirementCatalog) reading(key string) (Ambiguity, bool) {
	for _, a := range c.Ambiguous {
		if a.Option != "" && (a.ID == key || a.Option == key) {
			return a, true
		}
	}
	return Ambiguity{}, false
}

// ProfileSpec is the profile name Profile reads as base with readings (id or option to value)
// changed, in a stable order; base alone when readings is empty.
func ProfileSpec(base string, readings map[string]string) string {
	keys := make([]string, 0, len(readings))
	for k := range readings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		base += "+" + k + "=" + readings[k]
	}
	return base
}

func (c *RequirementCatalog) buildProfile(def ProfileDef) (Profile, error) {
	opts := map[string]string{}
	readings := map[string]Ambiguity{}
	for _, a := range c.Ambiguous {
		if a.Option != "" {
			opts[a.Option] = a.Default
			readings[a.ID] = a
		}
	}
	for k, v := range def.Options {
		opts[k] = v
	}
	window, err := time.ParseDuration(def.Throttle.Window)
	if err != nil {
		return Profile{}, fmt.Errorf("profile %s: throttle window: %w", def.Name, err)
	}
	return Profile{
		Name:                   def.Name,
		CreateIDField:          opts[OptCreateIDField],
		TimeoutUnit:            opts[OptTimeoutUnit],
		RateScale:              opts[OptRateScale],
		SuccessRateDenominator: opts[OptSuccessRateDenominator],
		ErrorBody:              opts[OptErrorBody],
		TimeFormat:             opts[OptTimeFormat],
		ThrottleType:           opts[OptThrottleType],
		ThrottleLimit:          def.Throttle.Limit,
		ThrottleWindow:         window,
		ThrottleRejectedCount:  def.Throttle.RejectedCount,
		TaskLimit:              def.TaskLimit,
		Leniencies:             def.Leniencies,
		options:                opts,
		readings:               readings,
	}, nil
}

// Option returns the profile's value of a catalog option ("" when the catalog has no such
// option).
func (p Profile) Option(name string) string { return p.options[name] }

// Accepts reports whether the profile allows a platform to answer per reading readingID's
// value: the profile chose that value, or the reading's lenient value, which accepts every
// defensible alternative. Unknown readings and values are not accepted.
func (p Profile) Accepts(readingID, value string) bool {
	a, ok := p.readings[readingID]
	if !ok || !contains(a.Values, value) {
		return false
	}
	v := p.options[a.Option]
	return v == value || v == a.Lenient
}

// Value returns the value the profile gives reading readingID ("" for a reading without an
// option).
func (p Profile) Value(readingID string) string {
	a, ok := p.readings[readingID]
	if !ok {
		return ""
	}
	return p.options[a.Option]
}

// Refusal is the text a check appends when an answer matches only reading readingID=value and
// the profile does not allow it.
func (p Profile) Refusal(readingID, value string) string {
	return fmt.Sprintf("reading %s=%s, which profile %s does not allow", readingID, value, p.Name)
}

// leniencyReading maps each leniency to the reading and value it stands for.
var leniencyReading = map[string][2]string{
	LenCreateTaskID:       {ReadingCreateIDField, "taskId"},
	LenErrorResultcode:    {ReadingErrorBody, ErrorBodyLenient},
	LenErrorNumericCode:   {ReadingErrorBody, ErrorBodyLenient},
	LenTimeoutSeconds:     {ReadingTimeoutUnit, "seconds"},
	LenRatePercent:        {ReadingRateScale, "percent"},
	LenSuccessRateOverCmp: {ReadingSuccessRateDen, "complete"},
	LenStartTimeRFC3339:   {ReadingTimeFormat, Any},
	LenStartTimeEpochMs:   {ReadingTimeFormat, Any},
	LenParamFileID:        {ReadingQueryParam, QueryParamFileID},
	LenIntegerIntegral:    {ReadingIntegerForm, IntegerFormIntegral},
}

// ReadingOf returns the reading id and value a leniency name stands for (ok false for an
// unknown name).
func ReadingOf(leniency string) (id, value string, ok bool) {
	r, ok := leniencyReading[leniency]
	return r[0], r[1], ok
}

// Readings returns how this profile reads each ambiguity that has a profile option, for
// results.json.
func (p Profile) Readings() []batchcert.Reading {
	c, err := Catalog()
	if err != nil {
		return nil
	}
	var out []batchcert.Reading
	for _, a := range c.Ambiguous {
		if a.Option == "" {
			continue
		}
		val := p.options[a.Option]
		if val == "" {
			val = a.Default
		}
		out = append(out, batchcert.Reading{ID: a.ID, Option: a.Option, Value: val, Default: a.Default, Summary: a.Summary})
	}
	return out
}

// ParseError recognises an error body per the profile. code and desc are what was found; ok
// reports whether the body is a well-formed error body under the profile (doc-strict:
// {"error_code": string, "error_desc": string}); leniency names the lenient variant used, if
// any. A body with no error code at all is not an error body (code "" and ok false).
func ParseError(p Profile, body []byte) (code, desc string, ok bool, leniency string) {
	return ParseErrorBody(p, DecodeBody(body))
}

// ParseErrorBody is ParseError for a body decoded once (DecodeBody).
func ParseErrorBody(p Profile, b *Body) (code, desc string, ok bool, leniency string) {
	m, isObj := b.Object()
	if !isObj {
		return "", "", false, ""
	}
	codeKey, descKey := "error_code", "error_desc"
	if _, has := m[codeKey]; !has {
		if _, has := m["resultcode"]; !has {
			return "", "", false, ""
		}
		codeKey, descKey = "resultcode", "resultmsg"
		leniency = LenErrorResultcode
	}
	code, numeric, codeOK := codeOf(m[codeKey])
	desc, descOK := m[descKey].(string)
	if numeric && leniency == "" {
		leniency = LenErrorNumericCode
	}
	ok = codeOK && descOK
	if leniency != "" && !p.allowsErrorShape(leniency, code, numeric) {
		ok = false
	}
	return code, desc, ok, leniency
}

// allowsErrorShape reports whether the profile accepts an error body of a leniency for code
// (AMB.7): lenient accepts every variant; gateway only {resultcode, resultmsg} with a string
// code, and only for the gateway's own codes.
func (p Profile) allowsErrorShape(leniency, code string, numeric bool) bool {
	switch p.ErrorBody {
	case ErrorBodyLenient:
		return true
	case ErrorBodyGateway:
		return leniency == LenErrorResultcode && !numeric && GatewayCodes[code]
	}
	return false
}

// ErrorShapeReading names the AMB.7 value an error body's leniency needs: "gateway" when
// that value is enough, "lenient" otherwise.
func ErrorShapeReading(leniency, code string) string {
	if leniency == LenErrorResultcode && GatewayCodes[code] {
		return ErrorBodyGateway
	}
	return ErrorBodyLenient
}

// codeOf reads an error code given as a JSON string or an integer number.
func codeOf(v any) (code string, numeric, ok bool) {
	switch x := v.(type) {
	case string:
		return x, false, x != ""
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return x.String(), true, true
		}
	}
	return "", false, false
}

// Normalize rewrites a lenient profile's variant of a body into the doc-strict shape, so
// the schema and invariant layers downstream see doc-strict bodies, and names each leniency
// it applied. Under doc-strict (or when nothing needs rewriting, or the body is not a JSON
// object) it returns body unchanged and applies nothing. Rewritten bodies lose their key order.
func Normalize(p Profile, schema Schema, body []byte) (out []byte, applied []string) {
	b, applied := NormalizeBody(p, schema, DecodeBody(body))
	return b.Raw, applied
}

// NormalizeBody is Normalize for a body decoded once (DecodeBody). It returns b itself when
// nothing needs rewriting, else a new Body; b's Value is shared, so it is never written:
// every map is copied before its first change.
func NormalizeBody(p Profile, schema Schema, b *Body) (*Body, []string) {
	src, isObj := b.Object()
	if !isObj {
		return b, nil
	}
	var applied []string
	m, copied := src, false
	own := func() map[string]any { // copy on the first write
		if !copied {
			m, copied = maps.Clone(src), true
		}
		return m
	}
	switch schema {
	case SchemaCreateResponse:
		if _, has := m["taskId"]; has && p.Accepts(ReadingCreateIDField, "taskId") {
			applied = renameKey(own(), "taskId", "taskID", LenCreateTaskID, applied)
		}
	case SchemaErrorBody:
		if _, _, ok, l := ParseErrorBody(p, b); l != "" && ok {
			own()
			applied = renameKey(m, "resultcode", "error_code", LenErrorResultcode, applied)
			applied = renameKey(m, "resultmsg", "error_desc", "", applied)
			if n, isNum := m["error_code"].(json.Number); isNum {
				m["error_code"] = n.String()
				applied = append(applied, LenErrorNumericCode)
			}
		}
	case SchemaBatchTask:
		if p.TimeFormat == Any {
			if s, l := compactStartTime(m["startTime"]); l != "" {
				own()["startTime"] = s
				applied = append(applied, l)
			}
		}
		if param, ok := m["param"].(map[string]any); ok && p.Accepts(ReadingQueryParam, QueryParamFileID) {
			if _, has := param[QueryParamFileIDMember]; has {
				param = maps.Clone(param)
				own()["param"] = param
				delete(param, QueryParamFileIDMember)
				applied = append(applied, LenParamFileID)
			}
		}
	}
	applied = normalizeIntegers(p, schema, m, own, applied)
	if len(applied) == 0 {
		return b, nil
	}
	enc, err := json.Marshal(m)
	if err != nil {
		return b, nil
	}
	return &Body{Raw: enc, Value: m}, applied
}

// renameKey moves m[from] to m[to] when only from is present, recording leniency if non-empty.
func renameKey(m map[string]any, from, to, leniency string, applied []string) []string {
	v, has := m[from]
	if _, taken := m[to]; !has || taken {
		return applied
	}
	delete(m, from)
	m[to] = v
	if leniency != "" {
		applied = append(applied, leniency)
	}
	return applied
}

// CompactTimeLayout is the platform's time format, reading AMB.11.
const CompactTimeLayout = "20060102T150405Z"

// compactStartTime converts an RFC 3339 or epoch-millisecond startTime to the compact layout,
// naming the leniency; a compact or unrecognised value is left alone (leniency "").
func compactStartTime(v any) (string, string) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		return "", ""
	}
	if _, err := time.Parse(CompactTimeLayout, s); err == nil {
		return "", ""
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Format(CompactTimeLayout), LenStartTimeRFC3339
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && ms > 0 {
		return time.UnixMilli(ms).UTC().Format(CompactTimeLayout), LenStartTimeEpochMs
	}
	return "", ""
}
