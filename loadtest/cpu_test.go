package loadtest

import (
	"testing"
	"time"
)

// TestProcessCPU: a step's harness CPU is CPU used, not CPU available: sleeping uses next to
// none (runtime/metrics' total class would count GOMAXPROCS × the sleep), and work counts.
// Not parallel: no other test of the package runs meanwhile.
func TestProcessCPU(t *testing.T) {
	if processCPU() == 0 {
		t.Skip("no rusage on this system: harness CPU is not reported")
	}
	c0 := processCPU()
	time.Sleep(300 * time.Millisecond)
	if d := processCPU() - c0; d > 150*time.Millisecond {
		t.Errorf("%s over a 300 ms sleep: it counts CPU available, not used", d)
	}
	c0 = processCPU()
	x, deadline := uint64(1), time.Now().Add(5*time.Second)
	for processCPU()-c0 < 20*time.Millisecond && time.Now().Before(deadline) {
		for i := range 100000 {
			x = x*6364136223846793005 + uint64(i)
		}
	}
	if d := processCPU() - c0; d < 20*time.Millisecond {
		t.Errorf("%s after 5 s of work (%d): it does not count CPU used", d, x)
	}
}
