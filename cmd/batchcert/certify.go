package main

import (
	"context"
	"fmt"
	"io"

	"github.com/batchcert/batchcert"
)

func runCertify(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("certify", "certify [-target FILE] [-profile NAME] [-transport rest|graphql] [-out DIR] [-load=false]", stdout)
	tf := addTargetFlags(fs, 1)
	sf := addSuiteFlags(fs)
	withLoad := fs.Bool("load", true, "run the load probes after the suite: throttle, task-limit race, a short capacity step")
	lf := addLoadFlags(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := checkConfig("", sf)
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
	res.Command = "certify"
	if *withLoad && !res.Incomplete {
		if err := certifyLoad(ctx, tf, sess, lf, res, stderr); err != nil {
			return err
		}
	}
	return finish(res, sf.out, sess, stdout)
}

// certifyLoad runs the three probes and adds their measurements and checks to res. Against the
// embedded reference the capacity step runs on a second reference with the throttle lifted
// (the throttle would otherwise be all it measures); against a real platform it runs only when
// -allow-over-throttle says the platform may be loaded above its declared throttle.
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
			return err
		}
		defer capSess.close()
		lf.rates = "200"
		probes = append(probes, struct {
			name string
			sess *session
		}{"capacity", capSess})
	} else if lf.overThrottle {
		probes = append(probes, struct {
			name string
			sess *session
		}{"capacity", sess})
	}
	for _, p := range probes {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(stderr, "load probe: %s\n", p.name)
		checks, err := runProbe(ctx, p.name, p.sess, lf, res.Load, stderr)
		res.Checks = append(res.Checks, checks...)
		if err := loadOutcome(ctx, res, err); err != nil {
			return err
		}
		if res.Incomplete {
			break
		}
	}
	res.Apply(gateOf(res))
	return nil
}
