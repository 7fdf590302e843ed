// Package gqlfacade is the reference platform's GraphQL facade (contracts/batchtask.graphqls),
// served by gqlgen (handler.New with the POST and GET transports, introspection on, no
// websockets). The platform mounts New's handler at Path on its platform port.
//
// The facade is not a second implementation: every field is one in-process call of the
// platform's REST handler (Options.REST) with the caller's app_key and Authorization headers,
// so throttling, the task limit, authentication, validation, injected errors and the REST
// faults are the same across the two transports, and each field counts as one REST call.
// batchTask is GET tasks/{taskId}?appId=&select=, taskDetails GET taskDetails?..., and
// createBatchTask POST tasks with the input as the JSON body (REST names; null or omitted
// fields left out, an empty list kept; paras passed through).
//
// Translation of a REST answer: a 2xx JSON object without error_code is the field's data;
// anything else is one GraphQL error on the field's path, the field null, with
//
//	message: error_desc, extensions: {code: error_code as a string, desc: error_desc, httpStatus}
//
// so create's 200-with-error_code (105001, 100203) is an error with httpStatus 200. A REST
// body without error_code or error_desc (a REST fault) leaves that extension out; a body that
// is not JSON, or does not fit the schema's types, is code 50252 (CodeInternal). Output
// models hold pointers, so a non-null field the REST answer lacks is gqlgen's "cannot return
// null" error, nulling the parent, never a made-up zero value.
//
// Decisions:
//   - @constraint has no runtime implementation (skip_runtime): the platform checks the rules
//     and answers its REST codes (50400 on create, 100022 on the queries).
//   - Int is bound to graphql.Int32, so an Int outside 32 bits is a GraphQL error that never
//     reaches the platform, as the GraphQL spec has it.
//   - A request that is not well-formed GraphQL gets gqlgen's own answer: malformed JSON 400,
//     a parse or validation error 422 (extensions.code GRAPHQL_PARSE_FAILED /
//     GRAPHQL_VALIDATION_FAILED), no supported transport (method or Content-Type) 400, a
//     mutation over GET 406. Argument-coercion errors (Int overflow, a JSON that is not an
//     object) and the complexity limit (MaxComplexity, COMPLEXITY_LIMIT_EXCEEDED) answer 200.
//   - The body is bounded to MaxBodyBytes; a longer one answers 413 with a GraphQL error body.
//   - Faults (Faults) rewrite gqlgen's response after execution; fields inside fragments are
//     not followed, and a rewritten object's keys come out sorted.
//
//go:generate go run github.com/99designs/gqlgen@v0.17.98 generate
package gqlfacade
