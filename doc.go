// Package batchcert holds the small vocabulary every batchcert package speaks: exit codes,
// outcomes and severities, a violation of the contract, and the results model that the
// certification suite and the load probes fill in and that every report renders from.
//
// It imports nothing of ours, so any feature package may import it. See docs/design.md for
// the readings of the API docs and the requirement id scheme.
package batchcert
