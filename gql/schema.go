package gql

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/batchcert/batchcert/contracts"
)

// Source is the Source of every violation this package reports.
const Source = "graphql"

var loadSchema = sync.OnceValues(func() (*ast.Schema, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "batchtask.graphqls", Input: contracts.GraphQLSchema})
	if err != nil {
		return nil, fmt.Errorf("load the graphql schema: %w", err)
	}
	return s, nil
})

// Schema returns the facade's schema, loaded once from contracts.GraphQLSchema. The error is
// only possible if the embedded SDL is broken.
func Schema() (*ast.Schema, error) { return loadSchema() }

// ParseOperation parses src and validates it against the schema. The error carries gqlparser's
// messages (with line and column) and wraps its gqlerror.List.
func ParseOperation(src string) (*ast.QueryDocument, error) {
	s, err := Schema()
	if err != nil {
		return nil, err
	}
	doc, errs := gqlparser.LoadQueryWithRules(s, src, nil)
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid graphql operation: %w", errs)
	}
	return doc, nil
}

// Operation is one validated operation with exactly one root field, what batchcert sends for
// one REST call.
type Operation struct {
	// Source is the operation's text, sent as the request's query.
	Source string
	// Doc is the validated document.
	Doc *ast.QueryDocument
	// Def is the operation of Doc.
	Def *ast.OperationDefinition
	// Field is the root field (createBatchTask, batchTask, taskDetails) and Key its response
	// key (the alias, or the name).
	Field, Key string

	field *ast.Field
}

func (o *Operation) root() *ast.Field { return o.field }

// NewOperation parses and validates src, which must hold one operation selecting one root
// field.
func NewOperation(src string) (*Operation, error) {
	doc, err := ParseOperation(src)
	if err != nil {
		return nil, err
	}
	if len(doc.Operations) != 1 {
		return nil, fmt.Errorf("want exactly one operation, found %d", len(doc.Operations))
	}
	def := doc.Operations[0]
	fields := collect(def.SelectionSet)
	if len(fields) != 1 {
		return nil, fmt.Errorf("operation %s: want exactly one root field, found %d", def.Name, len(fields))
	}
	f := fields[0]
	return &Operation{Source: src, Doc: doc, Def: def, Field: f.Name, Key: responseKey(f), field: f}, nil
}

// Name is the operation's name, "" for an anonymous one.
func (o *Operation) Name() string { return o.Def.Name }

// ErrNotCoercible is wrapped by Operation.Variables when a value has no meaning as the
// declared type.
var ErrNotCoercible = errors.New("variables cannot be coerced")

// Variables coerces vars (as encoding/json decodes into `any`: float64 numbers) to the
// operation's variable types with gqlparser's validator.VariableValues, then holds them to the
// JSON types GraphQL clients send, which the library is lenient about: it takes the string "12"
// as an Int, and a lone value for a list is coerced to a one-element list (GraphQL's input
// coercion), so a REST body with a string where a list belongs would mean something else over
// GraphQL. The error wraps ErrNotCoercible and carries gqlparser's message.
func (o *Operation) Variables(vars map[string]any) (map[string]any, error) {
	s, err := Schema()
	if err != nil {
		return nil, err
	}
	if vars == nil {
		vars = map[string]any{}
	}
	// VariableValues writes what it coerces back into the maps it is given: give it a copy.
	if _, err := validator.VariableValues(s, o.Def, deepCopy(vars).(map[string]any)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotCoercible, err)
	}
	for _, v := range o.Def.VariableDefinitions {
		val, ok := vars[v.Variable]
		if !ok {
			continue
		}
		if err := strict(s, v.Type, val, ast.Path{ast.PathName("variable"), ast.PathName(v.Variable)}); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotCoercible, err)
		}
	}
	return vars, nil
}

// deepCopy copies decoded JSON.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			out[k] = deepCopy(y)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = deepCopy(y)
		}
		return out
	}
	return v
}

// strict checks a value's JSON type against typ exactly, in gqlparser's wording.
func strict(s *ast.Schema, typ *ast.Type, val any, path ast.Path) error {
	if val == nil {
		if typ.NonNull {
			return gqlerror.ErrorPathf(path, "cannot be null")
		}
		return nil
	}
	if typ.Elem != nil {
		list, ok := val.([]any)
		if !ok {
			return gqlerror.ErrorPathf(path, "cannot use %s as %s", jsonKind(val), typ.String())
		}
		for i, x := range list {
			if err := strict(s, typ.Elem, x, append(append(ast.Path{}, path...), ast.PathIndex(i))); err != nil {
				return err
			}
		}
		return nil
	}
	def := s.Types[typ.NamedType]
	if def == nil {
		return gqlerror.ErrorPathf(path, "unknown type %s", typ.NamedType)
	}
	if def.Kind == ast.InputObject {
		m, ok := val.(map[string]any)
		if !ok {
			return gqlerror.ErrorPathf(path, "must be a %s, not a %s", def.Name, jsonKind(val))
		}
		for _, f := range def.Fields {
			x, present := m[f.Name]
			if !present {
				continue
			}
			if err := strict(s, f.Type, x, append(append(ast.Path{}, path...), ast.PathName(f.Name))); err != nil {
				return err
			}
		}
		return nil
	}
	if !scalarOK(typ.NamedType, val) {
		return gqlerror.ErrorPathf(path, "cannot use %s as %s", jsonKind(val), typ.NamedType)
	}
	return nil
}

// scalarOK says whether a decoded JSON value is a value of the named scalar: Int a whole
// number in 32 bits (GraphQL's Int), String a string, Boolean a boolean, JSON an object.
func scalarOK(name string, val any) bool {
	switch name {
	case "Int":
		f, ok := number(val)
		return ok && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32
	case "Float":
		_, ok := number(val)
		return ok
	case "String":
		_, ok := val.(string)
		return ok
	case "ID":
		if _, ok := val.(string); ok {
			return true
		}
		f, ok := number(val)
		return ok && f == math.Trunc(f)
	case "Boolean":
		_, ok := val.(bool)
		return ok
	case "JSON":
		_, ok := val.(map[string]any)
		return ok
	}
	return true
}

func number(val any) (float64, bool) {
	switch n := val.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// jsonKind names a decoded JSON value's type.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64, int, int64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// collect flattens a selection set's fields through fragments. The schema has no interfaces or
// unions, so every fragment applies.
func collect(set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, collect(s.SelectionSet)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, collect(s.Definition.SelectionSet)...)
			}
		}
	}
	return out
}

func responseKey(f *ast.Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}
