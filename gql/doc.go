// Package gql is the harness side of the GraphQL facade of the batch-task API
// (contracts/batchtask.graphqls): it validates the operations batchcert sends, coerces their
// variables, checks what the facade answers, and reads that answer as the REST answer it stands
// for, so the REST contract, schemas and invariants apply to the facade unchanged.
//
// The schema is loaded once from contracts.GraphQLSchema. Parsing and validation are
// gqlparser's (github.com/vektah/gqlparser/v2); this package adds what a certification needs on
// top: a data check that every selected field is there with its declared nullability, list-ness
// and scalar type (CheckData), the platform errors of `errors[].extensions` (ParseErrors), and
// the translation of a whole answer into a REST status and body (Operation.Read).
package gql
