package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/batchcert/batchcert"
)

// errHelp is returned when a subcommand's -h was asked for: usage went to stdout, exit 0.
var errHelp = flag.ErrHelp

// newFlagSet makes a subcommand's flag set that reports errors instead of exiting.
func newFlagSet(name, usageLine string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: batchcert %s\n\nflags:\n", usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; -h prints usage and yields errHelp; a bad flag, or an argument that is
// not a flag, is a usage error (exit 2): a stray argument is never silently ignored.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := parseFlagsArgs(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		out := fs.Output()
		fs.SetOutput(stderr)
		fs.Usage()
		fs.SetOutput(out)
		return batchcert.Usagef("%s: unexpected argument %q (it takes flags only; see batchcert %s -h)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}

// parseFlagsArgs is parseFlags for a command that takes positional arguments (report).
func parseFlagsArgs(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return errHelp
	}
	if err != nil {
		fs.SetOutput(stderr)
		fs.Usage()
		fs.SetOutput(out)
		return batchcert.Usagef("%s: %w", fs.Name(), err)
	}
	return nil
}
