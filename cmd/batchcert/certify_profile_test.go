package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// TestCertifyProfileAppliesToTheProbes: certify -profile X judges the load probes by X too.
// The reference answering errors as {"resultcode","resultmsg"} is conformant under lenient
// (AMB.7); the throttle probe used to judge its 1010009 by the target file's doc-strict.
func TestCertifyProfileAppliesToTheProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole certify run")
	}
	out := t.TempDir()
	stdout, stderr, code := runCLI(t, "certify", "-profile", "lenient", "-fault", "error-body-resultcode", "-out", out)
	f, err := os.Open(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatalf("exit %d, no results: %v\n%s\n%s", code, err, stdout, stderr)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Outcome == batchcert.Fail && c.Severity == batchcert.Must {
			t.Errorf("%s failed under lenient: %s", c.ID, c.Message)
		}
	}
	if code != batchcert.ExitConformant {
		t.Fatalf("exit %d, verdict %s", code, res.Verdict)
	}
}
