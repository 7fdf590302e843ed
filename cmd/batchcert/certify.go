package main

import (
	"context"
	"fmt"
	"io"

	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/certify"
)

func runCertify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("certify", "certify [-target FILE] [-run SELECTORS] [-list] [-profile NAME] [-transport rest|graphql] [-conn keep-alive|new-connection] [-out DIR] [-load=false]", stdout)
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
	cfg, err := checkConfig(*runRE, sf)
	if err != nil {
		return err
	}
	cfg.Conn = apiclient.ConnModel(lf.conn) // validLoadFlags checked it: the suite's calls and the probes' alike
	if *list {
		if tf.file != "" && !setFlags(fs)["real-time"] {
			// As the run would: a target without control runs on its own clock.
			if t, _, err := planTarget(tf); err == nil && uncontrolled(false, t) {
				cfg.RealTime = true
			}
		}
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
	defer sess.Close()
	sess.junitShould = sf.junitShould
	if uncontrolled(sess.Platform.Reference != nil, sess.Platform.Target) && !setFlags(fs)["real-time"] {
		// A certification waits for what the docs make time-bound (a task's timeout, a
		// token's lifetime): without a control API only the platform's own clock can pass it.
		cfg.RealTime = true
		fmt.Fprintf(stderr, "certify: the target has no control API: the scenarios that wait for platform time run on its own clock (-real-time); "+
			"-real-time=false leaves them out (the run cannot then be certified)\n")
	}
	if err := fitMaxWait(fs, sess.Platform, &cfg, stderr); err != nil {
		return err
	}
	// -deadline bounds the whole run; without it the check phase and each probe get their own.
	runCtx, cancel := df.within(ctx, 0, "certify", stderr)
	defer cancel()
	run := certify.Config{Suite: suiteConfig(ctx, sess, cfg, stderr), Progress: stderr, OnToken: credentialsOf(ctx).add}
	if !df.set {
		run.CheckDeadline = certify.CheckDeadline(sess.Platform, cfg, stderr)
		if run.CheckDeadline > 0 {
			announceDeadline(stderr, "check", run.CheckDeadline)
		}
	}
	if *withLoad {
		l, closeResults, err := lf.load(ctx, stderr)
		if err != nil {
			return err
		}
		defer closeResults()
		l.ProbeDeadlines = !df.set
		run.Load = &l
	}
	res, err := certify.Run(runCtx, sess.Platform, run)
	if err != nil {
		return err
	}
	return finish(runCtx, res, sf.out, sess, stdout)
}
