package batchcert

import (
	"fmt"
	"strings"
)

// Verdict is what a run concludes about its target. It is computed in one place, Decide, from
// the checks, the coverage and the gate; the CLI, the Go API and every report read it.
type Verdict string

// The verdicts of a run.
const (
	// Conformant: every MUST check passed and the coverage gate holds.
	Conformant Verdict = "CONFORMANT"
	// ConformantWithExceptions: conformant but for MUST failures the target profile declares
	// (knownFailures); Results.Exceptions lists them. Gate.FailOnExceptions decides whether CI
	// passes it.
	ConformantWithExceptions Verdict = "CONFORMANT WITH EXCEPTIONS"
	// Nonconformant: a MUST check judged the platform and failed.
	Nonconformant Verdict = "NONCONFORMANT"
	// Incomplete: the run was interrupted, the target could not be reached, or the harness
	// failed to carry checks out. Results.IncompleteReason and Results.VerdictReasons say why.
	Incomplete Verdict = "INCOMPLETE"
	// NotCertified: no MUST check failed, but the coverage gate does not hold (or nothing was
	// checked at all): the run does not show conformance.
	NotCertified Verdict = "NOT CERTIFIED"
)

// Verdicts lists every verdict, in the order of the README's table.
var Verdicts = []Verdict{Conformant, ConformantWithExceptions, Nonconformant, Incomplete, NotCertified}

// CoverageGate names which requirements a CONFORMANT verdict demands were exercised.
type CoverageGate string

// Coverage gates.
const (
	// GateProvocableMust (the default) demands every MUST requirement that a client can provoke
	// (RequirementCoverage.MissingMust empty).
	GateProvocableMust CoverageGate = "must"
	// GateAll demands every requirement of the catalog (RequirementCoverage.Missing empty).
	GateAll CoverageGate = "all"
	// GateNone demands no coverage; a run that checked nothing is still never conformant.
	GateNone CoverageGate = "none"
)

// ParseCoverageGate reads a gate's name ("" is the default).
func ParseCoverageGate(s string) (CoverageGate, error) {
	switch g := CoverageGate(s); g {
	case "":
		return GateProvocableMust, nil
	case GateProvocableMust, GateAll, GateNone:
		return g, nil
	}
	return "", fmt.Errorf("coverage gate %q: want must, all or none", s)
}

// Gate is what a run demands beyond passing MUST checks. The zero Gate is the default:
// coverage of every provocable MUST requirement, exceptions passing.
type Gate struct {
	// Coverage is the coverage gate; "" is GateProvocableMust.
	Coverage CoverageGate `json:"coverage"`
	// FailOnExceptions makes CONFORMANT WITH EXCEPTIONS exit ExitNonconformant instead of 0.
	FailOnExceptions bool `json:"failOnExceptions"`
}

// Decision is a verdict with what it rests on.
type Decision struct {
	Verdict Verdict
	// Reasons say why, readably: the first MUST failures, the missing requirements, the
	// cause of an interruption.
	Reasons []string
	// Exceptions are the ids of MUST checks that failed as declared known failures.
	Exceptions []string
}

// maxReasonIDs caps the ids one reason lists.
const maxReasonIDs = 5

// Decide is the one verdict rule. In order:
//   - an interrupted run (Results.Incomplete) is INCOMPLETE;
//   - a MUST check that FAILed makes it NONCONFORMANT;
//   - a check the harness could not carry out (ERROR) makes it INCOMPLETE: the target was not
//     reached or the harness failed, and nothing was shown either way;
//   - a run in which no check judged the platform (every check skipped or not run) is NOT
//     CERTIFIED, whatever the gate;
//   - a coverage gate that does not hold makes it NOT CERTIFIED;
//   - MUST checks failing as declared known failures make it CONFORMANT WITH EXCEPTIONS;
//   - otherwise it is CONFORMANT.
func Decide(r *Results, g Gate) Decision {
	var mustFail, errored, exceptions []string
	judged := 0
	firstErr := ""
	for _, c := range r.Checks {
		switch c.Outcome {
		case Pass:
			judged++
		case Fail:
			judged++
			if c.Severity != Should {
				mustFail = append(mustFail, c.ID)
			}
		case KnownFail:
			judged++
			if c.Severity != Should {
				exceptions = append(exceptions, c.ID)
			}
		case Errored:
			if firstErr == "" {
				firstErr = c.ID + ": " + c.Message
			}
			errored = append(errored, c.ID)
		}
	}
	if r.Incomplete {
		why := r.IncompleteReason
		if why == "" {
			why = "the run was interrupted before it finished"
		}
		return Decision{Verdict: Incomplete, Reasons: []string{why}}
	}
	if len(mustFail) > 0 {
		return Decision{Verdict: Nonconformant, Reasons: []string{
			fmt.Sprintf("%d MUST check(s) failed: %s", len(mustFail), list(mustFail))}}
	}
	if len(errored) > 0 {
		return Decision{Verdict: Incomplete, Reasons: []string{
			fmt.Sprintf("%d check(s) could not be carried out (target unreachable or harness failure); first: %s",
				len(errored), firstLine(firstErr))}}
	}
	if judged == 0 {
		return Decision{Verdict: NotCertified, Reasons: []string{
			fmt.Sprintf("nothing was checked: none of %d check(s) judged the platform", len(r.Checks))}}
	}
	if miss := gateMissing(r.Coverage.Requirements, g.Coverage); len(miss) > 0 {
		what := "MUST requirement(s) a client can provoke"
		if g.Coverage == GateAll {
			what = "requirement(s)"
		}
		reasons := []string{fmt.Sprintf("coverage gate %q: %d %s not exercised: %s", gateName(g.Coverage), len(miss), what, list(miss))}
		if r.MaxWaitNeeded > 0 {
			reasons = append(reasons, fmt.Sprintf("steps that wait longer than -max-wait were not run: run again with -max-wait %s to include them",
				FormatDuration(r.MaxWaitNeeded)))
		}
		return Decision{Verdict: NotCertified, Reasons: reasons}
	}
	if len(exceptions) > 0 {
		return Decision{Verdict: ConformantWithExceptions, Exceptions: exceptions, Reasons: []string{
			fmt.Sprintf("%d MUST check(s) failed as declared known failures: %s", len(exceptions), list(exceptions))}}
	}
	return Decision{Verdict: Conformant}
}

func gateName(g CoverageGate) CoverageGate {
	if g == "" {
		return GateProvocableMust
	}
	return g
}

func gateMissing(rc RequirementCoverage, g CoverageGate) []string {
	switch g {
	case GateNone:
		return nil
	case GateAll:
		return rc.Missing
	default:
		return rc.MissingMust
	}
}

func list(ids []string) string {
	if len(ids) <= maxReasonIDs {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:maxReasonIDs], ", ") + fmt.Sprintf(" and %d more", len(ids)-maxReasonIDs)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Apply decides r's verdict under g and records it in r (Verdict, VerdictReasons, Exceptions,
// Gate). Every producer of results calls it last.
func (r *Results) Apply(g Gate) Decision {
	d := Decide(r, g)
	r.Verdict, r.VerdictReasons, r.Exceptions = d.Verdict, d.Reasons, d.Exceptions
	gg := g
	gg.Coverage = gateName(g.Coverage)
	r.Gate = &gg
	return d
}

// MarkIncomplete records that the run stopped before it finished, and why.
func (r *Results) MarkIncomplete(reason string) {
	r.Incomplete = true
	if r.IncompleteReason == "" {
		r.IncompleteReason = reason
	}
}

// ExitCode is the exit code of a verdict under a gate: 0 for CONFORMANT (and for CONFORMANT
// WITH EXCEPTIONS unless the gate fails on exceptions), ExitNonconformant for NONCONFORMANT
// and NOT CERTIFIED, ExitUnreachable for INCOMPLETE and anything unknown.
func (v Verdict) ExitCode(g Gate) ExitCode {
	switch v {
	case Conformant:
		return ExitConformant
	case ConformantWithExceptions:
		if g.FailOnExceptions {
			return ExitNonconformant
		}
		return ExitConformant
	case Nonconformant, NotCertified:
		return ExitNonconformant
	default:
		return ExitUnreachable
	}
}

// Green tells whether a verdict passes CI under g.
func (v Verdict) Green(g Gate) bool { return v.ExitCode(g) == ExitConformant }
