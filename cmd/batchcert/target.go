package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
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

// session is a resolved target: the profile, where its secrets come from, and the reference
// platform when it was started here.
type session struct {
	target  *scenarios.Target
	secrets func(string) (string, bool)
	ref     *refplatform.Server
	// serve is the `batchcert serve` command that starts the same reference (reproducers).
	serve string
	// junitShould is the run's -junit-should: how junit.xml writes a failed SHOULD check.
	junitShould string
}

func (s *session) close() {
	if s.ref != nil {
		_ = s.ref.Close()
	}
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
		t, err := scenarios.LoadTarget(tf.file)
		if err != nil {
			return nil, batchcert.Usagef("%w", err)
		}
		if err := checkProfile(t, os.LookupEnv); err != nil {
			return nil, err
		}
		return &session{target: t, secrets: os.LookupEnv}, nil
	}
	tf.ref.Faults = *tf.faults
	srv, world, err := newReference(tf.ref)
	if err != nil {
		return nil, err
	}
	if err := srv.Open(); err != nil {
		return nil, &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: err}
	}
	t := scenarios.ReferenceTarget()
	t.BaseURL = srv.URL()
	t.Control = &scenarios.Control{URL: srv.ControlURL()}
	if len(tf.ref.Faults) > 0 {
		t.Name = "reference (faults: " + strings.Join(tf.ref.Faults, ", ") + ")"
	}
	if len(tf.ref.Readings) > 0 {
		t.Name += " (readings: " + strings.Join(tf.ref.Readings, ", ") + ")"
	}
	fmt.Fprintf(stderr, "reference platform at %s\n", srv.URL())
	return &session{target: t, secrets: worldSecrets(t, world), ref: srv, serve: serveCommand(tf.ref)}, nil
}

var secretRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// worldSecrets resolves a profile's "${NAME}" secret references from the reference world, by
// the appId each reference belongs to, so that the embedded run needs no environment.
func worldSecrets(t *scenarios.Target, w *refplatform.World) func(string) (string, bool) {
	byApp := map[string]string{}
	for _, a := range w.Apps {
		byApp[a.ID] = a.Secret
	}
	byName := map[string]string{}
	for _, a := range []*scenarios.App{t.Apps.Primary, t.Apps.Secondary, t.Apps.Unauthorized, t.Apps.NoRights, t.Apps.Frozen, t.Apps.Load} {
		if a == nil {
			continue
		}
		if m := secretRef.FindStringSubmatch(a.Secret); m != nil {
			if s, ok := byApp[a.AppID]; ok {
				byName[m[1]] = s
			}
		}
	}
	return func(name string) (string, bool) {
		s, ok := byName[name]
		return s, ok
	}
}

// secretValues lists the secrets a session knows, for the last-line scan of written reports.
func (s *session) secretValues() []string {
	var out []string
	for _, a := range []*scenarios.App{s.target.Apps.Primary, s.target.Apps.Secondary, s.target.Apps.Unauthorized, s.target.Apps.NoRights, s.target.Apps.Frozen, s.target.Apps.Load} {
		if a == nil {
			continue
		}
		if m := secretRef.FindStringSubmatch(a.Secret); m != nil {
			if v, ok := s.secrets(m[1]); ok && len(v) >= 6 {
				out = append(out, v)
			}
		}
	}
	return out
}
