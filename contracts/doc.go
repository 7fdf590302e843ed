// Package contracts is batchcert's machine-readable form of the batch-task API docs: the JSON
// Schemas of every body the harness sends or checks, the requirements catalog
// (requirements.yaml: one entry per rule of the docs, with the ids of docs/design.md), the target
// profiles that say how a run reads the docs' contradictions, and the semantic invariants of a
// batch task as Go code.
//
// Everything is embedded, so the binary carries the contract it certifies against. Layers that
// check a response call, in order: Normalize (a lenient profile's variants back to the doc-strict
// shape, naming each leniency used), SchemaSet.Validate (shape), then CheckTask (meaning); a
// Ledger per task then judges each answer against the earlier ones (invariants_consistency.go).
// Every violation names the requirement id it breaks.
package contracts
