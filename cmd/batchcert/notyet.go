package main

import (
	"context"
	"fmt"
	"io"

	"github.com/batchcert/batchcert"
)

func notYet(name, issue string) func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
	return func(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
		fs := newFlagSet(name, name, stdout)
		if err := parseFlags(fs, args, stderr); err != nil {
			return err
		}
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable,
			Err: fmt.Errorf("%s is not built yet (%s)", name, issue)}
	}
}

var (
	runSelftest = notYet("selftest", "self-test issue")
)
