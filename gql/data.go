package gql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/batchcert/batchcert"
)

// CheckData checks the `data` of an answer to the operation opName of doc ("" when doc has
// one): every selected field present under its response key and nothing else, null only where
// the schema allows it, a list where the schema declares one, and every scalar of its type (Int
// a whole number, String a string, Boolean a boolean, JSON an object), recursively. Pointers
// are JSON pointers from the answer's root ("/data/batchTask/param/command").
func CheckData(doc *ast.QueryDocument, opName string, data json.RawMessage) []batchcert.Violation {
	if doc == nil {
		return []batchcert.Violation{{Source: Source, Message: "no operation document"}}
	}
	op := doc.Operations.ForName(opName)
	if op == nil {
		return []batchcert.Violation{{Source: Source, Message: fmt.Sprintf("no operation %q in the document", opName)}}
	}
	c := &checker{op: op.Name}
	if isNull(data) {
		c.add("/data", "data is null")
		return c.vs
	}
	c.object(op.SelectionSet, data, "/data")
	return c.vs
}

type checker struct {
	op string
	vs []batchcert.Violation
}

func (c *checker) add(ptr, format string, args ...any) {
	c.vs = append(c.vs, batchcert.Violation{Source: Source, Operation: c.op, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

// object checks a JSON object against a selection set.
func (c *checker) object(set ast.SelectionSet, raw json.RawMessage, ptr string) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		c.add(ptr, "is %s, expected an object", kindOf(raw))
		return
	}
	selected := map[string]bool{}
	for _, f := range collect(set) {
		key := responseKey(f)
		selected[key] = true
		v, ok := m[key]
		if !ok {
			c.add(ptr+"/"+escape(key), "selected field %s is missing", key)
			continue
		}
		if f.Name == "__typename" {
			if !isString(v) {
				c.add(ptr+"/"+escape(key), "is %s, expected String", kindOf(v))
			}
			continue
		}
		if f.Definition == nil {
			c.add(ptr+"/"+escape(key), "field %s has no definition (operation not validated)", f.Name)
			continue
		}
		c.value(f, f.Definition.Type, v, ptr+"/"+escape(key))
	}
	for k := range m {
		if !selected[k] {
			c.add(ptr+"/"+escape(k), "field %s was not selected", k)
		}
	}
}

// value checks one value of field f against typ.
func (c *checker) value(f *ast.Field, typ *ast.Type, raw json.RawMessage, ptr string) {
	if isNull(raw) {
		if typ.NonNull {
			c.add(ptr, "is null, but %s is non-null", typ.String())
		}
		return
	}
	if typ.Elem != nil {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			c.add(ptr, "is %s, expected a list %s", kindOf(raw), typ.String())
			return
		}
		for i, x := range list {
			c.value(f, typ.Elem, x, fmt.Sprintf("%s/%d", ptr, i))
		}
		return
	}
	if len(f.SelectionSet) > 0 {
		c.object(f.SelectionSet, raw, ptr)
		return
	}
	if !scalarRaw(typ.NamedType, raw) {
		c.add(ptr, "is %s, expected %s", kindOf(raw), typ.NamedType)
	}
}

// scalarRaw says whether raw JSON is a value of the named scalar (or enum). Numbers are checked
// on the token: json.Number would also decode a quoted number.
func scalarRaw(name string, raw json.RawMessage) bool {
	num := strings.HasPrefix(kindOf(raw), "the number")
	var n json.Number
	switch name {
	case "Int":
		if !num || json.Unmarshal(raw, &n) != nil {
			return false
		}
		i, err := n.Int64()
		return err == nil && i >= math.MinInt32 && i <= math.MaxInt32
	case "Float":
		return num && json.Unmarshal(raw, &n) == nil
	case "ID":
		if num {
			if json.Unmarshal(raw, &n) != nil {
				return false
			}
			_, err := n.Int64()
			return err == nil
		}
		return isString(raw)
	case "Boolean":
		var b bool
		return json.Unmarshal(raw, &b) == nil
	case "JSON":
		return kindOf(raw) == "an object"
	}
	return isString(raw) // an enum
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func isString(raw json.RawMessage) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil
}

// kindOf names the JSON type of raw for messages.
func kindOf(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "the number " + string(t)
}

func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// restValue rewrites a checked answer value as REST carries it: keys are field names, not
// aliases, and a null is an absent member (GraphQL cannot tell absent from null; the REST
// bodies leave optional members out). JSON scalars are kept as they are.
func restValue(set ast.SelectionSet, raw json.RawMessage) any {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := map[string]any{}
	for _, f := range collect(set) {
		v, ok := m[responseKey(f)]
		if !ok || isNull(v) || f.Name == "__typename" {
			continue
		}
		out[f.Name] = restField(f, v)
	}
	return out
}

func restField(f *ast.Field, raw json.RawMessage) any {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		items := make([]any, 0, len(list))
		for _, x := range list {
			if isNull(x) {
				items = append(items, nil)
				continue
			}
			items = append(items, restField(f, x))
		}
		return items
	}
	if len(f.SelectionSet) > 0 {
		return restValue(f.SelectionSet, raw)
	}
	return raw
}
