package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// TestInterruptKeepsResults: Ctrl-C during a check still leaves a results file and the reports,
// marked incomplete, and the exit code says the run did not finish (3), not that the platform
// passed or failed.
func TestInterruptKeepsResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	// Cancel as soon as the first scenario has reported, as a person pressing Ctrl-C would.
	w := &cancelAfter{w: &stderr, after: "errors-create", cancel: cancel}
	var stdout bytes.Buffer
	err := run(ctx, []string{"check", "-out", dir}, strings.NewReader(""), &stdout, w)
	cancel()
	if code := exitCode(err, &stderr); code != batchcert.ExitUnreachable {
		t.Fatalf("exit %d, want 3 (incomplete)\n%s", code, stderr.String())
	}
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatalf("no results.json after an interrupt: %v", err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Incomplete || res.Verdict != "INCOMPLETE" {
		t.Errorf("results not marked incomplete: incomplete=%v verdict=%s", res.Incomplete, res.Verdict)
	}
	for _, name := range []string{"junit.xml", "report.html", "summary.md"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Contains(bytes.ToUpper(b), []byte("INCOMPLETE")) {
			t.Errorf("%s does not say the run is incomplete", name)
		}
	}
}

// cancelAfter cancels once a line containing after has been written.
type cancelAfter struct {
	w      *bytes.Buffer
	after  string
	cancel context.CancelFunc
	done   bool
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	if !c.done && bytes.Contains(p, []byte(c.after)) {
		c.done = true
		go func() { time.Sleep(time.Millisecond); c.cancel() }()
	}
	return c.w.Write(p)
}
