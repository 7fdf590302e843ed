package loadtest

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunMeasuredChildRSS: the figures' peak RSS of a child is the child's own, not the Go
// parent's. Go's child accounting (ru_maxrss after a vfork-style start) reports the parent's
// peak, here past a 40 MiB ballast, for /bin/true or sleep; the outside measurements, GNU
// time's and the /proc VmHWM fallback's, must see the child's few MiB.
func TestRunMeasuredChildRSS(t *testing.T) {
	t.Parallel() // the only other user of timeTool, TestFigures, is not parallel: it has finished
	ballast := make([]byte, 40<<20)
	for i := 0; i < len(ballast); i += os.Getpagesize() {
		ballast[i] = 1
	}
	defer runtime.KeepAlive(ballast)
	const small = 16 << 10 // KiB

	if _, err := os.Stat(timeTool); err == nil {
		m, err := runMeasured("/bin/true", nil, "")
		require.NoError(t, err)
		t.Logf("/bin/true: %d KiB by %s, %d KiB by the parent's rusage", m.peakKiB, m.how, m.parentKiB)
		assert.Positive(t, m.peakKiB, m.how)
		assert.Less(t, m.peakKiB, int64(small), "%s: /bin/true's own peak", m.how)
	} else {
		t.Logf("%s absent: only the /proc fallback is tested", timeTool)
	}

	saved := timeTool
	timeTool = ""
	defer func() { timeTool = saved }()
	m, err := runMeasured("sleep", []string{"0.3"}, "")
	require.NoError(t, err)
	assert.Contains(t, m.how, "VmHWM")
	t.Logf("sleep: %d KiB by %s, %d KiB by the parent's rusage", m.peakKiB, m.how, m.parentKiB)
	assert.Positive(t, m.peakKiB, "VmHWM sampled while sleep ran")
	assert.Less(t, m.peakKiB, int64(small), "sleep's own peak")
}
