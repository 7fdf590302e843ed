package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
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
	// bodies, tasks and sent decode each body once, however many layers and later answers
	// read it (the runner asks for the error code, the validation and the invariants of one
	// answer, and the next answer of a task is compared with this one).
	bodies memo[*contracts.Body]
	tasks  memo[decodedTask]
	sent   memo[*contracts.CreateRequest]
}

type decodedTask struct {
	task contracts.BatchTask
	err  error
}

func (c *contract) body(raw []byte) *contracts.Body { return c.bodies.get(raw, contracts.DecodeBody) }

// normalized is the answer in the doc-strict shape, decoded.
func (c *contract) normalized(schema contracts.Schema, raw []byte) *contracts.Body {
	b, _ := contracts.NormalizeBody(c.p, schema, c.body(raw))
	return b
}

func (c *contract) task(norm *contracts.Body) (contracts.BatchTask, error) {
	d := c.tasks.get(norm.Raw, func([]byte) decodedTask {
		t, err := contracts.DecodeTaskIntegral(norm) // 3.0 is RULE.integer-literal's to report
		return decodedTask{t, err}
	})
	return d.task, d.err
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
	b := c.body(ex.RespBody)
	code, _, ok, _ := contracts.ParseErrorBody(c.p, b)
	isErr := code != ""
	schema, known := bodySchema[op]
	if isErr || ex.Status >= 400 {
		schema, known = contracts.SchemaErrorBody, true
	}
	norm := b
	if known {
		norm, _ = contracts.NormalizeBody(c.p, schema, b)
	}
	if ex.request != nil {
		if norm.Err == nil {
			vs = append(vs, c.v.ValidateDecodedResponse(ctx, ex.request, ex.ReqBody, ex.Status, ex.RespHeader, norm.Raw, norm.Value)...)
		} else {
			vs = append(vs, c.v.ValidateResponse(ctx, ex.request, ex.ReqBody, ex.Status, ex.RespHeader, norm.Raw)...)
		}
	}
	if ct := ex.RespHeader.Get("Content-Type"); ct != "" || len(ex.RespBody) > 0 {
		if mt, _, err := contracts.ParseMediaType(ct); err != nil || mt != "application/json" { // RFC 9110 forms (AMB.R14)
			vs = append(vs, batchcert.Violation{Source: "schema", Operation: op, Requirement: "RULE.content-type",
				Pointer: "header/Content-Type", Message: fmt.Sprintf("Content-Type %q is not application/json", ct)})
		}
	}
	vs = append(vs, formatViolations(c.p, op, ex, isErr)...)
	switch {
	case isErr && !ok:
		vs = append(vs, batchcert.Violation{Source: "schema", Operation: op, Requirement: "RULE.error-body",
			Message: "error body is not {\"error_code\": string, \"error_desc\": string}"})
	case !isErr && ex.Status >= 400:
		vs = append(vs, batchcert.Violation{Source: "schema", Operation: op, Requirement: "RULE.error-body",
			Pointer: "/error_code", Message: fmt.Sprintf("HTTP %d without an error code", ex.Status)})
	}
	if known {
		for _, v := range c.schemas.ValidateBody(schema, norm) {
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
	if code, _, _, _ := contracts.ParseErrorBody(c.p, c.body(body)); code != "" || status >= 400 {
		schema, known = contracts.SchemaErrorBody, true
	}
	if !known {
		return body
	}
	return c.normalized(schema, body).Raw
}

func (c *contract) ErrorCode(body []byte) (string, bool) {
	code, _, _, _ := contracts.ParseErrorBody(c.p, c.body(body))
	return code, code != ""
}

func (c *contract) Field(body []byte, name string) string {
	m, _ := c.body(body).Object()
	s, _ := m[name].(string)
	return s
}

func (c *contract) Schema(name string, body []byte) batchcert.Violations {
	s := contracts.Schema(name)
	return c.schemas.ValidateBody(s, c.normalized(s, body))
}

func (c *contract) Task(obs TaskObservation) batchcert.Violations {
	norm := c.normalized(contracts.SchemaBatchTask, obs.Raw)
	task, err := c.task(norm)
	if err != nil {
		return batchcert.Violations{{Source: contracts.SourceInvariant, Operation: "queryBatchTask",
			Requirement: "RSP.query.taskId", Message: err.Error()}}
	}
	o := contracts.Observation{Task: task, Raw: norm.Raw, SelectTags: obs.SelectTags,
		CreatedFrom: obs.CreatedFrom, CreatedTo: obs.CreatedTo, CreatedSkew: obs.CreatedSkew}
	o.Doc, _ = norm.Object()
	if obs.Prev != nil {
		if prev, err := c.task(c.normalized(contracts.SchemaBatchTask, obs.Prev)); err == nil {
			o.Prev = &prev
		}
	}
	if obs.Sent != nil {
		o.Sent = c.sent.get(obs.Sent, func(raw []byte) *contracts.CreateRequest {
			var sent contracts.CreateRequest
			if json.Unmarshal(raw, &sent) != nil {
				return nil
			}
			return &sent
		})
	}
	return contracts.CheckTask(c.p, o)
}

func (c *contract) Requirements() []Requirement { return c.reqs }

// Readings are the profile's readings of the docs' contradictions, for the results.
func (c *contract) Readings() []batchcert.Reading { return c.p.Readings() }

func (c *contract) ErrorContexts() []CodeContext { return c.codes }
