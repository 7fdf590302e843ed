package gql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"github.com/batchcert/batchcert"
)

// Request is the JSON body of a POST to the facade's endpoint.
type Request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// Request returns the POST body that runs the operation with vars (already coerced by
// Variables).
func (o *Operation) Request(vars map[string]any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the body is read by people in evidence; & stays &
	if err := enc.Encode(Request{Query: o.Source, OperationName: o.Name(), Variables: vars}); err != nil {
		return nil, fmt.Errorf("encode graphql request: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Answer is an answer of the facade read as the REST answer it stands for.
type Answer struct {
	// Status is the REST status: the failed field's extensions.httpStatus, else 200.
	Status int
	// Body is the REST body: the root field's object (keys by field name, null members left
	// out), or {"error_code","error_desc"} from the failed field's extensions.
	Body []byte
	// Errors are the entries of `errors`.
	Errors []Error
	// Violations are what the answer breaks as a GraphQL answer of the facade: the HTTP status,
	// the Content-Type, the data (CheckData) and the errors (ParseErrors).
	Violations batchcert.Violations
	// Err is set when the answer is no GraphQL response at all; Status and Body are then the
	// HTTP answer's.
	Err error
}

// ErrNotGraphQL is wrapped by Answer.Err when a body is not a GraphQL response.
var ErrNotGraphQL = errors.New("not a graphql response")

// Read reads the HTTP answer (status, Content-Type, body) of the facade to this operation. A
// well-formed request is answered 200 whatever the platform said; the platform's answer is in
// data.<field> or in the error's extensions.
func (o *Operation) Read(status int, contentType string, body []byte) Answer {
	a := Answer{Status: http.StatusOK}
	if status != http.StatusOK {
		a.Violations = append(a.Violations, batchcert.Violation{Source: Source, Operation: o.Name(), Pointer: "status",
			Message: fmt.Sprintf("HTTP %d to a well-formed graphql request, expected 200", status)})
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil ||
		(mt != "application/json" && mt != "application/graphql-response+json") {
		a.Violations = append(a.Violations, batchcert.Violation{Source: Source, Operation: o.Name(), Pointer: "header/Content-Type",
			Message: fmt.Sprintf("Content-Type %q is not application/json or application/graphql-response+json", contentType)})
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil || env == nil {
		a.Status, a.Body = status, body
		a.Err = fmt.Errorf("%w: the body is %s", ErrNotGraphQL, kindOf(body))
		return a
	}
	rawData, hasData := env["data"]
	rawErrs, hasErrs := env["errors"]
	if !hasData && !hasErrs {
		a.Status, a.Body = status, body
		a.Err = fmt.Errorf("%w: the body has neither data nor errors", ErrNotGraphQL)
		return a
	}
	errs, evs := ParseErrors(rawErrs)
	a.Errors = errs
	for _, v := range evs {
		v.Operation = o.Name()
		a.Violations = append(a.Violations, v)
	}
	if len(errs) > 0 {
		o.readError(&a, rawData)
		return a
	}
	a.Violations = append(a.Violations, CheckData(o.Doc, o.Name(), rawData)...)
	var data map[string]json.RawMessage
	_ = json.Unmarshal(rawData, &data)
	v, ok := data[o.Key]
	if !ok || isNull(v) {
		a.Violations = append(a.Violations, batchcert.Violation{Source: Source, Operation: o.Name(), Pointer: "/data/" + escape(o.Key),
			Message: "is null (or missing) in an answer without errors"})
		a.Body = []byte("null")
		return a
	}
	a.Body, _ = json.Marshal(restField(o.root(), v))
	return a
}

// readError reads an answer with errors: the error of this operation's field is the REST
// error, and the field must be null.
func (o *Operation) readError(a *Answer, rawData json.RawMessage) {
	pick := -1
	for i, e := range a.Errors {
		if len(e.Path) > 0 && e.Path[0] == o.Key {
			pick = i
			break
		}
	}
	if pick < 0 {
		a.Violations = append(a.Violations, batchcert.Violation{Source: Source, Operation: o.Name(), Pointer: "/errors/0/path",
			Message: fmt.Sprintf("no error's path names the field %s", o.Key)})
		pick = 0
	}
	e := a.Errors[pick]
	if e.HTTPStatus != 0 {
		a.Status = e.HTTPStatus
	}
	body := map[string]string{"error_desc": e.Desc}
	if e.Code != "" {
		body["error_code"] = e.Code
	}
	a.Body, _ = json.Marshal(body)
	if !isNull(rawData) {
		var data map[string]json.RawMessage
		if json.Unmarshal(rawData, &data) != nil {
			a.Violations = append(a.Violations, batchcert.Violation{Source: Source, Operation: o.Name(), Pointer: "/data",
				Message: fmt.Sprintf("is %s, expected an object or null", kindOf(rawData))})
		} else if v, ok := data[o.Key]; ok && !isNull(v) {
			a.Violations = append(a.Violations, batchcert.Violation{Source: Source, Operation: o.Name(), Pointer: "/data/" + escape(o.Key),
				Message: "is not null although the field failed"})
		}
	}
}
