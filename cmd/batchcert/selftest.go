package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/scenarios"
	"github.com/batchcert/batchcert/selftest"
)

func runSelftest(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("selftest", "selftest [-fault NAME]... [-parallel N] [-out DIR]", stdout)
	tf := addTargetFlags(fs, 1)
	parallel := fs.Int("parallel", selftest.DefaultParallel, "faults certified at once")
	out := fs.String("out", "", "`dir` for the clean run's reports with the kill matrix (default: none)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if tf.file != "" {
		return batchcert.Usagef("selftest certifies the embedded reference platform; -target does not apply")
	}
	if *parallel < 1 {
		return batchcert.Usagef("-parallel must be at least 1")
	}
	faults := []string(*tf.faults)
	var clean *batchcert.Results
	var cleanSess *session
	certify := func(ctx context.Context, fs []string) (*batchcert.Results, error) {
		rtf := *tf
		rtf.faults = (*stringList)(&fs)
		sess, err := rtf.open(io.Discard)
		if err != nil {
			return nil, err
		}
		defer sess.Close()
		res, err := certify.Check(ctx, sess.Platform, scenarios.Config{OnToken: credentialsOf(ctx).add})
		if err == nil && len(fs) == 0 {
			clean, cleanSess = res, sess
		}
		return res, err
	}
	cfg := selftest.Config{Certify: certify, Parallel: *parallel, Progress: stderr}
	if len(faults) > 0 {
		cfg.Faults = faults
	}
	st, err := selftest.Run(ctx, cfg)
	if st != nil {
		if werr := selftest.WriteMatrix(stdout, st); werr != nil {
			return werr
		}
	}
	if st != nil && clean != nil && *out != "" {
		clean.Command, clean.SelfTest = "selftest", st
		if ferr := finish(ctx, clean, *out, cleanSess, io.Discard); ferr != nil && !isNonconformant(ferr) {
			return ferr
		}
	}
	switch {
	case errors.Is(err, selftest.ErrCleanNonconformant):
		return &batchcert.ExitError{Code: batchcert.ExitNonconformant, Err: err}
	case err != nil:
		return err
	}
	killed, total := selftest.Killed(st)
	if killed < total {
		var survivors []string
		for _, f := range st.Faults {
			if !f.Killed {
				survivors = append(survivors, f.Fault)
			}
		}
		return &batchcert.ExitError{Code: batchcert.ExitNonconformant,
			Err: fmt.Errorf("%d of %d faults survived: %s", total-killed, total, strings.Join(survivors, ", "))}
	}
	return nil
}

func isNonconformant(err error) bool {
	var ee *batchcert.ExitError
	return errors.As(err, &ee) && ee.Code == batchcert.ExitNonconformant
}
