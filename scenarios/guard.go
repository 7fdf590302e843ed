package scenarios

import (
	"context"
	"fmt"

	"github.com/batchcert/batchcert"
)

// guard wires the suite's defences against its target: the redactor learns every token an
// answer carries (and tells cfg.OnToken), and the client counts transport failures in a row.
func (s *Suite) guard(cfg Config) {
	s.client.learn = s.redact.learn
	s.redact.tell = cfg.OnToken
	switch n := cfg.MaxTransportFailures; {
	case n == 0:
		s.client.maxFailures = DefaultMaxTransportFailures
	case n > 0:
		s.client.maxFailures = n
	}
}

// interrupted turns a check that failed after the run was cut off (a signal, a deadline, an
// unreachable target) into "not run (interrupted: cause)": the failure is the interruption's,
// not the platform's.
func (s *Suite) interrupted(c *batchcert.Check) {
	if c.Outcome != batchcert.Fail && c.Outcome != batchcert.Errored {
		return
	}
	if cause := batchcert.Cause(s.ctx); cause != nil {
		batchcert.Interrupt(c, cause)
	}
}

// notRun lists the checks of a scenario the run did not reach, each "not run (interrupted:
// cause)", so the reports show what is missing instead of leaving it out.
func (s *Suite) notRun(sc *Scenario, cause error) []batchcert.Check {
	r := s.newRunBare(sc)
	add := func(id string, reqs []string) {
		c := batchcert.Check{ID: id, Requirements: reqs}
		batchcert.Interrupt(&c, cause)
		r.add(c)
	}
	for _, st := range sc.all() {
		for i, e := range st.Expect {
			add(r.id(st, expectID(e, i)), e.Requirements)
		}
		if st.Concurrent != nil {
			for i, t := range st.Concurrent.Expect {
				add(r.id(st, tallyName(t, i)), t.Requirements)
			}
		}
	}
	for i := range r.checks {
		s.finish(&r.checks[i])
	}
	return r.checks
}

// stopped is why ctx ended, for Results.IncompleteReason.
func stopped(ctx context.Context) string {
	if cause := batchcert.Cause(ctx); cause != nil {
		return fmt.Sprintf("the run stopped early: %v", cause)
	}
	return ""
}
