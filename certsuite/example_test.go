package certsuite_test

import (
	"testing"

	"github.com/stretchr/testify/suite"

	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/certsuite"
	"github.com/batchcert/batchcert/scenarios"
)

// PlatformSuite is a team's certification suite: certsuite.Suite, configured as on the
// command line, plus any tests of the team's own.
type PlatformSuite struct {
	certsuite.Suite
}

// TestPlatform would be the team's `go test` entry point: it certifies the platform its
// profile names, secrets from the environment (BATCHCERT_SECRET_PRIMARY=... go test).
func TestPlatform(t *testing.T) {
	t.Skip("an example: point TargetFile at your platform's profile")
	suite.Run(t, &PlatformSuite{Suite: certsuite.Suite{
		TargetFile: "my-platform.yaml",
		Profile:    "doc-strict",
		Readings:   map[string]string{"AMB.9": "sliding"},
		KnownFailures: []scenarios.KnownFailure{
			{Check: "tags/.*", Reason: "tags ship in release 4.2 (TICKET-123)"},
		},
		// The load probes too, as batchcert certify runs them: the capacity step stays
		// within the declared throttle (of every app of apps.pool together).
		Load: &certify.Load{},
	}})
}

// Example shows a team's suite: embed certsuite.Suite, set the target profile and the
// readings, known failures and scenarios as on the command line, and run it with suite.Run
// from a TestXxx (see TestPlatform). Each check becomes a subtest named after it.
func Example() {
	s := &PlatformSuite{Suite: certsuite.Suite{TargetFile: "my-platform.yaml", Profile: "lenient"}}
	_ = s // suite.Run(t, s) inside func TestPlatform(t *testing.T)
}
