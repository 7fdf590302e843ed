package gqlfacade

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// integralNumbers rewrites every JSON number of body written with a zero fraction or an
// exponent (3.0, 3e0) as its integer literal, so that a REST answer under reading AMB.R13 =
// integral (or fault counters-float) decodes into the facade's Int fields: a JSON number is a
// number whatever its form, and GraphQL answers it as an Int. A body without such a number, or
// one that does not decode, is returned as is.
func integralNumbers(body []byte) []byte {
	if !bytes.ContainsAny(body, ".eE") {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	changed := false
	var walk func(x any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		case json.Number:
			if !strings.ContainsAny(string(t), ".eE") {
				return t
			}
			if f, err := t.Float64(); err == nil && f == float64(int64(f)) && f <= 1<<53 && f >= -(1<<53) {
				changed = true
				return json.Number(strconv.FormatInt(int64(f), 10))
			}
		}
		return x
	}
	v = walk(v)
	if !changed {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}
