package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/refplatform"
)

// targetFlags are the flags shared by the commands that talk to a target: a target profile, or
// (without one) the embedded reference platform and its settings.
type targetFlags struct {
	file   string
	ref    refplatform.Config
	faults *stringList
	fs     *flag.FlagSet
}

func addTargetFlags(fs *flag.FlagSet, defaultScale float64) *targetFlags {
	tf := &targetFlags{ref: refplatform.DefaultConfig(), fs: fs}
	tf.ref.TimeScale = defaultScale
	fs.StringVar(&tf.file, "target", "", "target profile YAML `file` (default: the embedded reference platform, started in-process)")
	tf.faults = referenceFlags(fs, &tf.ref)
	return tf
}

// session is a resolved target (certify.Platform) and how this run writes its reports.
type session struct {
	*certify.Platform
	// junitShould is the run's -junit-should: how junit.xml writes a failed SHOULD check.
	junitShould string
}

// open loads the target profile, or starts the embedded reference platform on loopback.
func (tf *targetFlags) open(stderr io.Writer) (*session, error) {
	if tf.file != "" {
		if len(*tf.faults) > 0 {
			return nil, batchcert.Usagef("-fault applies to the embedded reference platform, not to -target %s", tf.file)
		}
		if len(tf.ref.Readings) > 0 {
			return nil, batchcert.Usagef("-reading applies to the embedded reference platform, not to -target %s", tf.file)
		}
		if err := tf.referenceOnly(); err != nil {
			return nil, err
		}
		p, err := certify.OpenProfile(tf.file, os.LookupEnv)
		if err != nil {
			return nil, err
		}
		return &session{Platform: p}, nil
	}
	tf.ref.Faults = *tf.faults
	p, err := certify.StartReference(tf.ref)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "reference platform at %s\n", p.Reference.URL())
	return &session{Platform: p}, nil
}
