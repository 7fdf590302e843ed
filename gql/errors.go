package gql

import (
	"encoding/json"
	"fmt"

	"github.com/batchcert/batchcert"
)

// Error is one entry of an answer's `errors`, read as the platform error it carries
// (extensions {code, desc, httpStatus}; see the header of contracts/batchtask.graphqls).
type Error struct {
	// Message is the GraphQL error's message.
	Message string
	// Path is the response path of the field that failed, nil when none was given.
	Path []any
	// Code and Desc are the REST error_code and error_desc; Code is "" when extensions.code
	// is missing.
	Code, Desc string
	// HTTPStatus is the HTTP status the REST call would have had; 0 when missing.
	HTTPStatus int
}

// ParseErrors reads an answer's `errors` member. It returns every error it could read and a
// violation for each rule an entry breaks: errors must be a list of objects with a string
// message, and every entry must carry extensions.code (a string) and extensions.httpStatus (an
// integer). Pointers are JSON pointers from the answer's root ("/errors/0/extensions/code").
func ParseErrors(raw json.RawMessage) ([]Error, []batchcert.Violation) {
	if isNull(raw) {
		return nil, nil
	}
	var vs []batchcert.Violation
	bad := func(ptr, format string, args ...any) {
		vs = append(vs, batchcert.Violation{Source: Source, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		bad("/errors", "is %s, expected a list", kindOf(raw))
		return nil, vs
	}
	if len(list) == 0 {
		bad("/errors", "is an empty list; an answer without errors leaves the member out")
	}
	var out []Error
	for i, item := range list {
		ptr := fmt.Sprintf("/errors/%d", i)
		var e struct {
			Message    *string         `json:"message"`
			Path       []any           `json:"path"`
			Extensions json.RawMessage `json:"extensions"`
		}
		if err := json.Unmarshal(item, &e); err != nil {
			bad(ptr, "is %s, expected an error object", kindOf(item))
			continue
		}
		got := Error{Path: e.Path}
		if e.Message == nil {
			bad(ptr+"/message", "message is missing")
		} else {
			got.Message = *e.Message
		}
		var ext map[string]json.RawMessage
		if json.Unmarshal(e.Extensions, &ext) != nil || ext == nil {
			bad(ptr+"/extensions", "extensions {code, desc, httpStatus} are missing")
			out = append(out, got)
			continue
		}
		switch c, ok := ext["code"]; {
		case !ok:
			bad(ptr+"/extensions/code", "extensions.code is missing")
		case json.Unmarshal(c, &got.Code) != nil:
			bad(ptr+"/extensions/code", "extensions.code is %s, expected a string", kindOf(c))
		}
		if d, ok := ext["desc"]; ok && json.Unmarshal(d, &got.Desc) != nil {
			bad(ptr+"/extensions/desc", "extensions.desc is %s, expected a string", kindOf(d))
		}
		switch h, ok := ext["httpStatus"]; {
		case !ok:
			bad(ptr+"/extensions/httpStatus", "extensions.httpStatus is missing")
		case json.Unmarshal(h, &got.HTTPStatus) != nil || got.HTTPStatus < 100 || got.HTTPStatus > 599:
			got.HTTPStatus = 0
			bad(ptr+"/extensions/httpStatus", "extensions.httpStatus is %s, expected an HTTP status", string(h))
		}
		out = append(out, got)
	}
	return out, vs
}
