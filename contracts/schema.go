package contracts

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/internal/fastschema"
)

// Schema names one of the embedded JSON Schemas (draft-07).
type Schema string

// The embedded schemas, one per body shape of the API docs.
const (
	SchemaCreateRequest  Schema = "create-request"  // createBatchTask request body
	SchemaCreateResponse Schema = "create-response" // createBatchTask 200 success body ({taskID})
	SchemaBatchTask      Schema = "batch-task"      // queryBatchTask 200 body
	SchemaSubtaskPage    Schema = "subtask-page"    // queryTaskDetails 200 body
	SchemaLoginResponse  Schema = "login-response"  // login and refreshToken 200 body
	SchemaErrorBody      Schema = "error-body"      // {error_code, error_desc} of every error
)

// AllSchemas lists every embedded schema.
var AllSchemas = []Schema{SchemaCreateRequest, SchemaCreateResponse, SchemaBatchTask, SchemaSubtaskPage, SchemaLoginResponse, SchemaErrorBody}

//go:embed *.schema.json
var schemaFS embed.FS

// SourceSchema is the Violation.Source of a JSON Schema violation.
const SourceSchema = "schema"

// SchemaSet holds the compiled schemas. It is safe for concurrent use.
//
// gojsonschema v1.2.0 is unmaintained and not safe to *compile* concurrently: Compile shares
// the SchemaLoader's document pool, a plain map (xeipuuv/gojsonschema#292, the unmerged PR #323,
// xeipuuv/gojsonreference#9). Its error-template cache and format-checker chain are guarded by
// locks since 1.2.0 (#129), and validating a compiled *Schema only reads it. So the set compiles
// every schema exactly once, each with its own loader, before anyone can validate, and never
// adds format checkers afterwards; validation then runs without a lock.
// TestValidateConcurrent proves this under -race from 16 goroutines.
//
// gojsonschema is the validator of record: every schema violation reported is its. It costs
// tens of microseconds per answer, so each schema is also compiled into a fastschema.Checker
// that can only say "certainly conforms"; gojsonschema runs on every answer it cannot clear.
// TestFastAgreesWithGojsonschema holds the two together.
type SchemaSet struct {
	compiled map[Schema]*gojsonschema.Schema
	fast     map[Schema]*fastschema.Checker
	raw      map[Schema][]byte
}

var (
	schemasOnce sync.Once
	schemasSet  *SchemaSet
	schemasErr  error
)

// Schemas returns the compiled embedded schemas, compiling them on the first call only.
func Schemas() (*SchemaSet, error) {
	schemasOnce.Do(func() { schemasSet, schemasErr = compileSchemas() })
	return schemasSet, schemasErr
}

func compileSchemas() (*SchemaSet, error) {
	set := &SchemaSet{compiled: map[Schema]*gojsonschema.Schema{}, fast: map[Schema]*fastschema.Checker{},
		raw: map[Schema][]byte{}}
	for _, name := range AllSchemas {
		raw, err := schemaFS.ReadFile(string(name) + ".schema.json")
		if err != nil {
			return nil, fmt.Errorf("read schema %s: %w", name, err)
		}
		loader := gojsonschema.NewSchemaLoader()
		loader.Draft = gojsonschema.Draft7
		loader.Validate = true
		compiled, err := loader.Compile(gojsonschema.NewBytesLoader(raw))
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", name, err)
		}
		fast, err := fastschema.CompileJSON(raw, fastschema.Draft7)
		if err != nil {
			return nil, fmt.Errorf("compile schema %s for the fast check: %w", name, err)
		}
		set.compiled[name] = compiled
		set.fast[name] = fast
		set.raw[name] = raw
	}
	return set, nil
}

// Source returns the JSON text of an embedded schema, or nil for an unknown name.
func (s *SchemaSet) Source(name Schema) []byte {
	return s.raw[name]
}

// Validate checks body against the named schema and returns every violation, each with Source
// "schema", a JSON pointer to the offending value (for a missing property, to where it should
// be) and a readable message. Malformed JSON or an unknown schema name is one violation; it
// never panics.
func (s *SchemaSet) Validate(name Schema, body []byte) batchcert.Violations {
	return s.ValidateBody(name, DecodeBody(body))
}

// ValidateBody is Validate for a body decoded once (DecodeBody).
func (s *SchemaSet) ValidateBody(name Schema, b *Body) batchcert.Violations {
	compiled, ok := s.compiled[name]
	if !ok {
		return batchcert.Violations{{Source: SourceSchema, Message: fmt.Sprintf("unknown schema %q", name)}}
	}
	if b.Err != nil {
		return batchcert.Violations{{Source: SourceSchema, Pointer: "", Message: "body is not well-formed JSON: " + jsonSyntaxError(b.Raw)}}
	}
	if s.fast[name].Valid(b.Value) {
		return nil
	}
	result, err := compiled.Validate(gojsonschema.NewRawLoader(b.Value))
	if err != nil {
		return batchcert.Violations{{Source: SourceSchema, Message: "body could not be validated: " + err.Error()}}
	}
	var out batchcert.Violations
	for _, re := range result.Errors() {
		switch re.Type() {
		case "condition_then", "condition_else", "number_all_of":
			// gojsonschema reports the failed branch's own errors next to these summaries.
			continue
		}
		ptr := pointerOf(re)
		out = append(out, batchcert.Violation{Source: SourceSchema, Operation: schemaOperation[name],
			Requirement: requirementAt(name, ptr), Pointer: ptr, Message: messageOf(name, re)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// schemaOperation is the operationId whose body each schema checks; login-response serves two.
var schemaOperation = map[Schema]string{
	SchemaCreateRequest:  "createBatchTask",
	SchemaCreateResponse: "createBatchTask",
	SchemaBatchTask:      "queryBatchTask",
	SchemaSubtaskPage:    "queryTaskDetails",
}

// schemaIDPrefix is the catalog id prefix of the entries each schema's members implement.
var schemaIDPrefix = map[Schema]string{
	SchemaCreateRequest:  "FLD.create.",
	SchemaCreateResponse: "RSP.create.",
	SchemaBatchTask:      "RSP.query.",
	SchemaSubtaskPage:    "RSP.details.",
	SchemaLoginResponse:  "RSP.login.",
}

// requirementAt names the catalog entry a violation at pointer breaks: the entry of the
// deepest member on the pointer's path (array indexes dropped), RULE.error-body for error
// bodies, or "" for the body as a whole.
func requirementAt(name Schema, pointer string) string {
	if name == SchemaErrorBody {
		return "RULE.error-body"
	}
	c, err := Catalog()
	prefix, ok := schemaIDPrefix[name]
	if err != nil || !ok {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		if _, err := strconv.Atoi(s); err != nil && s != "" {
			segs = append(segs, strings.NewReplacer("~1", "/", "~0", "~").Replace(s))
		}
	}
	for n := len(segs); n > 0; n-- {
		id := prefix + strings.Join(segs[:n], ".")
		if _, ok := c.Get(id); ok {
			return id
		}
	}
	return ""
}

func jsonSyntaxError(body []byte) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err.Error()
	}
	return "empty body"
}

// ctxSep separates context segments; property names may hold ".", never a NUL.
const ctxSep = "\x00"

// pointerOf builds an RFC 6901 JSON pointer from gojsonschema's context, which is a list of
// property names and array indexes under "(root)". For a missing or unexpected property the
// pointer names the property itself.
func pointerOf(re gojsonschema.ResultError) string {
	var segs []string
	if ctx := re.Context(); ctx != nil {
		segs = strings.Split(ctx.String(ctxSep), ctxSep)
		if len(segs) > 0 && segs[0] == gojsonschema.STRING_CONTEXT_ROOT {
			segs = segs[1:]
		}
	}
	switch re.Type() {
	case "required", "additional_property_not_allowed":
		if p, ok := re.Details()["property"].(string); ok {
			segs = append(segs, p)
		}
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

func messageOf(name Schema, re gojsonschema.ResultError) string {
	msg := fmt.Sprintf("%s: %s", name, re.Description())
	if v := re.Value(); v != nil && re.Type() != "required" {
		if enc, err := json.Marshal(v); err == nil && len(enc) <= 80 {
			msg += " (got " + string(enc) + ")"
		}
	}
	return msg
}
