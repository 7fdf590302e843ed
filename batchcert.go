package batchcert

import (
	"fmt"
	"strings"
)

// ExitCode is what the batchcert binary exits with, so CI can tell "the platform failed" from
// "the harness was misused" from "the target could not be reached".
type ExitCode int

// The named exit codes, used by every subcommand.
const (
	ExitConformant    ExitCode = 0 // every MUST check passed
	ExitNonconformant ExitCode = 1 // at least one MUST check failed
	ExitUsage         ExitCode = 2 // bad flags, bad profile, bad scenario file
	ExitUnreachable   ExitCode = 3 // the target could not be reached, or the harness failed
)

// ExitError carries an exit code with its cause. cmd/batchcert maps it to os.Exit.
type ExitError struct {
	Code ExitCode
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Usagef returns an ExitError with ExitUsage.
func Usagef(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Severity is how binding a requirement is.
type Severity string

// Severities of requirements: a failed MUST makes a target nonconformant, a failed SHOULD is
// reported but does not.
const (
	Must   Severity = "MUST"
	Should Severity = "SHOULD"
)

// Outcome is the result of one check.
type Outcome string

// Outcomes of a check.
const (
	Pass      Outcome = "PASS"
	Fail      Outcome = "FAIL"
	Skip      Outcome = "SKIP"
	KnownFail Outcome = "KNOWN-FAIL" // failed, but the target profile lists it as a known failure
	Errored   Outcome = "ERROR"      // the harness could not carry the check out
	// NotRun: the check's setup failed (a capture, a template, an earlier step), so it never
	// judged the platform; its message names the step. It is counted apart from both.
	NotRun Outcome = "NOT-RUN"
)

// Violation is one way a request or response breaks the contract.
type Violation struct {
	// Source is which layer found it: "openapi", "schema" or "invariant" (or a probe's name).
	Source string `json:"source"`
	// Operation is the OpenAPI operationId, when known.
	Operation string `json:"operation,omitempty"`
	// Requirement is the catalog id the violation breaks, when known.
	Requirement string `json:"requirement,omitempty"`
	// Pointer is a JSON pointer into the body ("/progress"), or a location such as
	// "header/Content-Type" or "status".
	Pointer string `json:"pointer,omitempty"`
	// Message says what is wrong, readably.
	Message string `json:"message"`
	// Count is how many times the violation was found in the check's exchanges, when
	// Violations.Dedup folded repeats of it (same rule, same pointer) into one; 0 means once.
	Count int `json:"count,omitempty"`
}

func (v Violation) String() string {
	var b strings.Builder
	b.WriteString(v.Source)
	if v.Operation != "" {
		b.WriteString(" " + v.Operation)
	}
	if v.Requirement != "" {
		b.WriteString(" [" + v.Requirement + "]")
	}
	if v.Pointer != "" {
		b.WriteString(" " + v.Pointer)
	}
	b.WriteString(": " + v.Message)
	if v.Count > 1 {
		fmt.Fprintf(&b, " (×%d)", v.Count)
	}
	return b.String()
}

// Violations is a list of violations that is also an error.
type Violations []Violation

// Dedup folds violations of the same rule at the same pointer into one, the first found,
// with Count saying how many there were; the order of first appearance is kept. A violation
// with no requirement is told apart by its source and message too.
func (vs Violations) Dedup() Violations {
	type key struct{ req, ptr, src, msg string }
	at := map[key]int{}
	var out Violations
	for _, v := range vs {
		k := key{req: v.Requirement, ptr: v.Pointer}
		if v.Requirement == "" {
			k.src, k.msg = v.Source, v.Message
		}
		n := max(v.Count, 1)
		if i, ok := at[k]; ok {
			out[i].Count = max(out[i].Count, 1) + n
			continue
		}
		at[k] = len(out)
		v.Count = 0
		if n > 1 {
			v.Count = n
		}
		out = append(out, v)
	}
	return out
}

func (vs Violations) Error() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

// Version is the harness version recorded in every results file.
var Version = "0.1.0-dev"
