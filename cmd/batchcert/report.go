package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

func runReport(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "report [-format html|junit|md|json] [-out FILE] results.json", stdout)
	format := fs.String("format", reports.FormatHTML, "output format: html, junit, md or json")
	out := fs.String("out", "", "write to `file` (atomically) instead of stdout")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.SetOutput(stderr)
		fs.Usage()
		return batchcert.Usagef("report: want one results.json, got %d arguments", fs.NArg())
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return batchcert.Usagef("report: %w", err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		return batchcert.Usagef("report: %s: %w", fs.Arg(0), err)
	}
	var buf bytes.Buffer
	if err := reports.Render(*format, res, &buf); err != nil {
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
