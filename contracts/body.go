package contracts

import "errors"

// Body is one answer's body, decoded once and handed to every layer that judges it: the
// error-code reader, Normalize, the schemas, kin-openapi and the invariants all read Value,
// so no layer parses the bytes again. Value is what encoding/json decodes into an any with
// UseNumber (map[string]any, []any, string, json.Number, bool, nil), the form both
// gojsonschema and kin-openapi validate. Layers must treat Value as read-only.
type Body struct {
	Raw   []byte
	Value any
	// Err is set when Raw is not exactly one well-formed JSON value; Value is then nil.
	Err error
}

// errTrailing is the decode error of a body with data after its JSON value.
var errTrailing = errors.New("data after the JSON value")

// DecodeBody decodes raw once.
func DecodeBody(raw []byte) *Body {
	v, err := decodeValue(raw)
	return &Body{Raw: raw, Value: v, Err: err}
}

// Object returns the body as a JSON object; ok is false for any other body.
func (b *Body) Object() (m map[string]any, ok bool) {
	m, ok = b.Value.(map[string]any)
	return m, ok && m != nil
}
