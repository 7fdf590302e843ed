package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
	"github.com/batchcert/batchcert/scenarios"
)

// defaultOut is where reports go unless -out says otherwise.
const defaultOut = "batchcert-out"

func runCheck(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [-target FILE] [-run REGEXP] [-profile NAME] [-transport rest|graphql] [-out DIR]", stdout)
	tf := addTargetFlags(fs, 1)
	runRE := fs.String("run", "", "run only the scenarios whose name matches `regexp`")
	sf := addSuiteFlags(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := checkConfig(*runRE, sf.profile, sf.transport)
	if err != nil {
		return err
	}
	sess, err := tf.open(stderr)
	if err != nil {
		return err
	}
	defer sess.close()
	res, err := check(ctx, sess, cfg, stderr)
	if err != nil {
		return err
	}
	return finish(res, sf.out, sess, stdout)
}

// suiteFlags are the flags of every command that runs the suite and writes reports.
type suiteFlags struct{ profile, transport, out string }

func addSuiteFlags(fs *flag.FlagSet) *suiteFlags {
	sf := &suiteFlags{}
	fs.StringVar(&sf.profile, "profile", "", "ambiguity profile: doc-strict or lenient (default: the target profile's)")
	fs.StringVar(&sf.transport, "transport", "", "rest or graphql (the target's GraphQL facade; default: the target profile's)")
	fs.StringVar(&sf.out, "out", defaultOut, "`dir` for results.json, junit.xml, report.html and summary.md")
	return sf
}

func checkConfig(runRE, profile, transport string) (scenarios.Config, error) {
	cfg := scenarios.Config{Transport: transport}
	switch transport {
	case "", scenarios.TransportREST, scenarios.TransportGraphQL:
	default:
		return cfg, batchcert.Usagef("-transport: %q is not rest or graphql", transport)
	}
	if runRE != "" {
		re, err := regexp.Compile(runRE)
		if err != nil {
			return cfg, batchcert.Usagef("-run: %w", err)
		}
		cfg.Run = re
	}
	switch profile {
	case "", "doc-strict", "lenient":
		cfg.Profile = profile
	default:
		return cfg, batchcert.Usagef("-profile: %q is not doc-strict or lenient", profile)
	}
	return cfg, nil
}

// check runs the certification suite against a session's target.
func check(ctx context.Context, sess *session, cfg scenarios.Config, stderr io.Writer) (*batchcert.Results, error) {
	cfg.Target, cfg.Secrets, cfg.Progress = sess.target, sess.secrets, stderr
	res, err := scenarios.Check(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res.Harness.Version = batchcert.Version
	if ctx.Err() != nil {
		markIncomplete(res)
	}
	return res, nil
}

func markIncomplete(res *batchcert.Results) {
	res.Incomplete = true
	res.Verdict = "INCOMPLETE"
	if res.End.IsZero() {
		res.End = time.Now()
	}
}

// finish writes every report, prints the summary, and turns the verdict into the exit code.
func finish(res *batchcert.Results, out string, sess *session, stdout io.Writer) error {
	paths, err := reports.WriteAll(out, res)
	if err != nil {
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("write reports: %w", err)}
	}
	if err := reports.ScanForSecrets(out, sess.secretValues()); err != nil {
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("reports withheld: %w", err)}
	}
	printSummary(stdout, res)
	abs, _ := filepath.Abs(out)
	fmt.Fprintf(stdout, "reports: %s (%d files)\n", abs, len(paths))
	return verdictError(res)
}

func printSummary(w io.Writer, res *batchcert.Results) {
	c := reports.Count(res.Checks)
	exercised, passed := 0, 0
	for _, cc := range res.Coverage.ErrorCodes {
		if cc.Exercised {
			exercised++
		}
		if cc.Passed {
			passed++
		}
	}
	fmt.Fprintf(w, "\n%-22s %s\n", "target", res.Target.URL)
	fmt.Fprintf(w, "%-22s %s\n", "profile", res.Profile)
	fmt.Fprintf(w, "%-22s %s\n", "transport", res.Target.Transport)
	fmt.Fprintf(w, "%-22s %d passed, %d failed (%d MUST), %d skipped, %d known failures, %d errors\n", "checks",
		c.Pass, c.Fail, c.MustFail, c.Skip, c.KnownFail, c.Errored)
	fmt.Fprintf(w, "%-22s %d of %d contexts exercised, %d passed (%d distinct codes)\n", "error codes",
		exercised, len(res.Coverage.ErrorCodes), passed, distinctCodes(res.Coverage.ErrorCodes))
	rc := res.Coverage.Requirements
	fmt.Fprintf(w, "%-22s %d of %d covered\n", "requirements", rc.Covered, rc.Total)
	if res.Load != nil {
		printLoad(w, res.Load)
	}
	fmt.Fprintf(w, "%-22s %s\n", "verdict", res.Verdict)
}

func distinctCodes(cs []batchcert.CodeCoverage) int {
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Exercised {
			seen[c.Code] = true
		}
	}
	return len(seen)
}

// verdictError maps a verdict to the named exit codes.
func verdictError(res *batchcert.Results) error {
	switch res.Verdict {
	case "CONFORMANT":
		return nil
	case "NONCONFORMANT":
		return &batchcert.ExitError{Code: batchcert.ExitNonconformant}
	case "INCOMPLETE":
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("the run was interrupted: the reports are marked incomplete")}
	default:
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("verdict %s", res.Verdict)}
	}
}
