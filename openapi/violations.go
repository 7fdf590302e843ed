package openapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/batchcert/batchcert"
)

// side says whether an error is about the request the harness sent or the target's response.
type side string

const (
	sideRequest  side = "request"
	sideResponse side = "response"
)

// contentTypeReason is how openapi3filter words a Content-Type it has no schema for.
const contentTypeReason = "header Content-Type has unexpected value"

// converter turns kin-openapi's nested errors into flat violations.
type converter struct {
	op      string
	side    side
	out     batchcert.Violations
	missing int // how many of out are missing required properties
}

// convert flattens err (openapi3.MultiError, openapi3filter.RequestError, ResponseError,
// SecurityRequirementsError, openapi3.SchemaError, nested to any depth) into violations.
func convert(err error, op string, s side) batchcert.Violations {
	if err == nil {
		return nil
	}
	c := &converter{op: op, side: s}
	c.walk(err, location{})
	return c.out
}

// location is where in the exchange an error sits: a prefix ("query/pageSize", "header/x")
// for parameters, empty for the body, whose pointer comes from the schema error.
type location struct {
	prefix string // "" for a body
	label  string // readable: "request body", "request query parameter pageSize"
}

func (c *converter) bodyLocation() location {
	return location{label: string(c.side) + " body"}
}

func (c *converter) add(pointer, msg string) {
	c.out = append(c.out, batchcert.Violation{Source: Source, Operation: c.op, Pointer: pointer, Message: msg})
}

func (c *converter) walk(err error, loc location) {
	var multi openapi3.MultiError
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		c.request(e)
	case *openapi3filter.ResponseError:
		c.response(e)
	case *openapi3filter.SecurityRequirementsError:
		for _, sub := range e.Errors {
			c.walk(sub, loc)
		}
	case *openapi3.SchemaError:
		c.schema(e, loc)
	default:
		if isMulti(err, &multi) {
			for _, sub := range multi {
				c.walk(sub, loc)
			}
			return
		}
		if u := errors.Unwrap(err); u != nil && isLayer(u) {
			c.walk(u, loc)
			return
		}
		c.add(loc.prefix, label(loc, c.side)+": "+err.Error())
	}
}

// isMulti reports whether err is an openapi3.MultiError or wraps one (through plain wrappers
// only, not through another layer that this walk handles): kin-openapi's oneOf and allOf
// failures carry their alternatives as fmt.Errorf("...: %w", multiErrorForOneOf{...}).
func isMulti(err error, multi *openapi3.MultiError) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if m, ok := e.(openapi3.MultiError); ok {
			*multi = m
			return true
		}
		if e != err && isLayer(e) {
			return false
		}
	}
	return false
}

// isLayer reports whether err is one of the error types walk handles itself.
func isLayer(err error) bool {
	switch err.(type) {
	case *openapi3.SchemaError, *openapi3filter.RequestError, *openapi3filter.ResponseError,
		*openapi3filter.SecurityRequirementsError:
		return true
	}
	return false
}

func label(loc location, s side) string {
	if loc.label != "" {
		return loc.label
	}
	return string(s)
}

func (c *converter) request(e *openapi3filter.RequestError) {
	var loc location
	switch {
	case e.Parameter != nil:
		loc = location{
			prefix: e.Parameter.In + "/" + e.Parameter.Name,
			label:  fmt.Sprintf("request %s parameter %s", e.Parameter.In, e.Parameter.Name),
		}
	case e.RequestBody != nil:
		loc = c.bodyLocation()
		if strings.Contains(e.Reason, contentTypeReason) {
			c.add("header/Content-Type", "request: "+e.Reason)
			return
		}
	default:
		loc = location{label: "request"}
	}
	if e.Err != nil && hasSchemaError(e.Err) {
		c.walk(e.Err, loc)
		return
	}
	msg := e.Reason
	if e.Err != nil && (msg == "" || msg == e.Err.Error()) {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	pointer := loc.prefix
	if e.RequestBody != nil {
		pointer = "body"
	}
	c.add(pointer, loc.label+": "+msg)
}

func (c *converter) response(e *openapi3filter.ResponseError) {
	switch {
	case e.Reason == "status is not supported":
		status := 0
		if e.Input != nil {
			status = e.Input.Status
		}
		c.add("status", fmt.Sprintf("response: status %d is not one the operation lists", status))
		return
	case strings.Contains(e.Reason, contentTypeReason):
		c.add("header/Content-Type", "response: "+strings.TrimPrefix(e.Reason, "response "))
		return
	}
	if e.Err != nil && hasSchemaError(e.Err) {
		c.walk(e.Err, c.bodyLocation())
		return
	}
	msg := e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	c.add("body", "response: "+msg)
}

func hasSchemaError(err error) bool {
	var se *openapi3.SchemaError
	return errors.As(err, &se)
}

// schema reports a schema error: a leaf where it is, an allOf by every failing part, a oneOf
// with no matching alternative by the alternative nearest to matching (the one missing the
// fewest required properties, then with the fewest errors), since the others' complaints are
// noise ("taskID is missing" matters, "error_code is missing" does not).
func (c *converter) schema(e *openapi3.SchemaError, loc location) {
	var alts openapi3.MultiError
	if e.Origin != nil && isMulti(e.Origin, &alts) {
		if e.SchemaField != "oneOf" || len(alts) == 1 {
			for _, a := range alts {
				c.walk(a, loc)
			}
			return
		}
		var best batchcert.Violations
		bestMissing := -1
		for _, a := range alts {
			sub := &converter{op: c.op, side: c.side}
			sub.walk(a, loc)
			missing := sub.missing
			if bestMissing < 0 || missing < bestMissing || (missing == bestMissing && len(sub.out) < len(best)) {
				best, bestMissing = sub.out, missing
			}
		}
		c.missing += bestMissing
		for _, v := range best {
			v.Message += " (no oneOf alternative matched; the nearest is shown)"
			c.out = append(c.out, v)
		}
		return
	}
	if e.SchemaField == "required" {
		c.missing++
	}
	path := e.JSONPointer()
	if e.SchemaField == "discriminator" && e.Schema != nil && e.Schema.Discriminator != nil {
		path = append(path, e.Schema.Discriminator.PropertyName)
	}
	pointer := loc.prefix + jsonPointer(path)
	reason := e.Reason
	if reason == "" {
		reason = fmt.Sprintf("doesn't match schema %q", e.SchemaField)
	}
	where := label(loc, c.side)
	if p := jsonPointer(path); p != "" {
		where += " " + p
	}
	c.add(pointer, where+": "+reason)
}

// jsonPointer renders path segments as an RFC 6901 pointer ("" for the whole document).
func jsonPointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		p = strings.ReplaceAll(p, "~", "~0")
		b.WriteString(strings.ReplaceAll(p, "/", "~1"))
	}
	return b.String()
}
