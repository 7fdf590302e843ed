package scenarios

import (
	"context"
	"net/http"
	"time"

	"github.com/batchcert/batchcert"
)

// Contract is what the runner needs from the contract packages (openapi, contracts): the
// per-exchange validation, the error-code reader, the schemas, the invariants and the catalog.
// NewContract builds the real one; tests may pass another.
type Contract interface {
	// Operation returns the operationId the request routes to, "" when there is none.
	Operation(req *http.Request) string
	// ValidateExchange checks one exchange against the OpenAPI description, the body schemas
	// and the error-body rules; it returns every violation found.
	ValidateExchange(ctx context.Context, op string, ex *Exchange) batchcert.Violations
	// ErrorCode reads the error code of an error body; ok is false for a body that is none.
	ErrorCode(body []byte) (code string, ok bool)
	// Field reads a top-level string member of a body by its exact name, "" when the body
	// is no JSON object or the member is absent or not a string.
	Field(body []byte, name string) string
	// Normalize rewrites an answer of op in a variant the profile accepts into the doc-strict
	// shape (lenient: create's taskId becomes taskID, ...), so captures and expectations read
	// one shape; under doc-strict it returns body unchanged.
	Normalize(op string, status int, body []byte) []byte
	// Schema validates body against a named schema ("batch-task", ...).
	Schema(name string, body []byte) batchcert.Violations
	// Task checks the batch-task invariants of one query answer.
	Task(obs TaskObservation) batchcert.Violations
	// Requirements is the requirements catalog.
	Requirements() []Requirement
	// ErrorContexts lists every (operation, status, code) the contract allows.
	ErrorContexts() []CodeContext
}

// TaskObservation is one query answer with what it is compared with.
type TaskObservation struct {
	Raw        []byte // the answer's body
	Prev       []byte // the previous answer for the same task, nil for the first
	Sent       []byte // the create body that made the task, nil if unknown
	SelectTags bool   // the query asked for select=tags
	// CreatedFrom and CreatedTo are the platform's time (its Date headers) before create was
	// sent and when it answered; zero when unknown (INV.startTime-created).
	CreatedFrom, CreatedTo time.Time
	// CreatedSkew is how far startTime may lie outside that window (0: the default).
	CreatedSkew time.Duration
}

// Requirement is one catalog entry, as far as the runner needs it.
type Requirement struct {
	ID        string
	Kind      string // field, response, error, rule, invariant, ambiguity
	Severity  batchcert.Severity
	Operation string // operationId, for field, response and error entries
	Status    int    // error entries
	Code      string // error entries
	Field     *FieldRule
}

// FieldRule is a request field's constraints, what the boundary cases are generated from.
type FieldRule struct {
	In           string // body, query, path, header, form
	Path         string // dotted: "param.command.serviceId"
	Type         string // string, integer, array, object
	Required     bool
	RequiredWhen map[string][]string // field path → values of it that make this one mandatory
	MinLength    *int
	MaxLength    *int
	Minimum      *int
	Maximum      *int
	MinItems     *int
	Enum         []string
}

// CodeContext is one (operation, status, code).
type CodeContext struct {
	Operation string
	Status    int
	Code      string
}
