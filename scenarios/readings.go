package scenarios

import (
	"fmt"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
)

// Readings of the docs in expectations. Where the docs allow more than one answer (the
// catalog's ambiguities, docs/design.md), an expectation states the harness's reading and
// lists each alternative under the reading id and value that allows it:
//
//	expect:
//	  - status: 400
//	    errorCode: "100019"
//	    readings:
//	      - {reading: AMB.R1, value: gateway-first, status: 403, errorCode: "1010005"}
//
// An answer that meets the expectation passes. One that meets only an alternative passes when
// the run's profile accepts that reading value (contracts.Profile.Accepts), and fails naming
// the reading otherwise; either way the check lists the reading in Readings, because the
// reading decided its verdict.

// Alternative is an answer an expectation also allows under one reading value: its status,
// error code, success and fields replace the expectation's (fields member by member).
type Alternative struct {
	Reading   string         `yaml:"reading"`
	Value     string         `yaml:"value"`
	Status    int            `yaml:"status"`
	ErrorCode string         `yaml:"errorCode"`
	Success   bool           `yaml:"success"`
	Fields    map[string]any `yaml:"fields"`
}

func init() {
	baseFuncs["likeID"] = likeID
}

// judgeReadings judges e and, when it fails, its alternatives. It returns the problems (none
// when an accepted alternative matched) and the readings that decided the verdict.
func (r *scenarioRun) judgeReadings(e Expect, ex *Exchange, doc any, docOK, sel bool) ([]string, []string) {
	p := r.judge(e, ex, doc, docOK, sel)
	if len(p) == 0 || len(e.Readings) == 0 || ex.Err != nil {
		return p, nil
	}
	prof, err := r.s.readingProfile()
	if err != nil {
		return append(p, err.Error()), nil
	}
	for _, alt := range e.Readings {
		if len(r.judge(alt.apply(e), ex, doc, docOK, sel)) > 0 {
			continue
		}
		if prof.Accepts(alt.Reading, alt.Value) {
			return nil, []string{alt.Reading}
		}
		return []string{fmt.Sprintf("answered %s: %s", r.answerText(ex), prof.Refusal(alt.Reading, alt.Value))}, []string{alt.Reading}
	}
	return p, nil
}

// apply is e with the alternative's answer in place of e's.
func (a Alternative) apply(e Expect) Expect {
	out := e
	out.Readings = nil
	if a.Status != 0 {
		out.Status = a.Status
	}
	if a.ErrorCode != "" {
		out.ErrorCode, out.Success = a.ErrorCode, false
	}
	if a.Success {
		out.Success, out.ErrorCode = true, ""
	}
	if len(a.Fields) > 0 {
		out.Fields = map[string]any{}
		for k, v := range e.Fields {
			out.Fields[k] = v
		}
		for k, v := range a.Fields {
			out.Fields[k] = v
		}
	}
	return out
}

// answerText is "403/1010005" for an error answer, "200 (success)" otherwise.
func (r *scenarioRun) answerText(ex *Exchange) string {
	if code, ok := r.s.contract.ErrorCode(ex.RespBody); ok {
		return fmt.Sprintf("%d/%s", ex.Status, code)
	}
	return fmt.Sprintf("%d (success)", ex.Status)
}

// readingProfile is the profile the run reads the docs with.
func (s *Suite) readingProfile() (contracts.Profile, error) {
	name := s.cfg.Profile
	if name == "" && s.target != nil {
		name = s.target.Profile
	}
	if name == "" {
		name = contracts.DefaultProfile
	}
	p, err := contracts.ProfileByName(name)
	if err != nil {
		return contracts.Profile{}, fmt.Errorf("readings: %w", err)
	}
	return p, nil
}

// checkAlternatives finds what the schema cannot: an alternative must name a reading with a
// profile option and one of its values, and must change something.
func checkAlternatives(st Step) error {
	c, err := contracts.Catalog()
	if err != nil {
		return err
	}
	options := map[string][]string{}
	for _, a := range c.Ambiguities() {
		if a.Option != "" {
			options[a.ID] = a.Values
		}
	}
	alts := make([][]Alternative, 0, len(st.Expect))
	for _, e := range st.Expect {
		alts = append(alts, e.Readings)
	}
	if st.Concurrent != nil {
		for _, t := range st.Concurrent.Expect {
			alts = append(alts, t.Readings)
		}
	}
	for i, list := range alts {
		for _, alt := range list {
			values, ok := options[alt.Reading]
			if !ok {
				return fmt.Errorf("step %q: expect %d: reading %s has no profile option", st.Name, i+1, alt.Reading)
			}
			if !contains(values, alt.Value) {
				return fmt.Errorf("step %q: expect %d: reading %s has no value %q (values: %s)", st.Name, i+1, alt.Reading, alt.Value, strings.Join(values, ", "))
			}
			if alt.Status == 0 && alt.ErrorCode == "" && !alt.Success && len(alt.Fields) == 0 {
				return fmt.Errorf("step %q: expect %d: alternative %s=%s changes nothing", st.Name, i+1, alt.Reading, alt.Value)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// likeID returns an id of the same length and alphabet as id that is not id: every character
// is moved to the next one of its class (digit, lower-case hex, lower-case letter, upper-case
// letter), other characters stay. An unknown task id built from a real one looks like the
// platform's own, so a platform that validates its id format still answers "unknown" (105005).
func likeID(id string) string {
	class := func(lo, hi byte) func(byte) bool { return func(c byte) bool { return c >= lo && c <= hi } }
	digit, hexLower, lower, upper := class('0', '9'), class('a', 'f'), class('a', 'z'), class('A', 'Z')
	allHex := true
	for i := 0; i < len(id); i++ {
		if c := id[i]; !digit(c) && !hexLower(c) {
			allHex = false
		}
	}
	b := []byte(id)
	for i, c := range b {
		switch {
		case digit(c):
			b[i] = '0' + (c-'0'+1)%10
		case allHex && hexLower(c):
			b[i] = 'a' + (c-'a'+1)%6
		case lower(c):
			b[i] = 'a' + (c-'a'+1)%26
		case upper(c):
			b[i] = 'A' + (c-'A'+1)%26
		}
	}
	return string(b)
}

// createAlternatives are the answers a generated create boundary case also allows: a DeviceType
// task without manufacturerId or model succeeds under AMB.8=optional.
func createAlternatives(f *FieldRule, c boundaryCase) []Alternative {
	if c.absent && (f.Path == "param.manufacturerId" || f.Path == "param.model") {
		return []Alternative{{Reading: contracts.ReadingDeviceType, Value: "optional", Status: 200, Success: true}}
	}
	return nil
}

// queryAlternatives are the answers a generated query-string case also allows: an appId over
// its length names no application under AMB.R11=unchecked.
func queryAlternatives(f *FieldRule, name string) []Alternative {
	if f.Path == "appId" && strings.HasPrefix(name, "length-") {
		return []Alternative{{Reading: contracts.ReadingQueryAppIDLen, Value: "unchecked", Status: 403, ErrorCode: "100203"}}
	}
	return nil
}

// exchangeReadings names, on a step's contract check, the readings an answer's shape needed
// (AMB.1 taskId, AMB.4 fileId, AMB.7 resultcode, AMB.11 startTime): found by reading each answer
// with the lenient profile. A reading the run's profile does not allow is named in a failed
// check's message. Under doc-strict a passing check needed none, so only failures are read.
func (r *scenarioRun) exchangeReadings(c *batchcert.Check, exs []*Exchange) {
	prof, err := r.s.readingProfile()
	if err != nil || (prof.Name == contracts.DefaultProfile && c.Outcome != batchcert.Fail) {
		return
	}
	lenient, err := contracts.ProfileByName("lenient")
	if err != nil {
		return
	}
	seen := map[string]bool{}
	var refused []string
	for _, ex := range exs {
		if ex.Err != nil || ex.request == nil {
			continue
		}
		schema, known := bodySchema[r.s.contract.Operation(ex.request)]
		code, _, _, _ := contracts.ParseError(lenient, ex.RespBody)
		if code != "" || ex.Status >= 400 {
			schema, known = contracts.SchemaErrorBody, true
		}
		if !known {
			continue
		}
		norm, applied := contracts.Normalize(lenient, schema, ex.RespBody)
		var needs [][2]string
		for _, l := range applied {
			id, value, ok := contracts.ReadingOf(l)
			if !ok {
				continue
			}
			if id == contracts.ReadingErrorBody {
				value = contracts.ErrorShapeReading(l, code)
			}
			needs = append(needs, [2]string{id, value})
		}
		if schema == contracts.SchemaBatchTask && ex.Status == 200 {
			if t, err := contracts.DecodeTask(norm); err == nil {
				needs = append(needs, contracts.TaskReadings(t)...)
			}
		}
		for _, n := range needs {
			id, value := n[0], n[1]
			if seen[id+"="+value] {
				continue
			}
			seen[id+"="+value] = true
			c.Readings = appendNew(c.Readings, id)
			if !prof.Accepts(id, value) {
				refused = append(refused, prof.Refusal(id, value))
			}
		}
	}
	if len(refused) > 0 && c.Outcome == batchcert.Fail {
		c.Message += "; the answer reads as " + strings.Join(refused, "; ")
	}
}

// applyReadings folds a target profile's readings into its profile name (contracts.ProfileSpec),
// so every layer that builds the profile by name reads the docs the way the target declares.
// An unknown reading or value is an error naming the file and field.
func (t *Target) applyReadings(file string) error {
	if len(t.Readings) == 0 {
		return nil
	}
	spec := contracts.ProfileSpec(t.Profile, t.Readings)
	if _, err := contracts.ProfileByName(spec); err != nil {
		return &FileError{File: file, Field: "readings", Err: err}
	}
	t.Profile = spec
	return nil
}

// tallyReadings adds to n, a tally's count of its own answer, the answers of each alternative
// the profile accepts. It returns the count, the readings that answers were counted or refused
// under, and, for alternatives the profile does not accept, the text naming them.
func (r *scenarioRun) tallyReadings(t Tally, counts map[string]int, n int) (int, []string, string) {
	if len(t.Readings) == 0 {
		return n, nil, ""
	}
	prof, err := r.s.readingProfile()
	if err != nil {
		return n, nil, "; " + err.Error()
	}
	var ids []string
	var refused string
	for _, alt := range t.Readings {
		code := alt.ErrorCode
		if code == "" {
			code = "none"
		}
		k := alt.Status
		if k == 0 {
			k = t.Status
		}
		got := counts[fmt.Sprintf("%d/%s", k, code)]
		if got == 0 {
			continue
		}
		ids = appendNew(ids, alt.Reading)
		if prof.Accepts(alt.Reading, alt.Value) {
			n += got
			continue
		}
		refused += fmt.Sprintf("; %d answered %d/%s: %s", got, k, code, prof.Refusal(alt.Reading, alt.Value))
	}
	return n, ids, refused
}
