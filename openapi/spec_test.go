package openapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestLoadValidatesSpec(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("spec does not validate: %v", err)
	}
	again, _ := Load()
	if again != doc {
		t.Errorf("Load returned a new document on the second call; want the cached one")
	}
	var ids []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids = append(ids, op.OperationID)
		}
	}
	slices.Sort(ids)
	want := []string{"createBatchTask", "login", "queryBatchTask", "queryTaskDetails", "refreshToken"}
	if !slices.Equal(ids, want) {
		t.Errorf("operationIds = %v, want %v", ids, want)
	}
}

func TestSpecHash(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256(Spec())
	if got, want := SpecHash(), hex.EncodeToString(sum[:]); got != want || len(got) != 64 {
		t.Errorf("SpecHash = %q, want %q", got, want)
	}
	s := Spec()
	s[0] ^= 0xff
	if Spec()[0] == s[0] {
		t.Errorf("Spec returned the embedded bytes, not a copy")
	}
}

func TestErrorCodesCountDocumentedRows(t *testing.T) {
	t.Parallel()
	count := map[string]int{}
	for _, tr := range ErrorCodes() {
		count[tr.Operation]++
	}
	tests := []struct {
		op     string
		want   int
		reason string
	}{
		{"createBatchTask", 14, "api-reference §1 lists 14 create rows"},
		{"queryBatchTask", 8, "api-reference §2 lists 8 query rows"},
		{"login", 4, "api-reference §4 lists 4 login errors"},
		{"refreshToken", 4, "AMB.R5: refresh answers login's codes"},
		{"queryTaskDetails", 8, "AMB.R6: details follows query's rows"},
	}
	for _, tc := range tests {
		if count[tc.op] != tc.want {
			t.Errorf("%s has %d triples, want %d (%s)", tc.op, count[tc.op], tc.want, tc.reason)
		}
	}
	for _, want := range []Triple{
		{"createBatchTask", 200, "105001"}, {"createBatchTask", 403, "100203"},
		{"createBatchTask", 500, "100203"}, {"queryBatchTask", 404, "105005"},
		{"login", 401, "100208"},
	} {
		if !slices.Contains(ErrorCodes(), want) {
			t.Errorf("ErrorCodes lacks %+v", want)
		}
	}
	distinct := map[string]bool{}
	for _, tr := range ErrorCodes() {
		if tr.Operation == "createBatchTask" || tr.Operation == "queryBatchTask" {
			distinct[tr.Code] = true
		}
	}
	if len(distinct) != 15 {
		t.Errorf("create and query carry %d distinct codes, want the docs' 15", len(distinct))
	}
}

// TestErrorCodeEnumsMatchExtension guards the two places a response names its codes: the
// x-error-codes list tests read and the error_code enum validation enforces.
func TestErrorCodeEnumsMatchExtension(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				var listed []string
				for _, c := range ref.Value.Extensions[ErrorCodesExtension].([]any) {
					listed = append(listed, c.(string))
				}
				enum := errorCodeEnum(ref.Value.Content.Get("application/json").Schema.Value)
				slices.Sort(listed)
				slices.Sort(enum)
				if !slices.Equal(listed, enum) {
					t.Errorf("%s %s %s: x-error-codes %v but error_code enum %v", method, path, status, listed, enum)
				}
			}
		}
	}
}

// errorCodeEnum finds the error_code enum in a response schema (an ErrorBody variant).
func errorCodeEnum(s *openapi3.Schema) []string {
	var out []string
	if p := s.Properties["error_code"]; p != nil {
		for _, e := range p.Value.Enum {
			out = append(out, e.(string))
		}
	}
	for _, sub := range append(slices.Clone(s.AllOf), s.OneOf...) {
		out = append(out, errorCodeEnum(sub.Value)...)
	}
	return out
}

// TestExamplesValidate checks every example in the spec against its schema, as a response or
// a request would be, so the spec never shows a body it would reject.
func TestExamplesValidate(t *testing.T) {
	t.Parallel()
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	check := func(where string, mt *openapi3.MediaType, opt openapi3.SchemaValidationOption) {
		values := []any{}
		if mt.Example != nil {
			values = append(values, mt.Example)
		}
		for _, ex := range mt.Examples {
			values = append(values, ex.Value.Value)
		}
		for _, v := range values {
			seen++
			if err := mt.Schema.Value.VisitJSON(v, opt); err != nil {
				t.Errorf("%s: example does not validate: %v", where, err)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					check(method+" "+path+" request "+ct, mt, openapi3.VisitAsRequest())
				}
			}
			for status, ref := range op.Responses.Map() {
				for ct, mt := range ref.Value.Content {
					check(method+" "+path+" "+status+" "+ct, mt, openapi3.VisitAsResponse())
				}
			}
		}
	}
	if seen < 20 {
		t.Errorf("checked %d examples; the spec should carry one per request and response (>= 20)", seen)
	}
}
