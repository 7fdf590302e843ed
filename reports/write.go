package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
)

// Format names accepted by Render, and the file WriteAll writes each to.
const (
	FormatJSON     = "json"
	FormatJUnit    = "junit"
	FormatMarkdown = "md"
	FormatHTML     = "html"
)

// Files maps each format to the file name WriteAll gives it.
var Files = map[string]string{
	FormatJSON:     "results.json",
	FormatJUnit:    "junit.xml",
	FormatMarkdown: "summary.md",
	FormatHTML:     "report.html",
}

var writers = map[string]func(io.Writer, *batchcert.Results) error{
	FormatJSON:     WriteJSON,
	FormatJUnit:    WriteJUnit,
	FormatMarkdown: WriteMarkdown,
	FormatHTML:     WriteHTML,
}

// Formats lists the format names Render accepts, sorted.
func Formats() []string {
	out := make([]string, 0, len(writers))
	for f := range writers {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Render writes r to w in format (json, junit, md or html). An unknown format is a usage error
// (batchcert.ExitUsage).
func Render(format string, r *batchcert.Results, w io.Writer) error {
	write, ok := writers[format]
	if !ok {
		return batchcert.Usagef("unknown report format %q: want one of %s", format, strings.Join(Formats(), ", "))
	}
	if r == nil {
		return errors.New("render report: nil results")
	}
	return write(w, r)
}

// WriteAll writes results.json, junit.xml, report.html and summary.md into dir (created if
// missing), each atomically: rendered to a temporary file in dir, synced, then renamed over the
// final name, so a reader never sees a half-written report. It returns the paths written, in
// that order; on error, files already written stay.
func WriteAll(dir string, r *batchcert.Results) (paths []string, err error) {
	if r == nil {
		return nil, errors.New("write reports: nil results")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	for _, format := range []string{FormatJSON, FormatJUnit, FormatHTML, FormatMarkdown} {
		var buf bytes.Buffer
		if err := writers[format](&buf, r); err != nil {
			return paths, fmt.Errorf("write reports: %w", err)
		}
		path := filepath.Join(dir, Files[format])
		if err := WriteFileAtomic(path, buf.Bytes()); err != nil {
			return paths, fmt.Errorf("write reports: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// WriteFileAtomic writes data to path through a temporary file in the same directory, fsynced
// and renamed into place, then syncs the directory so the rename survives a crash. The file is
// created mode 0644.
func WriteFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// A directory sync is what makes the rename durable; some filesystems refuse it, and the
	// file is complete either way, so its failure is not an error.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
