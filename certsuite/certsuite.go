// Package certsuite certifies a platform inside a team's own go test, on
// github.com/stretchr/testify/suite: embed Suite in a suite of your own, set the target
// profile (and, as on the command line, the reading profile, readings and known failures),
// and run it with suite.Run. Each check of the certification suite is a subtest named after
// it; a failed one fails with require/assert messages carrying its violations and evidence
// (request, response and a curl reproducer, credentials redacted). The checks are the ones
// `batchcert check` runs: the same code (scenarios.Check) decides them.
package certsuite

import (
	"context"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/stretchr/testify/suite"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/scenarios"
)

// DefaultTimeout bounds one certification run of the suite.
const DefaultTimeout = 30 * time.Minute

// Suite is the certification suite as a testify suite. Set TargetFile or Target before
// suite.Run; the rest is optional.
type Suite struct {
	suite.Suite

	// TargetFile is a target profile (the -target flag); Target, when set, is used instead.
	TargetFile string
	Target     *scenarios.Target
	// Profile is the reading profile (-profile; "" is doc-strict) and Readings changes single
	// readings of it, by id or option (-reading NAME=VALUE).
	Profile  string
	Readings map[string]string
	// KnownFailures are added to the target profile's: such checks report KNOWN-FAIL and skip.
	KnownFailures []scenarios.KnownFailure
	// Scenarios selects scenarios by name (-run as a regexp); nil runs them all.
	Scenarios *regexp.Regexp
	// Secrets resolves the profile's ${NAME} references (nil: the environment).
	Secrets func(name string) (string, bool)
	// Timeout bounds the run (0: DefaultTimeout).
	Timeout time.Duration
	// Gate is the verdict's coverage gate (zero: the CLI's default, every MUST a client can
	// provoke exercised).
	Gate batchcert.Gate

	// Results are the run's results, set by SetupSuite.
	Results *batchcert.Results
}

// SetupSuite runs the certification once; its checks are judged by the Test methods.
func (s *Suite) SetupSuite() {
	r := s.Require()
	target := s.Target
	if target == nil {
		r.NotEmpty(s.TargetFile, "certsuite: set Suite.TargetFile or Suite.Target")
		var err error
		target, err = scenarios.LoadTarget(s.TargetFile)
		r.NoError(err, "certsuite: the target profile")
	}
	if len(s.KnownFailures) > 0 {
		t := *target
		t.KnownFailures = append(append([]scenarios.KnownFailure{}, target.KnownFailures...), s.KnownFailures...)
		target = &t
	}
	profile := s.Profile
	if profile == "" {
		profile = target.Profile
	}
	if profile == "" {
		profile = contracts.DefaultProfile
	}
	secrets := s.Secrets
	if secrets == nil {
		secrets = os.LookupEnv
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := scenarios.Check(ctx, scenarios.Config{Target: target, Profile: contracts.ProfileSpec(profile, s.Readings),
		Run: s.Scenarios, Secrets: secrets, Gate: s.Gate})
	r.NoError(err, "certsuite: the certification run")
	s.Results = res
}

// TestChecks makes every check a subtest: PASS passes, SKIP and KNOWN-FAIL skip with their
// reason, FAIL and ERROR fail with the check's message, violations and evidence.
func (s *Suite) TestChecks() {
	s.Require().NotNil(s.Results, "certsuite: SetupSuite did not run")
	for _, c := range s.Results.Checks {
		s.Run(strings.ReplaceAll(c.ID, " ", "_"), func() {
			switch c.Outcome {
			case batchcert.Pass:
				return
			case batchcert.Skip, batchcert.KnownFail:
				s.T().Skip(c.Message)
			}
			s.Failf(string(c.Outcome)+" "+c.ID, "%s %v: %s%s", c.Severity, c.Requirements, c.Message, evidence(c))
		})
	}
}

// TestVerdict asserts the run's verdict: conformant, or the reasons it is not.
func (s *Suite) TestVerdict() {
	s.Require().NotNil(s.Results, "certsuite: SetupSuite did not run")
	v := s.Results.Verdict
	s.True(v == batchcert.Conformant || v == batchcert.ConformantWithExceptions, "verdict %s: %s", v, strings.Join(s.Results.VerdictReasons, "; "))
}

func evidence(c batchcert.Check) string {
	var b strings.Builder
	for _, v := range c.Violations {
		b.WriteString("\n  violation: " + v.String())
	}
	for _, e := range c.Evidence {
		b.WriteString("\n  request:\n" + e.Request + "\n  response:\n" + e.Response + "\n  reproduce: " + e.Curl)
	}
	return b.String()
}
