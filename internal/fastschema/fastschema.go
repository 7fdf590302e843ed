// Package fastschema decides cheaply that a decoded JSON value conforms to a schema, so the
// validators of record (gojsonschema for the JSON Schemas, kin-openapi for the spec) run only
// on answers that may not conform.
//
// A Checker is compiled from a schema's JSON form (a draft-07 JSON Schema or an OpenAPI 3.0
// Schema Object) and supports only the keywords batchcert's contracts use: type, properties,
// required, items, enum, const, minimum, maximum, minLength, maxLength, minItems, maxItems,
// pattern, allOf, oneOf (with or without an OpenAPI discriminator), if/then/else and $ref
// (local JSON pointers). A schema with any other keyword does not compile, and its callers keep the
// slow path. Valid answers true only when the value certainly conforms: a value it cannot judge
// exactly (a number written 1.0 or 1e2, a nullable, a discriminator value not in the mapping)
// answers false, which means "ask the validator of record", never "invalid".
package fastschema

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Dialect names the schema language a Checker is compiled from.
type Dialect int

// The dialects.
const (
	Draft7    Dialect = iota // JSON Schema draft-07
	OpenAPI30                // OpenAPI 3.0 Schema Object
)

// Checker is a compiled schema. It is read-only after Compile and safe for concurrent use.
type Checker struct{ root *node }

// verdict is a tri-state judgement: the value conforms, does not, or cannot be judged here.
type verdict int

const (
	yes verdict = iota
	unsure
	no
)

func (v verdict) and(w verdict) verdict { return max(v, w) }

type node struct {
	ref      string
	target   *node
	types    []string
	required []string
	props    []prop
	items    *node
	enum     []string
	hasEnum  bool
	minLen   int
	maxLen   int
	minItems int
	maxItems int
	min, max *int64
	pattern  *regexp.Regexp
	allOf    []*node
	ifN      *node
	thenN    *node
	elseN    *node
	oneOf    []*node
	discProp string
	discMap  map[string]*node
	// openapi: OpenAPI 3.0 rejects null wherever nullable is not set, with or without a type.
	openapi bool
}

type prop struct {
	name string
	node *node
}

// ignored are keywords that annotate without constraining.
var ignored = map[string]bool{"$schema": true, "$id": true, "title": true, "description": true,
	"definitions": true, "$comment": true, "examples": true, "example": true, "deprecated": true}

type compiler struct {
	root    map[string]any
	dialect Dialect
	refs    map[string]*node
}

// Compile compiles schema, whose local $refs ("#/...") resolve against root (the schema
// itself, or the whole OpenAPI document). It fails on any keyword it does not support.
func Compile(root, schema map[string]any, d Dialect) (*Checker, error) {
	c := &compiler{root: root, dialect: d, refs: map[string]*node{}}
	n, err := c.compile(schema, "#")
	if err != nil {
		return nil, err
	}
	for ref, rn := range c.refs {
		if rn.target == nil {
			return nil, fmt.Errorf("unresolved $ref %s", ref)
		}
	}
	return &Checker{root: n}, nil
}

// CompileJSON is Compile for a schema given as JSON text, which is also the root.
func CompileJSON(raw []byte, d Dialect) (*Checker, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return Compile(m, m, d)
}

func (c *compiler) compile(s map[string]any, at string) (*node, error) {
	n := &node{minLen: -1, maxLen: -1, minItems: -1, maxItems: -1, openapi: c.dialect == OpenAPI30}
	if ref, ok := s["$ref"]; ok {
		r, _ := ref.(string)
		if len(s) != 1 || !strings.HasPrefix(r, "#/") {
			return nil, fmt.Errorf("%s: $ref %v with siblings or not local", at, ref)
		}
		n.ref = r
		if _, seen := c.refs[r]; !seen {
			target := &node{}
			c.refs[r] = target
			sub, err := c.resolve(r)
			if err != nil {
				return nil, err
			}
			compiled, err := c.compile(sub, r)
			if err != nil {
				return nil, err
			}
			*target = *compiled
			target.target = target
		}
		n.target = c.refs[r]
		return n, nil
	}
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := s[k]
		var err error
		switch k {
		case "type":
			n.types, err = stringsOf(v)
		case "required":
			n.required, err = stringsOf(v)
		case "enum":
			n.enum, err = stringsOf(v)
			n.hasEnum = true
		case "const":
			str, ok := v.(string)
			if !ok {
				err = fmt.Errorf("non-string const")
			}
			n.enum, n.hasEnum = []string{str}, true
		case "properties":
			m, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: properties is not an object", at)
			}
			for name, sub := range m {
				pn, err := c.sub(sub, at+"/properties/"+name)
				if err != nil {
					return nil, err
				}
				n.props = append(n.props, prop{name, pn})
			}
		case "items":
			n.items, err = c.sub(v, at+"/items")
		case "allOf", "oneOf":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s is not an array", at, k)
			}
			for i, sub := range list {
				sn, err := c.sub(sub, fmt.Sprintf("%s/%s/%d", at, k, i))
				if err != nil {
					return nil, err
				}
				if k == "allOf" {
					n.allOf = append(n.allOf, sn)
				} else {
					n.oneOf = append(n.oneOf, sn)
				}
			}
		case "if", "then", "else":
			if c.dialect != Draft7 {
				return nil, fmt.Errorf("%s: %s outside draft-07", at, k)
			}
			sn, err := c.sub(v, at+"/"+k)
			if err != nil {
				return nil, err
			}
			switch k {
			case "if":
				n.ifN = sn
			case "then":
				n.thenN = sn
			default:
				n.elseN = sn
			}
		case "discriminator":
			if c.dialect != OpenAPI30 {
				return nil, fmt.Errorf("%s: discriminator outside OpenAPI", at)
			}
			err = c.discriminator(n, v, at)
		case "minLength", "maxLength", "minItems", "maxItems":
			var i int64
			i, err = intOf(v)
			switch k {
			case "minLength":
				n.minLen = int(i)
			case "maxLength":
				n.maxLen = int(i)
			case "minItems":
				n.minItems = int(i)
			default:
				n.maxItems = int(i)
			}
		case "minimum", "maximum":
			var i int64
			if i, err = intOf(v); err == nil {
				if k == "minimum" {
					n.min = &i
				} else {
					n.max = &i
				}
			}
		case "pattern":
			p, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s: pattern is not a string", at)
			}
			n.pattern, err = regexp.Compile(p)
		case "nullable", "readOnly", "writeOnly", "exclusiveMinimum", "exclusiveMaximum", "uniqueItems":
			if b, ok := v.(bool); !ok || b {
				return nil, fmt.Errorf("%s: unsupported %s", at, k)
			}
		default:
			if !ignored[k] {
				return nil, fmt.Errorf("%s: unsupported keyword %s", at, k)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", at, k, err)
		}
	}
	if n.ifN == nil && (n.thenN != nil || n.elseN != nil) {
		n.thenN, n.elseN = nil, nil // draft-07: then and else without if are ignored
	}
	return n, nil
}

func (c *compiler) discriminator(n *node, v any, at string) error {
	d, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("not an object")
	}
	prop, _ := d["propertyName"].(string)
	mapping, _ := d["mapping"].(map[string]any)
	if prop == "" || len(mapping) == 0 {
		return fmt.Errorf("needs propertyName and mapping")
	}
	n.discProp, n.discMap = prop, map[string]*node{}
	for val, ref := range mapping {
		sn, err := c.sub(map[string]any{"$ref": ref}, at+"/discriminator/"+val)
		if err != nil {
			return err
		}
		n.discMap[val] = sn
	}
	return nil
}

func (c *compiler) sub(v any, at string) (*node, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: schema is not an object", at)
	}
	return c.compile(m, at)
}

func (c *compiler) resolve(ref string) (map[string]any, error) {
	var cur any = c.root
	for _, seg := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %s does not resolve", ref)
		}
		if cur, ok = m[seg]; !ok {
			return nil, fmt.Errorf("$ref %s does not resolve", ref)
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %s is not a schema", ref)
	}
	return m, nil
}

func stringsOf(v any) ([]string, error) {
	if s, ok := v.(string); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a string or a list of strings")
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("non-string member %v", e)
		}
		out = append(out, s)
	}
	return out, nil
}

func intOf(v any) (int64, error) {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return int64(x), nil
		}
	case json.Number:
		return strconv.ParseInt(x.String(), 10, 64)
	}
	return 0, fmt.Errorf("not an integer: %v", v)
}

// Valid reports whether v, decoded by encoding/json with UseNumber (or without: float64s
// holding integers are judged too), certainly conforms. False means the value does not
// conform or cannot be judged here; the caller then asks the validator of record.
func (c *Checker) Valid(v any) bool {
	return c != nil && c.root.check(v) == yes
}

func (n *node) check(v any) verdict {
	if n.target != nil && n.target != n {
		return n.target.check(v)
	}
	if v == nil && n.openapi {
		return unsure
	}
	r := yes
	if len(n.types) > 0 {
		r = n.typeOf(v)
		if r == no {
			return no
		}
	}
	switch x := v.(type) {
	case string:
		r = r.and(n.checkString(x))
	case map[string]any:
		r = r.and(n.checkObject(x))
	case []any:
		if n.hasEnum || n.minItems >= 0 && len(x) < n.minItems || n.maxItems >= 0 && len(x) > n.maxItems {
			return no
		}
		if n.items != nil {
			for _, e := range x {
				if r = r.and(n.items.check(e)); r == no {
					return no
				}
			}
		}
	case json.Number, float64:
		r = r.and(n.checkNumber(x))
	default:
		if n.hasEnum {
			return no
		}
	}
	if r == no {
		return no
	}
	for _, a := range n.allOf {
		if r = r.and(a.check(v)); r == no {
			return no
		}
	}
	if n.ifN != nil {
		switch n.ifN.check(v) {
		case yes:
			if n.thenN != nil {
				r = r.and(n.thenN.check(v))
			}
		case no:
			if n.elseN != nil {
				r = r.and(n.elseN.check(v))
			}
		default:
			return unsure
		}
	}
	if len(n.oneOf) > 0 {
		r = r.and(n.checkOneOf(v))
	}
	return r
}

func (n *node) typeOf(v any) verdict {
	best := no
	for _, t := range n.types {
		var got verdict
		switch t {
		case "object":
			got = is[map[string]any](v)
		case "array":
			got = is[[]any](v)
		case "string":
			got = is[string](v)
		case "boolean":
			got = is[bool](v)
		case "null":
			if v == nil {
				got = yes
			} else {
				got = no
			}
		case "integer":
			got = integerVerdict(v)
		case "number":
			switch v.(type) {
			case json.Number, float64:
				got = yes
			default:
				got = no
			}
		default:
			got = unsure
		}
		best = min(best, got)
	}
	return best
}

func is[T any](v any) verdict {
	if _, ok := v.(T); ok {
		return yes
	}
	return no
}

// integerVerdict: a plain integer literal is an integer; another number may be one (1.0, 1e2)
// by some validators' reading, so it is left to them.
func integerVerdict(v any) verdict {
	switch x := v.(type) {
	case json.Number:
		if _, ok := plainInt(x.String()); ok {
			return yes
		}
		return unsure
	case float64:
		if x == float64(int64(x)) {
			return yes
		}
		return unsure
	}
	return no
}

func plainInt(s string) (int64, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return 0, false
		}
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

func (n *node) checkNumber(v any) verdict {
	if n.hasEnum {
		return unsure
	}
	if n.min == nil && n.max == nil {
		return yes
	}
	var i int64
	switch x := v.(type) {
	case json.Number:
		var ok bool
		if i, ok = plainInt(x.String()); !ok {
			return unsure
		}
	case float64:
		if x != float64(int64(x)) {
			return unsure
		}
		i = int64(x)
	}
	if n.min != nil && i < *n.min || n.max != nil && i > *n.max {
		return no
	}
	return yes
}

func (n *node) checkString(s string) verdict {
	if n.minLen >= 0 || n.maxLen >= 0 {
		l := utf8.RuneCountInString(s)
		if n.minLen >= 0 && l < n.minLen || n.maxLen >= 0 && l > n.maxLen {
			return no
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		return no
	}
	if n.hasEnum {
		for _, e := range n.enum {
			if e == s {
				return yes
			}
		}
		return no
	}
	return yes
}

func (n *node) checkObject(m map[string]any) verdict {
	if n.hasEnum {
		return no
	}
	for _, req := range n.required {
		if _, ok := m[req]; !ok {
			return no
		}
	}
	r := yes
	for _, p := range n.props {
		v, ok := m[p.name]
		if !ok {
			continue
		}
		if r = r.and(p.node.check(v)); r == no {
			return no
		}
	}
	return r
}

// checkOneOf judges a discriminated oneOf by its mapped alternative, as kin-openapi does, and
// a plain one by counting: exactly one alternative certainly valid, every other certainly not.
func (n *node) checkOneOf(v any) verdict {
	if n.discProp != "" {
		m, _ := v.(map[string]any)
		val, _ := m[n.discProp].(string)
		alt, ok := n.discMap[val]
		if ok && alt.check(v) == yes {
			return yes
		}
		return unsure
	}
	valid := 0
	for _, alt := range n.oneOf {
		switch alt.check(v) {
		case yes:
			valid++
		case unsure:
			return unsure
		}
	}
	if valid == 1 {
		return yes
	}
	return no
}
