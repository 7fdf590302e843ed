package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/reports"
	"github.com/batchcert/batchcert/scenarios"
)

// defaultOut is where reports go unless -out says otherwise.
const defaultOut = "batchcert-out"

func runCheck(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [-target FILE] [-run SELECTORS] [-list] [-profile NAME] [-transport rest|graphql] [-conn keep-alive|new-connection] [-out DIR]", stdout)
	tf := addTargetFlags(fs, 1)
	conn := fs.String("conn", string(apiclient.KeepAlive), "connection `model` of the suite's calls: keep-alive, or new-connection (a new connection, and over TLS a full handshake with the profile's client certificate, per call, as the vendor's Java SDK does)")
	runRE := addRunFlag(fs)
	list := addListFlag(fs)
	sf := addSuiteFlags(fs)
	df := addDeadlineFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := validReference(tf.ref); err != nil {
		return err
	}
	cfg, err := checkConfig(*runRE, sf)
	if err != nil {
		return err
	}
	if cfg.Conn, err = apiclient.ParseConnModel(*conn); err != nil {
		return batchcert.Usagef("-conn: %v", err)
	}
	if *list {
		return listPlan(stdout, tf, cfg, nil)
	}
	if _, _, err := selectScenarios(cfg); err != nil {
		return err
	}
	sess, err := tf.open(stderr)
	if err != nil {
		return err
	}
	defer sess.Close()
	sess.junitShould = sf.junitShould
	if err := fitMaxWait(fs, sess.Platform, &cfg, stderr); err != nil {
		return err
	}
	ctx, cancel := df.within(ctx, certify.CheckDeadline(sess.Platform, cfg, stderr), "check", stderr)
	defer cancel()
	res, err := certify.Check(ctx, sess.Platform, suiteConfig(ctx, sess, cfg, stderr))
	if err != nil {
		return err
	}
	return finish(ctx, res, sf.out, sess, stdout)
}

// suiteFlags are the flags of every command that runs the suite and writes reports.
type suiteFlags struct {
	profile, transport, out, gate, exceptions string
	// junitShould is -junit-should, how junit.xml writes a failed SHOULD check.
	junitShould string
	// The run budget on a target batchcert does not control.
	realTime bool
	maxWait  time.Duration
	state    string
}

func addSuiteFlags(fs *flag.FlagSet) *suiteFlags {
	sf := &suiteFlags{}
	fs.StringVar(&sf.profile, "profile", "", "ambiguity profile: doc-strict or lenient (default: the target profile's)")
	fs.StringVar(&sf.transport, "transport", "", "rest or graphql (the target's GraphQL facade; default: the target profile's)")
	fs.StringVar(&sf.out, "out", defaultOut, "`dir` for results.json, junit.xml, report.html and summary.md")
	fs.StringVar(&sf.gate, "coverage-gate", string(batchcert.GateProvocableMust),
		"what CONFORMANT demands was exercised: must (every MUST requirement a client can provoke), all, or none")
	fs.StringVar(&sf.exceptions, "exceptions", "pass",
		"whether CONFORMANT WITH EXCEPTIONS (MUST failures the profile declares known) exits 0 (pass) or 1 (fail)")
	fs.BoolVar(&sf.realTime, "real-time", false,
		"on a target without control, also run the scenarios that wait for platform time (lifecycle, tokens, quick throttle and task-limit checks) on its own clock, in parallel")
	fs.DurationVar(&sf.maxWait, "max-wait", scenarios.DefaultMaxWait, "bound on one wait of the run budget or a real-time step (a task slot, a throttle window, a timeout)")
	fs.StringVar(&sf.junitShould, "junit-should", reports.JUnitShouldNote, junitShouldUsage())
	fs.StringVar(&sf.state, "state", "", "`file` keeping the run budget between runs against a target (default: one per target in the user cache directory; none: keep nothing)")
	return sf
}

// uncontrolled says whether a target is one batchcert cannot drive: not the embedded reference
// and no control API. Only its own clock passes the docs' waits.
func uncontrolled(reference bool, t *scenarios.Target) bool {
	return !reference && t != nil && (t.Control == nil || t.Control.URL == "")
}

// fitMaxWait gives a real-time run against a target without control the -max-wait its plan
// needs (certify.FitMaxWait), unless -max-wait was given, and says so: with the default 15m a
// token's hour is left out, and a correct platform is NOT CERTIFIED.
func fitMaxWait(fs *flag.FlagSet, p *certify.Platform, cfg *scenarios.Config, stderr io.Writer) error {
	if !cfg.RealTime || !uncontrolled(p.Reference != nil, p.Target) {
		return nil
	}
	if setFlags(fs)["max-wait"] {
		fmt.Fprintf(stderr, "%s: a wait longer than -max-wait %s is not run and says so\n", fs.Name(), batchcert.FormatDuration(cfg.MaxWait))
		return nil
	}
	d, why, err := certify.FitMaxWait(p, *cfg)
	if err != nil {
		return err
	}
	cfg.MaxWait = d
	if why != "" {
		fmt.Fprintf(stderr, "%s: -max-wait %s (the default on a target without control: %s; a shorter -max-wait leaves such steps out, and the run cannot then be certified)\n",
			fs.Name(), batchcert.FormatDuration(d), why)
	}
	return nil
}

// verdictGate is the gate the suite flags ask for.
func (sf *suiteFlags) verdictGate() (batchcert.Gate, error) {
	g, err := batchcert.ParseCoverageGate(sf.gate)
	if err != nil {
		return batchcert.Gate{}, batchcert.Usagef("-coverage-gate: %v", err)
	}
	switch sf.exceptions {
	case "pass", "":
		return batchcert.Gate{Coverage: g}, nil
	case "fail":
		return batchcert.Gate{Coverage: g, FailOnExceptions: true}, nil
	}
	return batchcert.Gate{}, batchcert.Usagef("-exceptions: %q is not pass or fail", sf.exceptions)
}

func checkConfig(runRE string, sf *suiteFlags) (scenarios.Config, error) {
	profile, transport := sf.profile, sf.transport
	cfg := scenarios.Config{Transport: transport}
	gate, err := sf.verdictGate()
	if err != nil {
		return cfg, err
	}
	cfg.Gate = gate
	if sf.maxWait <= 0 {
		return cfg, batchcert.Usagef("-max-wait: %s is not a positive duration", sf.maxWait)
	}
	cfg.RealTime, cfg.MaxWait = sf.realTime, sf.maxWait
	cfg.State = &stateFile{flag: sf.state}
	switch transport {
	case "", scenarios.TransportREST, scenarios.TransportGraphQL:
	default:
		return cfg, batchcert.Usagef("-transport: %q is not rest or graphql", transport)
	}
	sel, err := scenarios.ParseSelector(runRE)
	if err != nil {
		return cfg, batchcert.Usagef("-run: %w", err)
	}
	cfg.Select = sel
	switch sf.junitShould {
	case "", reports.JUnitShouldNote, reports.JUnitShouldFailure:
	default:
		return cfg, batchcert.Usagef("-junit-should: %q is not %s", sf.junitShould, strings.Join(reports.JUnitShouldModes, " or "))
	}
	switch profile {
	case "", "doc-strict", "lenient":
		cfg.Profile = profile
	default:
		return cfg, batchcert.Usagef("-profile: %q is not doc-strict or lenient", profile)
	}
	return cfg, nil
}

// suiteConfig wires the run's streams, state file and redaction into the suite's config.
func suiteConfig(ctx context.Context, sess *session, cfg scenarios.Config, stderr io.Writer) scenarios.Config {
	cfg.Progress = stderr
	if st, ok := cfg.State.(*stateFile); ok {
		st.target = sess.Target
	}
	cfg.OnToken = credentialsOf(ctx).add
	return cfg
}

// finish writes every report, prints the summary, and turns the verdict into the exit code.
// Every secret and token the run knows is redacted from the results before they are written,
// and the written files are scanned for them and withheld if one is still found.
func finish(ctx context.Context, res *batchcert.Results, out string, sess *session, stdout io.Writer) error {
	creds := credentialsOf(ctx)
	for _, v := range sess.SecretValues() {
		creds.add(v)
	}
	paths, err := certify.WriteReports(out, res, certify.ReportOptions{Credentials: creds.list(), JUnitShould: sess.junitShould})
	if err != nil {
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: err}
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
	for _, why := range res.VerdictReasons {
		fmt.Fprintf(w, "%-22s %s\n", "", why)
	}
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

// verdictError maps a verdict to the named exit codes (batchcert.Verdict.ExitCode).
func verdictError(res *batchcert.Results) error {
	code := res.Verdict.ExitCode(certify.GateOf(res))
	if code == batchcert.ExitConformant {
		return nil
	}
	why := string(res.Verdict)
	if len(res.VerdictReasons) > 0 {
		why += ": " + strings.Join(res.VerdictReasons, "; ")
	}
	if res.Verdict == batchcert.Incomplete {
		why += " (the reports are marked incomplete)"
	}
	return &batchcert.ExitError{Code: code, Err: errors.New(why)}
}
