package contracts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
)

// Issue 15, class 3: every format and value the docs fix, to the letter the profile allows.
//
//   - INV.startTime-created: startTime is "the time when the batch task is created", so it lies
//     between the platform's time when create was sent and its time when create answered. The
//     platform's time is learned from its answers' Date headers (RFC 9110 §6.6.1), so neither
//     the harness's clock nor the platform's scale or offset matter: the bound is the newest Date
//     any answer carried before create was sent, and the Date of create's own answer.
//   - RULE.content-type-charset: a JSON answer's charset parameter, when there is one, names
//     UTF-8 (RFC 8259 §8.1; the platform's conventions write charset=UTF-8).
//   - RULE.integer-literal: a member the docs type Integer is written as a JSON integer, without
//     a fraction or an exponent (3, not 3.0 or 3e0).
//   - RULE.subtask-error-json: a subtask's error is a string holding {"error_code","error_desc"}.

// IntegerFormIntegral is reading AMB.R13's lenient value: an Integer may be written 3.0 or 3e0.
const IntegerFormIntegral = "integral"

// StartTimeSkew is how far startTime may lie outside the window the platform's Date headers
// give for create: the Date header's one-second resolution, and the clocks of the host that
// writes Date (a gateway) and the host that stamps the task differing. It is far below the
// smallest time-zone offset (15 min), so local time labelled Z never passes.
const StartTimeSkew = 90 * time.Second

// parseStartTime reads startTime as the profile's AMB.11 reading allows; ok is false when it
// is none of those forms (INV.startTime reports that).
func parseStartTime(p Profile, s string) (time.Time, bool) {
	if compactTime.MatchString(s) {
		t, err := time.Parse(CompactTimeLayout, s)
		return t, err == nil
	}
	if p.TimeFormat != Any {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if epochMillis.MatchString(s) {
		ms, err := strconv.ParseInt(s, 10, 64)
		return time.UnixMilli(ms), err == nil
	}
	return time.Time{}, false
}

// startTimeCreated checks INV.startTime-created when the observation knows the platform's
// time around create (CreatedFrom, CreatedTo).
func (c *checker) startTimeCreated() {
	o := c.o
	if o.CreatedTo.IsZero() {
		return
	}
	at, ok := parseStartTime(c.p, c.t.StartTime)
	if !ok {
		return
	}
	skew := o.CreatedSkew
	if skew <= 0 {
		skew = StartTimeSkew
	}
	// Date headers and compact times have whole seconds: the platform answered within the
	// second after CreatedTo.
	hi := o.CreatedTo.Add(time.Second + skew)
	if at.After(hi) {
		c.add("INV.startTime-created", "/startTime",
			"startTime %s is %s after the platform answered create (its Date header %s); the task cannot have been created after its create was answered (skew allowed %s; a local time labelled Z?)",
			c.t.StartTime, at.Sub(o.CreatedTo).Round(time.Second), o.CreatedTo.UTC().Format(time.RFC1123), skew)
		return
	}
	if o.CreatedFrom.IsZero() {
		return
	}
	if lo := o.CreatedFrom.Add(-skew); at.Before(lo) {
		c.add("INV.startTime-created", "/startTime",
			"startTime %s is %s before create was sent (the platform's newest Date header before it was %s); the task cannot have been created before (skew allowed %s; a local time labelled Z?)",
			c.t.StartTime, o.CreatedFrom.Sub(at).Round(time.Second), o.CreatedFrom.UTC().Format(time.RFC1123), skew)
	}
}

func formatViolation(op, req, pointer, format string, args ...any) batchcert.Violation {
	return batchcert.Violation{Source: "schema", Operation: op, Requirement: req, Pointer: pointer, Message: fmt.Sprintf(format, args...)}
}

// utf8Names are the names of UTF-8, compared case-insensitively as charset values are: the
// IANA registry's name and alias, and the labels the WHATWG Encoding Standard maps to UTF-8
// (every browser and most HTTP clients decode "utf8", what Java and MySQL write, as UTF-8).
var utf8Names = []string{"utf-8", "csutf8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"}

// CheckCharset checks RULE.content-type-charset on an answer's Content-Type: a charset
// parameter, when present, names UTF-8. A Content-Type that does not parse, or is not JSON,
// is RULE.content-type's to report.
func CheckCharset(op, contentType string) batchcert.Violations {
	switch contentType {
	case "application/json", "application/json;charset=UTF-8", "application/json; charset=UTF-8", "application/json; charset=utf-8", "application/json;charset=utf-8":
		return nil // the common forms, without parsing them on every answer
	}
	mt, params, err := ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return nil
	}
	cs, ok := params["charset"]
	if !ok {
		return nil
	}
	for _, n := range utf8Names {
		if strings.EqualFold(strings.TrimSpace(cs), n) {
			return nil
		}
	}
	return batchcert.Violations{formatViolation(op, "RULE.content-type-charset", "header/Content-Type",
		"Content-Type %q: charset %q is not UTF-8; JSON text is UTF-8 (RFC 8259 §8.1) and the platform's conventions write charset=UTF-8", contentType, cs)}
}

// ParseMediaType is mime.ParseMediaType for a Content-Type answered by a platform: it also takes
// the empty parameters RFC 9110 §5.6.6 allows ("application/json;;charset=UTF-8", a trailing
// ";"), which mime refuses. The type comes back in lower case, parameter names too.
func ParseMediaType(v string) (string, map[string]string, error) {
	if !strings.Contains(v, ";") {
		return mime.ParseMediaType(v)
	}
	var parts []string
	in, start := false, 0
	for i := 0; i <= len(v); i++ {
		switch {
		case i < len(v) && v[i] == '"':
			in = !in
		case i < len(v) && v[i] == '\\' && in:
			i++
		case i == len(v) || (v[i] == ';' && !in):
			if part := v[start:min(i, len(v))]; len(parts) == 0 || strings.TrimSpace(part) != "" {
				parts = append(parts, part)
			}
			start = i + 1
		}
	}
	return mime.ParseMediaType(strings.Join(parts, ";"))
}

// integerPointers are, per operation, the members of a success answer the docs type Integer.
var integerPointers = map[string][]string{
	"queryBatchTask": {"/timeout", "/progress", "/totalCnt", "/successCnt", "/failCnt", "/timeoutCnt",
		"/expiredCnt", "/completeCnt", "/successRate", "/param/maxRetransmit"},
	"queryTaskDetails": {"/pageNo", "/pageSize", "/totalCount"},
	"login":            {"/expiresIn"},
	"refreshToken":     {"/expiresIn"},
}

// IntegerMembers lists the members CheckIntegerLiterals judges on a success answer of op.
func IntegerMembers(op string) []string { return integerPointers[op] }

// CheckIntegerLiterals checks RULE.integer-literal on a success answer's raw body: every member
// the docs type Integer that is a JSON number is written as an integer literal, unless the
// profile reads AMB.R13 as integral. A member of another JSON type, or a number with a
// fraction under that reading, is the schema's to report.
func CheckIntegerLiterals(p Profile, op string, raw []byte) batchcert.Violations {
	ptrs := integerPointers[op]
	if len(ptrs) == 0 || p.Accepts(ReadingIntegerForm, IntegerFormIntegral) || !hasFractionOrExponent(raw) {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc map[string]any
	if d.Decode(&doc) != nil {
		return nil
	}
	var vs batchcert.Violations
	for _, ptr := range ptrs {
		var v any = doc
		for _, k := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if n, ok := v.(json.Number); ok && strings.ContainsAny(string(n), ".eE") {
			vs = append(vs, formatViolation(op, "RULE.integer-literal", ptr,
				"%s is %s: the docs type it Integer, written without a fraction or an exponent (%s; reading AMB.R13 integerForm %s%s)",
				ptr, n, integerForm(n), p.Value(ReadingIntegerForm), integralRefusal(p, n)))
		}
	}
	return vs
}

// integralRefusal names reading AMB.R13=integral when n would pass under it.
func integralRefusal(p Profile, n json.Number) string {
	if _, ok := integralLiteral(n); ok {
		return "; " + p.Refusal(ReadingIntegerForm, IntegerFormIntegral)
	}
	return ""
}

func integerForm(n json.Number) string {
	if f, err := n.Float64(); err == nil && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return "not even a whole number"
}

// hasFractionOrExponent tells whether a JSON text has a number with a fraction or exponent,
// looking outside strings: the cheap test that spares most answers a second decode.
func hasFractionOrExponent(raw []byte) bool {
	in, esc := false, false
	for i, b := range raw {
		switch {
		case in:
			switch {
			case esc:
				esc = false
			case b == '\\':
				esc = true
			case b == '"':
				in = false
			}
		case b == '"':
			in = true
		case b == '.':
			return true
		case (b == 'e' || b == 'E') && i > 0 && raw[i-1] >= '0' && raw[i-1] <= '9':
			return true
		}
	}
	return false
}

// CheckSubtaskErrors checks RULE.subtask-error-json on a details answer: every subtask's error,
// when present and not empty, is a string holding an error body, {"error_code","error_desc"}
// as the profile reads error bodies (AMB.7: doc-strict a string code; lenient also a numeric
// code or {resultcode, resultmsg}).
func CheckSubtaskErrors(p Profile, raw []byte) batchcert.Violations {
	if !bytes.Contains(raw, []byte(`"error"`)) {
		return nil
	}
	var page struct {
		TaskDetails []struct {
			Error json.RawMessage `json:"error"`
		} `json:"taskDetails"`
	}
	if json.Unmarshal(raw, &page) != nil {
		return nil
	}
	var vs batchcert.Violations
	for i, s := range page.TaskDetails {
		var text string
		if len(s.Error) == 0 || json.Unmarshal(s.Error, &text) != nil || text == "" {
			continue // absent, null or not a string: the schema's to report
		}
		ptr := fmt.Sprintf("/taskDetails/%d/error", i)
		b := DecodeBody([]byte(text))
		if _, isObj := b.Object(); !isObj {
			vs = append(vs, formatViolation("queryTaskDetails", "RULE.subtask-error-json", ptr,
				"error %s is no JSON object; the docs say it is a string holding {\"error_code\",\"error_desc\"}", clipText(text)))
			continue
		}
		if _, _, ok, l := ParseErrorBody(p, b); !ok {
			why := ""
			if l != "" {
				why = " (reading AMB.7 errorBody " + p.ErrorBody + "; " + p.Refusal(ReadingErrorBody, ErrorBodyLenient) + ")"
			}
			vs = append(vs, formatViolation("queryTaskDetails", "RULE.subtask-error-json", ptr,
				"error %s does not hold {\"error_code\": string, \"error_desc\": string}%s", clipText(text), why))
		}
	}
	return vs
}

func clipText(s string) string {
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return strconv.Quote(s)
}

// schemaOp is the operation whose success answers a schema describes, for the Integer members.
var schemaOp = map[Schema]string{SchemaBatchTask: "queryBatchTask", SchemaSubtaskPage: "queryTaskDetails", SchemaLoginResponse: "login"}

// normalizeIntegers rewrites, under AMB.R13=integral, each Integer member written with a zero
// fraction or an exponent (3.0, 3e0) as the integer literal, so the layers downstream (and a
// decoder into int) see the doc-strict form; a fraction (3.5) is left for the schema to refuse.
// m is the body's object, own copies it on the first write (NormalizeBody's copy-on-write).
func normalizeIntegers(p Profile, schema Schema, m map[string]any, own func() map[string]any, applied []string) []string {
	ptrs := integerPointers[schemaOp[schema]]
	if len(ptrs) == 0 || !p.Accepts(ReadingIntegerForm, IntegerFormIntegral) {
		return applied
	}
	did := false
	for _, ptr := range ptrs {
		keys := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
		var n json.Number
		var ok bool
		switch len(keys) {
		case 1:
			n, ok = m[keys[0]].(json.Number)
		case 2:
			inner, _ := m[keys[0]].(map[string]any)
			n, ok = inner[keys[1]].(json.Number)
		}
		lit, integral := integralLiteral(n)
		if !ok || !integral || lit == string(n) {
			continue
		}
		if len(keys) == 1 {
			own()[keys[0]] = json.Number(lit)
		} else {
			inner := maps.Clone(m[keys[0]].(map[string]any))
			inner[keys[1]] = json.Number(lit)
			own()[keys[0]] = inner
		}
		did = true
	}
	if did {
		applied = append(applied, LenIntegerIntegral)
	}
	return applied
}

// integralLiteral is n's integer literal when n has a zero fraction (3.0, 3e0, 30e-1).
func integralLiteral(n json.Number) (string, bool) {
	if n == "" {
		return "", false
	}
	if !strings.ContainsAny(string(n), ".eE") {
		return string(n), true
	}
	f, err := n.Float64()
	if err != nil || f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return "", false
	}
	return strconv.FormatInt(int64(f), 10), true
}

// DecodeTaskIntegral is DecodeTaskBody for a body whose Integer members may be written with a
// zero fraction (3.0): they are read as the integers they are, so the invariants still judge a
// task RULE.integer-literal has already reported (a decoder into int refuses 3.0).
func DecodeTaskIntegral(b *Body) (BatchTask, error) {
	t, err := DecodeTaskBody(b)
	if err == nil || !hasFractionOrExponent(b.Raw) {
		return t, err
	}
	m, isObj := b.Object()
	if !isObj {
		return t, err
	}
	out, copied := m, false
	own := func() map[string]any {
		if !copied {
			out, copied = maps.Clone(m), true
		}
		return out
	}
	lenient := Profile{options: map[string]string{OptIntegerForm: IntegerFormIntegral},
		readings: map[string]Ambiguity{ReadingIntegerForm: {ID: ReadingIntegerForm, Option: OptIntegerForm, Values: []string{"literal", IntegerFormIntegral}}}}
	if len(normalizeIntegers(lenient, SchemaBatchTask, m, own, nil)) == 0 {
		return t, err
	}
	if t2, ok := taskOf(out); ok {
		return t2, nil
	}
	return t, err
}
