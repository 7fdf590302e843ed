//go:build !unix

package loadtest

import "time"

// processCPU is 0 where the process's rusage is not at hand: a step then reports no harness
// CPU rather than a guess (runtime/metrics' CPU classes are only updated at each GC, and their
// total is GOMAXPROCS integrated over wall time, not what was used).
func processCPU() time.Duration { return 0 }
