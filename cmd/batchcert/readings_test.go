package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestServeReadingFlags: serve lists every reading it can serve, and -reading takes only those
// (a bad one is a usage error naming the known ones, before anything listens).
func TestServeReadingFlags(t *testing.T) {
	t.Parallel()
	out, _, code := runCLI(t, "serve", "-list-readings")
	if code != batchcert.ExitConformant {
		t.Fatalf("serve -list-readings: exit %d", code)
	}
	for _, m := range refplatform.ReadingModes() {
		if !strings.Contains(out, m.ID+"="+m.Value) {
			t.Errorf("serve -list-readings does not list %s=%s", m.ID, m.Value)
		}
	}
	for _, bad := range []string{"AMB.R1=sideways", "AMB.R1", "=x", "nosuch=1"} {
		_, errOut, code := runCLI(t, "serve", "-addr", "127.0.0.1:0", "-control-addr", "", "-reading", bad)
		if code != batchcert.ExitUsage || !strings.Contains(errOut, "AMB.R1=gateway-first") {
			t.Errorf("serve -reading %s: exit %d, stderr %q; want a usage error listing the known readings", bad, code, errOut)
		}
	}
}

// TestCheckReadingNamesIt: `check -reading` serves a reading from the embedded reference; the
// doc-strict run fails and its results name the reading, the lenient one passes.
func TestCheckReadingNamesIt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, _, code := runCLI(t, "check", "-reading", "AMB.R1=gateway-first", "-run", "^errors-query$", "-coverage-gate", "none", "-out", dir)
	if code != batchcert.ExitNonconformant {
		t.Fatalf("doc-strict check of a gateway-first reference: exit %d, want %d", code, batchcert.ExitNonconformant)
	}
	res, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res), "AMB.R1=gateway-first, which profile doc-strict does not allow") {
		t.Error("results.json does not name reading AMB.R1=gateway-first in a failure")
	}
	if _, _, code := runCLI(t, "check", "-reading", "AMB.R1=gateway-first", "-profile", "lenient", "-run", "^errors-query$", "-coverage-gate", "none", "-out", t.TempDir()); code != batchcert.ExitConformant {
		t.Errorf("lenient check of a gateway-first reference: exit %d, want 0", code)
	}
}
