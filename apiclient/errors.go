package apiclient

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// ErrorBody is an error body as read by ErrorCode.
type ErrorBody struct {
	Code string
	Desc string
	// Shape is "error_code" for {"error_code","error_desc"} (the docs' shape) or "resultcode"
	// for {"resultcode","resultmsg"} (an API gateway's); "" when the body carries no code.
	Shape string
	// Numeric is set when the code was a JSON number, not a string.
	Numeric bool
}

// ErrorCode reads an error body in either shape the platform may answer: the docs'
// {"error_code": "...", "error_desc": "..."} or a gateway's {"resultcode","resultmsg"}; a
// code may be a string or an integer number (read as its decimal text). A body that is no
// JSON object or carries neither key gives the zero ErrorBody. Whether a shape is acceptable
// is the contract's judgement (contracts.ParseError), not the client's.
func ErrorCode(body []byte) ErrorBody {
	if !bytes.Contains(body, []byte("code")) {
		return ErrorBody{}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ErrorBody{}
	}
	for _, shape := range [][2]string{{"error_code", "error_desc"}, {"resultcode", "resultmsg"}} {
		raw, ok := m[shape[0]]
		if !ok {
			continue
		}
		e := ErrorBody{Shape: shape[0]}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e.Code = s
		} else {
			var n json.Number
			if json.Unmarshal(raw, &n) == nil {
				if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
					e.Code, e.Numeric = n.String(), true
				}
			}
		}
		_ = json.Unmarshal(m[shape[1]], &e.Desc)
		if e.Code == "" {
			return ErrorBody{}
		}
		return e
	}
	return ErrorBody{}
}
