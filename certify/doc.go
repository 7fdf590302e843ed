// Package certify is batchcert's certification pipeline: the suite (scenarios.Check), then
// the load probes (throttle, task-limit race, capacity step), then coverage over both, the
// verdict, and the reports. `batchcert certify`, `check` and `load` run it, and so does a
// team's own go test through certsuite, so both decide a platform the same way.
//
// A Platform is a resolved target: a target profile with its secrets (OpenProfile), or the
// embedded reference platform started on loopback (StartReference). Run certifies it;
// Check and Probe run one part of the pipeline; WriteReports writes every report with the
// run's credentials redacted and the files scanned for them.
package certify
