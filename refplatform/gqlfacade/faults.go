package gqlfacade

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// The facade's named faults; the platform's fault registry lists them with the REST ones.
const (
	FaultFieldRenamed     = "gql-field-renamed"
	FaultNullableNonNull  = "gql-nullable-nonnull"
	FaultErrorWithoutCode = "gql-error-without-code"
	FaultDataDisagrees    = "gql-data-disagrees"
)

// Descriptions are the facade faults' one-line descriptions.
var Descriptions = map[string]string{
	FaultFieldRenamed:     "the GraphQL facade answers BatchTask's taskId under the key taskID (the schema's field is taskId)",
	FaultNullableNonNull:  "the GraphQL facade answers null for BatchTask.operator, a non-null field, without an error",
	FaultErrorWithoutCode: "the GraphQL facade's errors carry no extensions.code",
	FaultDataDisagrees:    "the GraphQL facade answers BatchTask.progress one off the REST answer for the same read",
}

// Faults are the facade faults in force. Each is a thin rewrite of gqlgen's response, after
// execution: the engine and the REST answers stay clean.
type Faults struct {
	FieldRenamed, NullableNonNull, ErrorWithoutCode, DataDisagrees bool
}

// FaultsFor switches on the facade faults among names; other names are ignored.
func FaultsFor(names map[string]bool) Faults {
	return Faults{FieldRenamed: names[FaultFieldRenamed], NullableNonNull: names[FaultNullableNonNull],
		ErrorWithoutCode: names[FaultErrorWithoutCode], DataDisagrees: names[FaultDataDisagrees]}
}

func (f Faults) any() bool {
	return f.FieldRenamed || f.NullableNonNull || f.ErrorWithoutCode || f.DataDisagrees
}

// apply is the response middleware that rewrites the answer under the faults in force.
func (f Faults) apply(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || !f.any() {
		return resp
	}
	if f.ErrorWithoutCode {
		for _, e := range resp.Errors {
			delete(e.Extensions, "code")
		}
	}
	if len(resp.Data) == 0 || !graphql.HasOperationContext(ctx) {
		return resp
	}
	keys := batchTaskKeys(graphql.GetOperationContext(ctx))
	if len(keys) == 0 {
		return resp
	}
	if data, ok := f.rewrite(resp.Data, keys); ok {
		resp.Data = data
	}
	return resp
}

// batchTaskKeys are the response keys (alias or name) of the operation's top-level
// batchTask fields. Fields inside fragments are not followed.
func batchTaskKeys(oc *graphql.OperationContext) []string {
	if oc == nil || oc.Operation == nil {
		return nil
	}
	var keys []string
	for _, s := range oc.Operation.SelectionSet {
		if fd, ok := s.(*ast.Field); ok && fd.Name == "batchTask" {
			keys = append(keys, fd.Alias)
		}
	}
	return keys
}

// rewrite applies the data faults to each batchTask object of data. The rewritten object's
// keys come out sorted (encoding/json), which GraphQL allows.
func (f Faults) rewrite(data json.RawMessage, keys []string) (json.RawMessage, bool) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil, false
	}
	changed := false
	for _, k := range keys {
		task, ok := m[k].(map[string]any)
		if !ok {
			continue
		}
		if v, ok := task["taskId"]; ok && f.FieldRenamed {
			delete(task, "taskId")
			task["taskID"] = v
			changed = true
		}
		if _, ok := task["operator"]; ok && f.NullableNonNull {
			task["operator"] = nil
			changed = true
		}
		if n, ok := task["progress"].(json.Number); ok && f.DataDisagrees {
			task["progress"] = offByOne(n)
			changed = true
		}
	}
	if !changed {
		return nil, false
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	return out, true
}

// offByOne is n+1, or n-1 at the top of the permille range so the value stays in 0..1000.
func offByOne(n json.Number) any {
	v, err := n.Int64()
	if err != nil {
		return n
	}
	if v >= 1000 {
		return v - 1
	}
	return v + 1
}
