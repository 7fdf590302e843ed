package loadtest

import "github.com/batchcert/batchcert/apiclient"

// The probes wait on the harness's one clock, apiclient.Clock (the suite waits on it too).
// These names are kept for callers outside the package while they move to apiclient's.
type (
	// Clock is apiclient.Clock.
	Clock = apiclient.Clock
	// RealClock is apiclient.RealClock.
	RealClock = apiclient.RealClock
	// AdvanceClock is apiclient.AdvanceClock.
	AdvanceClock = apiclient.AdvanceClock
)
