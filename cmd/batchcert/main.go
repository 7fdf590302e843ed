// Command batchcert certifies implementations of the IoT platform's batch-task northbound API.
//
// With no arguments it certifies the embedded reference platform and writes its reports.
// Run `batchcert help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/batchcert/batchcert"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go onSignals(sigs, cancel, os.Stderr, os.Exit)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	signal.Stop(sigs)
	cancel(nil)
	os.Exit(int(exitCode(err, os.Stderr)))
}

// command is one subcommand: its name, a one-line summary, and the function that runs it.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"certify", "certify a target: the suite, the load probes, then every report (the default)", runCertify},
		{"check", "run the certification suite against a target", runCheck},
		{"load", "run a load probe: throttle, tasklimit or capacity", runLoad},
		{"merge", "merge the shard files of a distributed capacity search into one result", runMerge},
		{"report", "re-render a results.json as html, junit, md or json", runReport},
		{"selftest", "prove the suite catches every fault of the reference platform", runSelftest},
		{"serve", "serve the reference platform", runServe},
	}
}

// run is the whole CLI, callable from tests. Every secret and token the run learns is
// redacted from stdout, stderr and the error it returns.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	creds := newCredentials()
	ctx = withCredentials(ctx, creds)
	return creds.redactErr(dispatch(ctx, args, stdin, creds.writer(stdout), creds.writer(stderr)))
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runCertify(ctx, nil, stdin, stdout, stderr)
	}
	name := args[0]
	switch name {
	case "help", "-help", "--help":
		usage(stdout)
		return nil
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "batchcert", batchcert.Version)
		return nil
	}
	if strings.HasPrefix(name, "-") && name != "-h" {
		return runCertify(ctx, args, stdin, stdout, stderr) // flags alone: the default command's
	}
	if name == "-h" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdin, stdout, stderr)
		}
	}
	usage(stderr)
	return batchcert.Usagef("unknown command %q", name)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: batchcert [command] [flags]")
	fmt.Fprintln(w, "\nWith no command, batchcert certifies the embedded reference platform.\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'batchcert COMMAND -h' for a command's flags.")
	fmt.Fprintln(w, "\nexit codes: 0 conformant, 1 nonconformant, 2 usage or configuration error,\n3 target unreachable or harness failure.")
}

// exitCode maps an error to the named exit codes and prints it.
func exitCode(err error, stderr io.Writer) batchcert.ExitCode {
	if err == nil {
		return batchcert.ExitConformant
	}
	var ee *batchcert.ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(stderr, "batchcert:", ee.Err)
		}
		return ee.Code
	}
	if errors.Is(err, errHelp) {
		return batchcert.ExitConformant
	}
	fmt.Fprintln(stderr, "batchcert:", err)
	return batchcert.ExitUnreachable
}
