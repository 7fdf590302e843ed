package reports

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWithholdJudgesOnlyTheRunsFiles: an output folder may hold files of its own (a
// repository's fixtures quoting a test secret); they neither withhold the run's reports nor are
// touched, while a report of the run that holds a credential is removed.
func TestWithholdJudgesOnlyTheRunsFiles(t *testing.T) {
	dir := t.TempDir()
	secret := "s3cr3t-value"
	other := filepath.Join(dir, "world.yaml")
	report := filepath.Join(dir, "results.json")
	if err := os.WriteFile(other, []byte("secret: "+secret), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(report, []byte(`{"clean":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Withhold(dir, []string{report}, []string{secret}); err != nil {
		t.Fatalf("a clean report was withheld for a file the run did not write: %v", err)
	}
	if err := os.WriteFile(report, []byte(`{"token":"`+secret+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Withhold(dir, []string{report}, []string{secret}); err == nil {
		t.Fatal("a report holding the secret was released")
	}
	if _, err := os.Stat(report); !os.IsNotExist(err) {
		t.Error("the report holding the secret is still on disk")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file the run did not write was touched: %v", err)
	}
}
