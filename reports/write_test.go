package reports

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

func TestWriteAll(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out", "reports")
	// A stale report from an earlier run must be replaced, not appended to.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), bytes.Repeat([]byte("stale "), 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	paths, err := WriteAll(dir, sampleResults())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"results.json", "junit.xml", "report.html", "summary.md"}
	if len(paths) != len(want) {
		t.Fatalf("paths %v, want %v", paths, want)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d is %s, want %s", i, p, want[i])
		}
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", p, info.Mode().Perm())
		}
		got, _ := os.ReadFile(p)
		golden, _ := os.ReadFile(filepath.Join("testdata", want[i]+".golden"))
		if !bytes.Equal(got, golden) {
			t.Errorf("%s differs from what Render writes", p)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("dir holds %v: a temporary file was left behind", names)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ReadJSON(f); err != nil {
		t.Fatalf("results.json written by WriteAll does not read back: %v", err)
	}
}

func TestWriteAllErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteAll(file, sampleResults()); err == nil {
		t.Error("writing into a path that is a file succeeded")
	}
	if _, err := WriteAll(t.TempDir(), nil); err == nil {
		t.Error("nil results accepted")
	}
}

func TestWriteFileAtomicKeepsOldOnFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := WriteFileAtomic(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A directory in the way of the rename makes the final step fail after the temp file is
	// written: the temp file must be cleaned up.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(blocked, []byte("new")); err == nil {
		t.Fatal("rename over a non-empty directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind after a failed write", e.Name())
		}
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("unrelated file changed: %q", got)
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	t.Parallel()
	err := Render("pdf", sampleResults(), &bytes.Buffer{})
	var exit *batchcert.ExitError
	if !errors.As(err, &exit) || exit.Code != batchcert.ExitUsage {
		t.Fatalf("got %v, want a usage error", err)
	}
	if !strings.Contains(err.Error(), "html, json, junit, md") {
		t.Errorf("error %q does not list the formats", err)
	}
}
