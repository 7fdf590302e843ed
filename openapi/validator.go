package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/internal/fastschema"
)

// DefaultCheckSecurity is whether a Validator reports a missing app_key or Authorization
// header as a request violation unless told otherwise (WithSecurityCheck).
const DefaultCheckSecurity = true

// Validator checks requests and responses against the embedded contract. Build it with
// NewValidator; it is safe for concurrent use.
type Validator struct {
	doc           *openapi3.T
	router        routers.Router
	checkSecurity bool
	options       openapi3filter.Options
	// envelope is options without the body, for ValidateDecodedResponse.
	envelope openapi3filter.Options
	// fast holds a fastschema.Checker per JSON response schema (nil where one does not compile).
	fast map[*openapi3.SchemaRef]*fastschema.Checker
}

// Option configures a Validator.
type Option func(*Validator)

// WithSecurityCheck sets whether ValidateRequest reports a request that lacks the headers of
// the operation's security requirement (app_key, and Authorization as "Bearer <token>";
// FLD.<op>.header.*). The credentials themselves are the platform's to judge, never ours.
func WithSecurityCheck(enabled bool) Option {
	return func(v *Validator) { v.checkSecurity = enabled }
}

// NewValidator builds a Validator over its own copy of the embedded spec, with the servers
// dropped so a request to any host (http://127.0.0.1:PORT/...) finds its operation.
func NewValidator(opts ...Option) (*Validator, error) {
	doc, err := loadDoc(context.Background())
	if err != nil {
		return nil, err
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("building openapi router: %w", err)
	}
	v := &Validator{
		doc:           doc,
		router:        router,
		checkSecurity: DefaultCheckSecurity,
		options: openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
			// Credentials are checked by the platform; the presence of the headers is checked
			// by checkSecurityHeaders, which can report both headers at once.
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true,
		},
	}
	for _, o := range opts {
		o(v)
	}
	v.envelope = v.options
	v.envelope.ExcludeResponseBody = true
	if v.fast, err = compileFast(doc); err != nil {
		return nil, err
	}
	return v, nil
}

// Operation returns the operationId the request is routed to, or an error when the contract
// has no operation for its method and path.
func (v *Validator) Operation(req *http.Request) (string, error) {
	route, _, err := v.router.FindRoute(req)
	if err != nil {
		return "", fmt.Errorf("no operation for %s %s: %w", req.Method, req.URL.Path, err)
	}
	return route.Operation.OperationID, nil
}

// ValidateExchange validates the request the harness sent (with body reqBody) and the response
// the target answered (status, header, body), returning every violation of both; nil means the
// exchange conforms. A request to no operation of the contract is one violation at "route".
// Request violations' messages start with "request", response violations' with "response".
func (v *Validator) ValidateExchange(ctx context.Context, req *http.Request, reqBody []byte,
	status int, respHeader http.Header, respBody []byte) batchcert.Violations {
	route, params, vs := v.route(req)
	if vs != nil {
		return vs
	}
	out := v.validateRequest(ctx, req, reqBody, route, params)
	return append(out, v.validateResponse(ctx, req, reqBody, route, params, status, respHeader, respBody)...)
}

// ValidateRequest validates one request (with its body) against its operation.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request, body []byte) batchcert.Violations {
	route, params, vs := v.route(req)
	if vs != nil {
		return vs
	}
	return v.validateRequest(ctx, req, body, route, params)
}

// ValidateResponse validates the response to req against req's operation: the status must be
// one the operation lists, the Content-Type one it declares, and the body must match the
// status's schema. reqBody is only used to give kin-openapi a complete request.
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, reqBody []byte,
	status int, h http.Header, body []byte) batchcert.Violations {
	route, params, vs := v.route(req)
	if vs != nil {
		return vs
	}
	return v.validateResponse(ctx, req, reqBody, route, params, status, h, body)
}

func (v *Validator) route(req *http.Request) (*routers.Route, map[string]string, batchcert.Violations) {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, nil, batchcert.Violations{{
			Source:  Source,
			Pointer: "route",
			Message: fmt.Sprintf("request: the contract has no operation for %s %s: %v", req.Method, req.URL.Path, err),
		}}
	}
	return route, params, nil
}

func (v *Validator) input(ctx context.Context, req *http.Request, body []byte,
	route *routers.Route, params map[string]string) *openapi3filter.RequestValidationInput {
	clone := req.Clone(ctx)
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.ContentLength = int64(len(body))
	clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: params,
		Route:      route,
		Options:    &v.options,
	}
}

func (v *Validator) validateRequest(ctx context.Context, req *http.Request, body []byte,
	route *routers.Route, params map[string]string) batchcert.Violations {
	op := route.Operation.OperationID
	var out batchcert.Violations
	if v.checkSecurity {
		out = v.checkSecurityHeaders(req, route)
	}
	err := openapi3filter.ValidateRequest(ctx, v.input(ctx, req, body, route, params))
	return append(out, convert(err, op, sideRequest)...)
}

func (v *Validator) validateResponse(ctx context.Context, req *http.Request, reqBody []byte,
	route *routers.Route, params map[string]string, status int, h http.Header, body []byte) batchcert.Violations {
	if h == nil {
		h = http.Header{}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: v.input(ctx, req, reqBody, route, params),
		Status:                 status,
		Header:                 h,
		Options:                &v.options,
	}
	in.SetBodyBytes(body)
	return convert(openapi3filter.ValidateResponse(ctx, in), route.Operation.OperationID, sideResponse)
}

// checkSecurityHeaders reports the headers missing for the operation's security requirements
// (FLD.<op>.header.app_key, FLD.<op>.header.Authorization): none when one requirement is met,
// else those of the first requirement. The spec declares the requirement, so a request without
// the headers does not conform; whether the credentials are valid is the platform's answer.
func (v *Validator) checkSecurityHeaders(req *http.Request, route *routers.Route) batchcert.Violations {
	srs := v.doc.Security
	if route.Operation.Security != nil {
		srs = *route.Operation.Security
	}
	var first batchcert.Violations
	for i, sr := range srs {
		var missing batchcert.Violations
		for _, name := range slices.Sorted(maps.Keys(sr)) {
			ref := v.doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			if msg := headerProblem(req.Header, ref.Value); msg != "" {
				missing = append(missing, batchcert.Violation{
					Source:    Source,
					Operation: route.Operation.OperationID,
					Pointer:   "header/" + headerName(ref.Value),
					Message:   "request: " + msg,
				})
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if i == 0 {
			first = missing
		}
	}
	return first
}

// headerName is the request header a security scheme reads.
func headerName(s *openapi3.SecurityScheme) string {
	if s.Type == "http" {
		return "Authorization"
	}
	return s.Name
}

// headerProblem says what is wrong with the header a scheme needs, or "" if nothing is.
// It never echoes the header's value: it may be a token.
func headerProblem(h http.Header, s *openapi3.SecurityScheme) string {
	switch {
	case s.Type == "apiKey" && s.In == "header":
		if strings.TrimSpace(h.Get(s.Name)) == "" {
			return fmt.Sprintf("header %s is missing or empty", s.Name)
		}
	case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"):
		val := h.Get("Authorization")
		if val == "" {
			return "header Authorization is missing"
		}
		scheme, token, ok := strings.Cut(val, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return `header Authorization is not "Bearer <accessToken>"`
		}
	}
	return ""
}

// ValidateDecodedResponse is ValidateResponse for a body the caller has decoded once:
// value must be body as encoding/json decodes it into an any with UseNumber (what kin-openapi
// itself would decode). kin-openapi checks the status and headers; the body is judged on
// value, by a fastschema.Checker first and by kin-openapi's VisitJSON when the checker cannot
// clear it, so every violation reported is still kin-openapi's. An exchange outside the plain
// JSON case (HEAD, an undeclared status, another media type) takes ValidateResponse's path.
func (v *Validator) ValidateDecodedResponse(ctx context.Context, req *http.Request, reqBody []byte,
	status int, h http.Header, body []byte, value any) batchcert.Violations {
	route, params, vs := v.route(req)
	if vs != nil {
		return vs
	}
	if h == nil {
		h = http.Header{}
	}
	schema := jsonBodySchema(req, route, status, h)
	if schema == nil {
		return v.validateResponse(ctx, req, reqBody, route, params, status, h, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: &v.envelope},
		Status:                 status,
		Header:                 h,
		Options:                &v.envelope,
	}
	op := route.Operation.OperationID
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return convert(err, op, sideResponse)
	}
	if v.fast[schema].Valid(value) {
		return nil
	}
	err := schema.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse())
	if err == nil {
		return nil
	}
	id := strings.TrimSpace(schema.Ref)
	if id == "" {
		id = strings.TrimSpace(schema.Value.Title)
	}
	if id != "" {
		id = " " + id
	}
	return convert(&openapi3filter.ResponseError{Input: in, Reason: "response body doesn't match schema" + id, Err: err}, op, sideResponse)
}

// jsonBodySchema is the schema kin-openapi would validate a JSON answer's body against, or
// nil when the answer is not the plain case ValidateDecodedResponse handles itself.
func jsonBodySchema(req *http.Request, route *routers.Route, status int, h http.Header) *openapi3.SchemaRef {
	switch status {
	case http.StatusNotModified, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusMovedPermanently:
		return nil
	}
	responses := route.Operation.Responses
	if req.Method == http.MethodHead || responses.Len() == 0 {
		return nil
	}
	ref := responses.Status(status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil || len(ref.Value.Content) == 0 {
		return nil
	}
	ct := h.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		return nil
	}
	media := ref.Value.Content.Get(ct)
	if media == nil || media.Schema == nil || media.Schema.Value == nil || len(media.Encoding) > 0 {
		return nil
	}
	return media.Schema
}

// compileFast compiles a fastschema.Checker for every JSON response schema of doc; a schema
// with a keyword fastschema does not support gets none and is always judged by kin-openapi.
func compileFast(doc *openapi3.T) (map[*openapi3.SchemaRef]*fastschema.Checker, error) {
	rootJSON, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: encoding the spec for the fast check: %w", err)
	}
	var root map[string]any
	if err := json.Unmarshal(rootJSON, &root); err != nil {
		return nil, fmt.Errorf("openapi: decoding the spec for the fast check: %w", err)
	}
	out := map[*openapi3.SchemaRef]*fastschema.Checker{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				media := resp.Value.Content.Get("application/json")
				if media == nil || media.Schema == nil {
					continue
				}
				if _, done := out[media.Schema]; done {
					continue
				}
				out[media.Schema], _ = compileSchemaRef(root, media.Schema)
			}
		}
	}
	return out, nil
}

func compileSchemaRef(root map[string]any, ref *openapi3.SchemaRef) (*fastschema.Checker, error) {
	enc, err := json.Marshal(ref)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(enc, &m); err != nil {
		return nil, err
	}
	return fastschema.Compile(root, m, fastschema.OpenAPI30)
}
