package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

func runReport(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "report [-format html|junit|md|json] [-junit-should note|failure] [-out FILE] results.json|-", stdout)
	format := fs.String("format", reports.FormatHTML, "output format: html, junit, md or json")
	out := fs.String("out", "", "write to `file` (atomically) instead of stdout")
	should := fs.String("junit-should", reports.JUnitShouldNote, junitShouldUsage())
	if err := parseFlagsArgs(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.SetOutput(stderr)
		fs.Usage()
		return batchcert.Usagef("report: want one results.json (or - for stdin), got %d arguments", fs.NArg())
	}
	name := fs.Arg(0)
	var in io.Reader = stdin
	if name == "-" {
		name = "stdin"
		if stdin == nil {
			return batchcert.Usagef("report: -: no standard input")
		}
	} else {
		f, err := os.Open(name)
		if err != nil {
			return batchcert.Usagef("report: %w", err)
		}
		defer f.Close()
		in = f
	}
	res, err := reports.ReadJSON(in)
	if err != nil {
		return batchcert.Usagef("report: %s: %w", name, err)
	}
	var buf bytes.Buffer
	if *format == reports.FormatJUnit {
		err = reports.WriteJUnitWith(&buf, res, reports.JUnitOptions{Should: *should})
	} else {
		err = reports.Render(*format, res, &buf)
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	if err := reports.WriteFileAtomic(*out, buf.Bytes()); err != nil {
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("report: %w", err)}
	}
	return nil
}

// junitShouldUsage is the help of -junit-should: how junit.xml writes a failed SHOULD check
// (reports.JUnitOptions; the choice is documented in README and reports/junit.go).
func junitShouldUsage() string {
	return "junit.xml: a failed SHOULD check is a passing case with a SHOULD-FAIL note in <system-out> (" +
		reports.JUnitShouldNote + ") or a <failure type=\"SHOULD\"> (" + reports.JUnitShouldFailure + "); one of " +
		strings.Join(reports.JUnitShouldModes, ", ")
}
