// Package reports renders a batchcert.Results (the single record of one run) into the files
// people and CI read: results.json (the machine-readable source, described by the embedded
// JSON Schema results.schema.json), junit.xml (for CI test tabs), summary.md (a short PR comment
// or GitHub step summary) and report.html (a self-contained certificate, readable offline, with
// inline CSS and SVG plots and no script).
//
// Renderers read only the Results they are given, so a report can never show anything a run did
// not record; request and response evidence is redacted again on the way out as a second line of
// defence. WriteAll writes every format into a directory, each file atomically; Render writes one
// format to a writer (the `batchcert report` subcommand). ScanForSecrets lets an end-to-end test
// prove that no credential reached any report.
package reports
