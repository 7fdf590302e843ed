package contracts

import _ "embed"

// GraphQLSchema is the SDL of the GraphQL facade of the batch-task API (batchtask.graphqls):
// the harness validates the operations it sends and the answers it gets against it, and the
// reference facade serves it.
//
//go:embed batchtask.graphqls
var GraphQLSchema string
