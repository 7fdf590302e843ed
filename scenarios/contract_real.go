package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/openapi"
)

// NewContract builds the contract from the openapi and contracts packages, read with the named
// profile ("doc-strict" or "lenient").
func NewContract(profile string) (Contract, error) {
	v, err := openapi.NewValidator()
	if err != nil {
		return nil, fmt.Errorf("openapi validator: %w", err)
	}
	schemas, err := contracts.Schemas()
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	cat, err := contracts.Catalog()
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if profile == "" {
		profile = contracts.DefaultProfile
	}
	p, err := cat.Profile(profile)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	c := &contract{v: v, schemas: schemas, p: p}
	for _, r := range cat.Requirements {
		c.reqs = append(c.reqs, requirementOf(r))
	}
	for _, t := range openapi.ErrorCodes() {
		c.codes = append(c.codes, CodeContext{Operation: t.Operation, Status: t.Status, Code: t.Code})
	}
	return c, nil
}

// contract is the real Contract: kin-openapi for the exchange, the JSON Schemas and error-body
// rules of package contracts for bodies, and its invariants for query answers.
type contract struct {
	v       *openapi.Validator
	schemas *contracts.SchemaSet
	p       contracts.Profile
	reqs    []Requirement
	codes   []CodeContext
}

var _ Contract = (*contract)(nil)

func requirementOf(r contracts.Requirement) Requirement {
	out := Requirement{ID: r.ID, Kind: r.Kind, Severity: r.Severity, Operation: r.Operation, Status: r.Status, Code: r.Code}
	if r.Kind == contracts.KindField {
		f := &FieldRule{In: r.In, Path: r.Path, Type: r.Type, Required: r.Required, MinLength: r.MinLength,
			MaxLength: r.MaxLength, Minimum: r.Minimum, Maximum: r.Maximum, MinItems: r.MinItems, Enum: r.Enum}
		if r.RequiredWhen != nil {
			f.RequiredWhen = map[string][]string{r.RequiredWhen.Field: r.RequiredWhen.Values}
		}
		out.Field = f
	}
	return out
}

func (c *contract) Operation(req *http.Request) string {
	op, err := c.v.Operation(req)
	if err != nil {
		return ""
	}
	return op
}

// bodySchema is the schema of a success answer of op.
var bodySchema = map[string]contracts.Schema{
	"login": contracts.SchemaLoginResponse, "refreshToken": contracts.SchemaLoginResponse,
	"createBatchTask": contracts.SchemaCreateResponse, "queryBatchTask": contracts.SchemaBatchTask,
	"queryTaskDetails": contracts.SchemaSubtaskPage,
}

func (c *contract) ValidateExchange(ctx context.Context, op string, ex *Exchange) batchcert.Violations {
	var vs batchcert.Violations
	code, _, ok, _ := contracts.ParseError(c.p, ex.RespBody)
	isErr := code != ""
	schema, known := bodySchema[op]
	if isErr || ex.Status >= 400 {
		schema, known = contracts.SchemaErrorBody, true
	}
	body := ex.RespBody
	if known {
		body, _ = contracts.Normalize(c.p, schema, ex.RespBody)
	}
	if ex.request != nil {
		vs = append(vs, c.v.ValidateResponse(ctx, ex.request, ex.ReqBody, ex.Status, ex.RespHeader, body)...)
	}
	if ct := ex.RespHeader.Get("Content-Type"); ct != "" || len(ex.RespBody) > 0 {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			vs = append(vs, batchcert.Violation{Source: "schema", Operation: op, Requirement: "RULE.content-type",
				Pointer: "header/Content-Type", Message: fmt.Sprintf("Content-Type %q is not application/json", ct)})
		}
	}
	switch {
	case isErr && !ok:
		vs = append(vs, batchcert.Violation{Source: "schema", Operation: op, Requirement: "RULE.error-body",
			Message: "error body is not {\"error_code\": string, \"error_desc\": string}"})
	case !isErr && ex.Status >= 400:
		vs = append(vs, batchcert.Violation{Source: "schema", Operation: op, Requirement: "RULE.error-body",
			Pointer: "/error_code", Message: fmt.Sprintf("HTTP %d without an error code", ex.Status)})
	}
	if known {
		for _, v := range c.schemas.Validate(schema, body) {
			v.Operation = op
			vs = append(vs, v)
		}
	}
	return dedupe(vs)
}

// dedupe drops violations the openapi and schema layers both found.
func dedupe(vs batchcert.Violations) batchcert.Violations {
	seen := map[string]bool{}
	var out batchcert.Violations
	for _, v := range vs {
		k := v.Pointer + "\x00" + v.Message
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}

func (c *contract) Normalize(op string, status int, body []byte) []byte {
	schema, known := bodySchema[op]
	if code, _, _, _ := contracts.ParseError(c.p, body); code != "" || status >= 400 {
		schema, known = contracts.SchemaErrorBody, true
	}
	if !known {
		return body
	}
	out, _ := contracts.Normalize(c.p, schema, body)
	return out
}

func (c *contract) ErrorCode(body []byte) (string, bool) {
	code, _, _, _ := contracts.ParseError(c.p, body)
	return code, code != ""
}

func (c *contract) Schema(name string, body []byte) batchcert.Violations {
	s := contracts.Schema(name)
	norm, _ := contracts.Normalize(c.p, s, body)
	return c.schemas.Validate(s, norm)
}

func (c *contract) Task(obs TaskObservation) batchcert.Violations {
	raw, _ := contracts.Normalize(c.p, contracts.SchemaBatchTask, obs.Raw)
	task, err := contracts.DecodeTask(raw)
	if err != nil {
		return batchcert.Violations{{Source: contracts.SourceInvariant, Operation: "queryBatchTask",
			Requirement: "RSP.query.taskId", Message: err.Error()}}
	}
	o := contracts.Observation{Task: task, Raw: raw, SelectTags: obs.SelectTags}
	if obs.Prev != nil {
		prevRaw, _ := contracts.Normalize(c.p, contracts.SchemaBatchTask, obs.Prev)
		if prev, err := contracts.DecodeTask(prevRaw); err == nil {
			o.Prev = &prev
		}
	}
	if obs.Sent != nil {
		var sent contracts.CreateRequest
		if json.Unmarshal(obs.Sent, &sent) == nil {
			o.Sent = &sent
		}
	}
	return contracts.CheckTask(c.p, o)
}

func (c *contract) Requirements() []Requirement { return c.reqs }

// Readings are the profile's readings of the docs' contradictions, for the results.
func (c *contract) Readings() []batchcert.Reading { return c.p.Readings() }

func (c *contract) ErrorContexts() []CodeContext { return c.codes }
