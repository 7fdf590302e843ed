// Package certsuite certifies a platform inside a team's own go test, on
// github.com/stretchr/testify/suite: embed Suite in a suite of your own, set the target
// profile (and, as on the command line, the reading profile, readings and known failures),
// and run it with suite.Run. Each check of the certification suite is a subtest named after
// it; a failed one fails with require/assert messages carrying its violations and evidence
// (request, response and a curl reproducer, credentials redacted). The run is the one
// `batchcert check` makes, or with Load the one `batchcert certify` makes (the suite, then the
// throttle probe, the task-limit race and a capacity step): the same pipeline
// (certify.Run) decides them.
package certsuite

import (
	"context"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/stretchr/testify/suite"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/scenarios"
)

// DefaultTimeout bounds one certification run of the suite.
const DefaultTimeout = 30 * time.Minute

// Suite is the certification suite as a testify suite. Set TargetFile or Target before
// suite.Run; the rest is optional.
type Suite struct {
	suite.Suite

	// TargetFile is a target profile (the -target flag); Target, when set, is used instead,
	// and Platform (e.g. certify.StartReference's embedded reference) instead of both.
	TargetFile string
	Target     *scenarios.Target
	Platform   *certify.Platform
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
	// Load runs the load probes after the suite, as `batchcert certify` does, each probe's
	// checks subtests like the suite's (nil: the suite alone, as `batchcert check`). Its zero
	// value is the CLI's defaults: on a real platform the capacity step stays within the
	// declared throttle.
	Load *certify.Load

	// Results are the run's results, set by SetupSuite.
	Results *batchcert.Results
}

// SetupSuite runs the certification once (certify.Run); its checks are judged by the Test
// methods. Every secret and token the run knows is redacted from the results.
func (s *Suite) SetupSuite() {
	r := s.Require()
	p := s.Platform
	if p == nil {
		target := s.Target
		if target == nil {
			r.NotEmpty(s.TargetFile, "certsuite: set Suite.TargetFile, Suite.Target or Suite.Platform")
			var err error
			target, err = scenarios.LoadTarget(s.TargetFile)
			r.NoError(err, "certsuite: the target profile")
		}
		secrets := s.Secrets
		if secrets == nil {
			secrets = os.LookupEnv
		}
		p = &certify.Platform{Target: target, Secrets: secrets}
		r.NoError(certify.CheckProfile(target, secrets), "certsuite: the target profile")
	}
	if len(s.KnownFailures) > 0 {
		t := *p.Target
		t.KnownFailures = append(append([]scenarios.KnownFailure{}, p.Target.KnownFailures...), s.KnownFailures...)
		q := *p
		q.Target = &t
		p = &q
	}
	profile := s.Profile
	if profile == "" {
		profile = p.Target.Profile
	}
	if profile == "" {
		profile = contracts.DefaultProfile
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	creds := p.SecretValues()
	onToken := func(tok string) { mu.Lock(); creds = append(creds, tok); mu.Unlock() }
	res, err := certify.Run(ctx, p, certify.Config{Suite: scenarios.Config{Profile: contracts.ProfileSpec(profile, s.Readings),
		Run: s.Scenarios, Gate: s.Gate}, Load: s.Load, OnToken: onToken})
	r.NoError(err, "certsuite: the certification run")
	mu.Lock()
	certify.Redact(res, creds)
	mu.Unlock()
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
