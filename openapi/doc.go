// Package openapi holds batchcert's OpenAPI 3.0.3 contract of the batch-task northbound API
// (batchtask.yaml, embedded) and validates live exchanges against it.
//
// The spec is the machine-readable form of the doc-strict readings in docs/design.md: every
// parameter's type, length and range, the conditionally mandatory fields of a task's `param`,
// and every documented (HTTP status, error code) pair, listed per response in `x-error-codes`
// and enforced through the error body's `error_code` enum. ErrorCodes reads those pairs back
// as Triples, so the requirements catalog can name one requirement per (operation, status,
// code).
//
// A Validator routes a request to its operation whatever the host it was sent to, and checks
// the request the harness sent and the response the target answered with kin-openapi's
// openapi3filter, collecting every violation (not only the first) as batchcert.Violations with
// Source "openapi", the operationId, and a JSON pointer to the field. It is safe for
// concurrent use; callers hand it bodies as bytes, so it never reads an unbounded stream.
//
// Request violations describe what the harness sent: a negative probe that omits a header or
// sends an over-long taskName expects them, and should call ValidateResponse alone.
package openapi
