package main

import (
	"context"
	"fmt"
	"io"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/scenarios"
)

func runCertify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("certify", "certify [-target FILE] [-run SELECTORS] [-list] [-profile NAME] [-transport rest|graphql] [-out DIR] [-load=false]", stdout)
	tf := addTargetFlags(fs, 1)
	runRE := addRunFlag(fs)
	list := addListFlag(fs)
	sf := addSuiteFlags(fs)
	withLoad := fs.Bool("load", true, "run the load probes after the suite: throttle, task-limit race, a short capacity step")
	lf := addLoadFlags(fs)
	df := addDeadlineFlag(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := validReference(tf.ref); err != nil {
		return err
	}
	if err := validLoadFlags(fs, lf); err != nil {
		return err
	}
	lf.ratesSet = setFlags(fs)["rates"]
	cfg, err := checkConfig(*runRE, sf)
	if err != nil {
		return err
	}
	if *list {
		var plans *loadFlags
		if *withLoad {
			plans = lf
		}
		return listPlan(stdout, tf, cfg, plans)
	}
	if _, _, err := selectScenarios(cfg); err != nil {
		return err
	}
	sess, err := tf.open(stderr)
	if err != nil {
		return err
	}
	defer sess.close()
	sess.junitShould = sf.junitShould
	if cfg.Profile != "" {
		// -profile is the run's reading of the docs: the probes judge by it too.
		sess.target.Profile = cfg.Profile
	}
	// -deadline bounds the whole run; without it the check phase and each probe get their own.
	runCtx, cancel := df.within(ctx, 0, "certify", stderr)
	defer cancel()
	checkCtx, cancelCheck := runCtx, context.CancelFunc(func() {})
	if !df.set {
		checkCtx, cancelCheck = df.within(runCtx, checkDeadline(sess, cfg, stderr), "check", stderr)
	}
	defer cancelCheck()
	res, err := check(checkCtx, sess, cfg, stderr)
	if err != nil {
		return err
	}
	res.Command = "certify"
	lf.perProbeDeadline = !df.set
	if *withLoad && !res.Incomplete {
		if err := certifyLoad(runCtx, tf, sess, lf, res, stderr); err != nil {
			return err
		}
	}
	return finish(runCtx, res, sf.out, sess, stdout)
}

// certifyLoad runs the three probes and adds their measurements and checks to res. Against the
// embedded reference the capacity step runs on a second reference with the throttle lifted
// (the throttle would otherwise be all it measures); against a real platform it runs within
// the declared throttle, or past it with -allow-over-throttle. It is never left out: when it
// cannot run, its section says why.
func certifyLoad(ctx context.Context, tf *targetFlags, sess *session, lf *loadFlags, res *batchcert.Results, stderr io.Writer) error {
	res.Load = &batchcert.LoadResults{}
	lf.runs = 1
	probes := []struct {
		name string
		sess *session
	}{{"throttle", sess}, {"tasklimit", sess}}
	if sess.ref != nil {
		capTF := *tf
		liftReferenceLimits(&capTF, lf)
		capSess, err := capTF.open(stderr)
		if err != nil {
			res.Checks = append(res.Checks, probeErrorCheck("capacity", err))
			res.Apply(gateOf(res))
			return nil
		}
		defer capSess.close()
		lf.rates = "200"
		probes = append(probes, struct {
			name string
			sess *session
		}{"capacity", capSess})
	} else {
		probes = append(probes, struct {
			name string
			sess *session
		}{"capacity", sess})
	}
	for _, p := range probes {
		if cause := batchcert.Cause(ctx); cause != nil {
			c := batchcert.Check{ID: p.name + ".probe", Scenario: "load-" + p.name, Requirements: probeRequirements(p.name),
				Severity: batchcert.Must}
			batchcert.Interrupt(&c, cause)
			res.Checks = append(res.Checks, c)
			continue
		}
		fmt.Fprintf(stderr, "load probe: %s\n", p.name)
		checks, err := runProbe(ctx, p.name, p.sess, lf, res.Load, stderr)
		if err := probeOutcome(ctx, res, p.name, checks, err, stderr); err != nil {
			return err
		}
	}
	// Coverage is the suite's and the probes' together: a passing throttle probe covers
	// RULE.throttle and 403/1010009 (scenarios.RecomputeCoverage).
	if err := scenarios.RecomputeCoverage(res); err != nil {
		return err
	}
	res.Apply(gateOf(res))
	return nil
}

// probeErrorCheck records a probe that could not be carried out: an ERROR check in the
// probe's own section (scenario load-NAME), so the run is INCOMPLETE but keeps every result.
// A probe cut off by the run's interruption is "not run (interrupted: cause)" instead.
func probeErrorCheck(name string, err error) batchcert.Check {
	c := batchcert.Check{ID: name + ".probe", Scenario: "load-" + name, Requirements: probeRequirements(name),
		Severity: batchcert.Must, Outcome: batchcert.Errored, Message: "the " + name + " probe could not be carried out: " + err.Error()}
	return c
}

// probeRequirements are the requirements a probe judges.
func probeRequirements(name string) []string {
	switch name {
	case "throttle":
		return []string{"RULE.throttle"}
	case "tasklimit":
		return []string{"RULE.tasklimit"}
	}
	return []string{"RSP.query.status"}
}
