package openapi

import (
	"bytes"
	"context"
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
