// Package scenarios is batchcert's certification suite: target profiles, the scenario file
// format, the runner that plays scenarios against a platform, and the embedded suite itself.
//
// A Target (targets/*.yaml, described by target.schema.json) says where a platform is, which
// applications and fixtures the suite may use, and how the docs' contradictions are read. A
// Scenario (suite/*.yaml, described by scenario.schema.json) is a list of steps: requests made
// as one of the target's applications, captures, expectations that each name the requirement
// ids they prove, polls, concurrent bursts and clock or fault control of the reference platform.
//
// The runner validates every response it receives against the OpenAPI description, the
// response schemas, the error-body rules and the batch-task invariants, whatever the scenario
// expected, so each exchange is a check of its own. Each query and details answer is also judged
// against the scenario's earlier answers about the same task (consistency.go, contracts.Ledger):
// paging, filters, totals and counters must agree, and a finished task must not change. Each
// failed check carries redacted evidence and a curl command that reproduces it.
//
// A scenario whose needs (fixtures, a second application, the reference's clock or control
// API) the target lacks is reported SKIP, never PASS. Beside the YAML suite, Boundaries
// generates one scenario per createBatchTask field of the requirements catalog from its
// constraints, so a new constraint gets its cases without a line of YAML.
//
// With Config.Transport "graphql" the create, query and details requests go to the target's
// GraphQL facade (graphql.url) as the operations in graphql/*.graphql; package gql checks each
// answer as a GraphQL answer and reads it as the REST answer it stands for, which then meets
// the same expectations, contract and invariants. A request with no GraphQL meaning (a value
// of the wrong JSON type, a missing non-null field) is SKIP with gqlparser's reason; login,
// refresh and malformed bodies stay REST. A step may force a transport (parity.yaml).
//
// Check runs the whole suite and returns a batchcert.Results; Run runs it as Go subtests.
package scenarios
