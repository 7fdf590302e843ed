package openapi

import (
	"cmp"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// The contract, embedded so the binary and its tests always check against the file in the tree.
//
//go:embed batchtask.yaml
var spec []byte

// Source is the Violation.Source of every violation this package reports.
const Source = "openapi"

// ErrorCodesExtension is the response extension that lists the error codes a response may carry.
const ErrorCodesExtension = "x-error-codes"

// Spec returns a copy of the embedded OpenAPI document (YAML).
func Spec() []byte { return slices.Clone(spec) }

// SpecHash returns the hex SHA-256 of the embedded document, so a report can say which
// contract it was checked against.
func SpecHash() string {
	sum := sha256.Sum256(spec)
	return hex.EncodeToString(sum[:])
}

var (
	loadOnce sync.Once
	loaded   *openapi3.T
	loadErr  error
)

// Load parses and validates the embedded document once and returns it. The document is
// shared: callers must treat it as read-only.
func Load() (*openapi3.T, error) {
	loadOnce.Do(func() { loaded, loadErr = loadDoc(context.Background()) })
	return loaded, loadErr
}

// loadDoc parses and validates a fresh copy of the embedded document.
func loadDoc(ctx context.Context) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("loading embedded openapi spec: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validating embedded openapi spec: %w", err)
	}
	return doc, nil
}

// Triple is one (operation, HTTP status, error code) the contract allows: ERR.<op>.<status>.<code>
// in the requirements catalog.
type Triple struct {
	Operation string // operationId, e.g. "createBatchTask"
	Status    int    // HTTP status, e.g. 403
	Code      string // error code as the body carries it, e.g. "100203"
}

var (
	triplesOnce sync.Once
	triples     []Triple
	triplesErr  error
)

// ErrorCodes returns every (operationId, status, code) listed in the spec's x-error-codes,
// sorted by operation, status and code. The triples of refreshToken and queryTaskDetails are
// readings (AMB.R5, AMB.R6), the others documented rows. It returns nil only if the embedded
// spec is broken, which the package's tests rule out.
func ErrorCodes() []Triple {
	triplesOnce.Do(func() {
		doc, err := Load()
		if err != nil {
			triplesErr = err
			return
		}
		triples, triplesErr = collectTriples(doc)
	})
	if triplesErr != nil {
		return nil
	}
	return slices.Clone(triples)
}

// collectTriples reads x-error-codes from every response of every operation.
func collectTriples(doc *openapi3.T) ([]Triple, error) {
	var out []Triple
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				if ref == nil || ref.Value == nil {
					continue
				}
				raw, ok := ref.Value.Extensions[ErrorCodesExtension]
				if !ok {
					return nil, fmt.Errorf("%s %s response %s has no %s", method, path, status, ErrorCodesExtension)
				}
				code, err := strconv.Atoi(status)
				if err != nil {
					return nil, fmt.Errorf("%s %s response %q is not a numeric status: %w", method, path, status, err)
				}
				list, ok := raw.([]any)
				if !ok {
					return nil, fmt.Errorf("%s %s response %s: %s is %T, not a list", method, path, status, ErrorCodesExtension, raw)
				}
				for _, c := range list {
					s, ok := c.(string)
					if !ok {
						return nil, fmt.Errorf("%s %s response %s: error code %v is not a string", method, path, status, c)
					}
					out = append(out, Triple{Operation: op.OperationID, Status: code, Code: s})
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Triple) int {
		return cmp.Or(cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}
