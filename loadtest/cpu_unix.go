//go:build unix

package loadtest

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the harness process has used, so a step can
// report what generating and validating its load cost: every goroutine, the GC and the
// system calls that send and receive the load. 0 when the kernel does not say.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
