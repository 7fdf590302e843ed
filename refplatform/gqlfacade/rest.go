package gqlfacade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// restClient serves one REST call through the platform's handler, in-process, and
// translates the answer.
type restClient struct {
	cfg Options
}

// call sends method path?query (path already escaped) (body: a JSON body) with the caller's credentials through
// the REST handler. A 2xx answer without error_code is decoded into out; anything else is a
// GraphQL error carrying the REST code, description and status (see restError).
func (c restClient) call(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return internalError(http.StatusInternalServerError, fmt.Errorf("build the REST request: %w", err))
	}
	req.RemoteAddr = "127.0.0.1:0"
	req.Host = "127.0.0.1"
	if creds, ok := ctx.Value(credentialsKey{}).(credentials); ok {
		req.Header["App_key"] = creds.appKey
		req.Header["Authorization"] = creds.authorization
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := newRecorder()
	c.cfg.REST.ServeHTTP(rec, req)
	return translate(rec.status, rec.body.Bytes(), out)
}

// translate turns a REST answer into out, or into the error the contract maps it to.
func translate(status int, body []byte, out any) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return internalError(status, fmt.Errorf("the platform answered %d with a body that is not a JSON object: %w", status, err))
	}
	gatewayShape(probe)
	_, hasCode := probe["error_code"]
	if status >= 200 && status < 300 && !hasCode {
		dec := json.NewDecoder(bytes.NewReader(integralNumbers(body)))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return internalError(status, fmt.Errorf("the platform's answer does not fit the schema: %w", err))
		}
		return nil
	}
	return restError(status, probe)
}

// restError is a REST error answer as a GraphQL error: message error_desc, extensions
// {code: error_code as a string, desc: error_desc, httpStatus}. A body without error_code or
// error_desc (a REST fault) leaves that extension out rather than invent one.
func restError(status int, body map[string]json.RawMessage) *gqlerror.Error {
	ext := map[string]any{"httpStatus": status}
	msg := fmt.Sprintf("the platform answered HTTP %d", status)
	if raw, ok := body["error_code"]; ok {
		var code any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&code) == nil && code != nil {
			ext["code"] = fmt.Sprint(code)
		}
	}
	var desc string
	if raw, ok := body["error_desc"]; ok && json.Unmarshal(raw, &desc) == nil {
		ext["desc"] = desc
		if desc != "" {
			msg = desc
		}
	}
	return &gqlerror.Error{Message: msg, Extensions: ext}
}

// gatewayShape reads a gateway-shaped error body {"resultcode","resultmsg"} (reading AMB.7 of
// docs/design.md, a platform served with -reading AMB.7=gateway or lenient) as the
// {"error_code","error_desc"} it stands for, so the GraphQL error carries the same code.
func gatewayShape(body map[string]json.RawMessage) {
	if _, has := body["error_code"]; has {
		return
	}
	code, okCode := body["resultcode"]
	msg, okMsg := body["resultmsg"]
	if okCode && okMsg { // the whole gateway shape; a lone resultcode is no error body
		body["error_code"], body["error_desc"] = code, msg
	}
}

// internalError is a facade failure: code 50252 with the status the REST call had.
func internalError(status int, err error) *gqlerror.Error {
	return &gqlerror.Error{Message: "Internal server error.", Err: err,
		Extensions: map[string]any{"code": CodeInternal, "desc": "Internal server error.", "httpStatus": status}}
}

// recorder is a minimal http.ResponseWriter that keeps the REST answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
