package certify

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// Platform is a resolved target: its profile, where the profile's secrets come from, and the
// reference platform when it was started here.
type Platform struct {
	// Target is the target profile.
	Target *scenarios.Target
	// Secrets resolves the profile's ${NAME} secret references.
	Secrets func(name string) (string, bool)
	// Reference is the embedded reference platform started by StartReference; nil for a
	// target profile.
	Reference *refplatform.Server
	// ServeCommand is the `batchcert serve` command that starts the same reference, for
	// reproducers ("" for a target profile).
	ServeCommand string

	// refConfig is what Reference was started with: the capacity step starts a second one
	// with its limits lifted.
	refConfig refplatform.Config
}

// Close stops the reference platform started here, if any.
func (p *Platform) Close() error {
	if p.Reference != nil {
		return p.Reference.Close()
	}
	return nil
}

// OpenProfile loads a target profile and checks it against lookup (its secrets' source).
// Errors are usage errors naming the file and the field.
func OpenProfile(file string, lookup func(string) (string, bool)) (*Platform, error) {
	t, err := scenarios.LoadTarget(file)
	if err != nil {
		return nil, batchcert.Usagef("%w", err)
	}
	if err := CheckProfile(t, lookup); err != nil {
		return nil, err
	}
	return &Platform{Target: t, Secrets: lookup}, nil
}

// NewReference builds a reference platform from c and returns the world it serves; it does
// not listen yet.
func NewReference(c refplatform.Config) (*refplatform.Server, *refplatform.World, error) {
	world := refplatform.DefaultWorld()
	if c.WorldFile != "" {
		w, err := refplatform.LoadWorld(c.WorldFile)
		if err != nil {
			return nil, nil, batchcert.Usagef("%w", err)
		}
		world, c.WorldFile = w, ""
	}
	opts, err := c.Options()
	if err != nil {
		return nil, nil, batchcert.Usagef("%w", err)
	}
	srv, err := refplatform.New(append(opts, refplatform.WithWorld(world))...)
	if err != nil {
		return nil, nil, batchcert.Usagef("%w", err)
	}
	return srv, world, nil
}

// StartReference starts the embedded reference platform c configures on loopback, with its
// control API, and returns it as a Platform whose secrets come from its world.
func StartReference(c refplatform.Config) (*Platform, error) {
	srv, world, err := NewReference(c)
	if err != nil {
		return nil, err
	}
	if err := srv.Open(); err != nil {
		return nil, &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: err}
	}
	t := scenarios.ReferenceTarget()
	t.BaseURL = srv.URL()
	t.Control = &scenarios.Control{URL: srv.ControlURL()}
	if len(c.Faults) > 0 {
		t.Name = "reference (faults: " + strings.Join(c.Faults, ", ") + ")"
	}
	if len(c.Readings) > 0 {
		t.Name += " (readings: " + strings.Join(c.Readings, ", ") + ")"
	}
	return &Platform{Target: t, Secrets: worldSecrets(t, world), Reference: srv, ServeCommand: ServeCommand(c), refConfig: c}, nil
}

// apps are every app of a profile, each with the field that names it.
func apps(t *scenarios.Target) []namedApp {
	out := []namedApp{}
	for _, a := range []namedApp{{"primary", t.Apps.Primary}, {"secondary", t.Apps.Secondary}, {"unauthorized", t.Apps.Unauthorized},
		{"norights", t.Apps.NoRights}, {"frozen", t.Apps.Frozen}, {"load", t.Apps.Load}} {
		if a.app != nil {
			out = append(out, a)
		}
	}
	for i, a := range t.Apps.Pool {
		if a != nil {
			out = append(out, namedApp{poolAlias(i), a})
		}
	}
	return out
}

type namedApp struct {
	field string
	app   *scenarios.App
}

// poolAlias is the load target's alias of apps.pool[i] (and the profile field naming it).
func poolAlias(i int) string { return "pool." + strconv.Itoa(i) }

// AppSecrets lists the ${NAME} references of every app of the profile, in profile order,
// each once.
func AppSecrets(t *scenarios.Target) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range apps(t) {
		if n := a.app.SecretName(); n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// CheckProfile finds the profile mistakes that would otherwise surface later as something
// else: a secret variable that is not set (it read as "the target lacks an app"), and a TLS
// client certificate without its key (or a key without its certificate).
func CheckProfile(t *scenarios.Target, lookup func(string) (string, bool)) error {
	switch tl := t.TLS; {
	case tl.CertFile != "" && tl.KeyFile == "":
		return batchcert.Usagef("target %s: tls.certFile is set (%s) but tls.keyFile is not: a client certificate needs its key", t.File, tl.CertFile)
	case tl.KeyFile != "" && tl.CertFile == "":
		return batchcert.Usagef("target %s: tls.keyFile is set (%s) but tls.certFile is not: a key needs its client certificate", t.File, tl.KeyFile)
	}
	for _, a := range apps(t) {
		n := a.app.SecretName()
		if n == "" {
			continue
		}
		if _, ok := lookup(n); !ok {
			return batchcert.Usagef("target %s: apps.%s.secret names the environment variable %s, which is not set (export %s=...)",
				t.File, a.field, n, n)
		}
	}
	return nil
}

// worldSecrets resolves a profile's "${NAME}" secret references from the reference world, by
// the appId each reference belongs to, so that the embedded run needs no environment.
func worldSecrets(t *scenarios.Target, w *refplatform.World) func(string) (string, bool) {
	byApp := map[string]string{}
	for _, a := range w.Apps {
		byApp[a.ID] = a.Secret
	}
	byName := map[string]string{}
	for _, a := range apps(t) {
		if n := a.app.SecretName(); n != "" {
			if s, ok := byApp[a.app.AppID]; ok {
				byName[n] = s
			}
		}
	}
	return func(name string) (string, bool) {
		s, ok := byName[name]
		return s, ok
	}
}

// SecretValues lists the secrets the platform's profile resolves to, for redaction and the
// last-line scan of written reports (values shorter than six characters would match by chance
// and are left out).
func (p *Platform) SecretValues() []string {
	var out []string
	for _, n := range AppSecrets(p.Target) {
		if v, ok := p.Secrets(n); ok && len(v) >= 6 {
			out = append(out, v)
		}
	}
	return out
}

// Clock is the clock the probes wait on: the embedded reference's own clock, advanced instead
// of slept through; a served reference's over the control API its profile names (a failed read
// of its time goes to report); or real time for a real platform.
func (p *Platform) Clock(report func(error)) apiclient.Clock {
	if p.Reference == nil {
		if c := p.Target.Control; c != nil && c.URL != "" {
			return apiclient.NewControl(c.URL).Clock(report)
		}
		return apiclient.RealClock{}
	}
	ref := p.Reference
	return apiclient.AdvanceClock{NowFunc: ref.Now, Advance: func(_ context.Context, d time.Duration) error { return ref.Advance(d) }}
}

// ServeCommand is the `batchcert serve` command that starts the platform c configures on
// serve's default addresses: what a reproducer of an in-process run replays against.
func ServeCommand(c refplatform.Config) string {
	d := refplatform.DefaultConfig()
	parts := []string{"batchcert", "serve", "-addr", "127.0.0.1:8743", "-control-addr", "127.0.0.1:8744",
		"-time-scale", strconv.FormatFloat(c.TimeScale, 'g', -1, 64)}
	if c.WorldFile != "" {
		abs, err := filepath.Abs(c.WorldFile)
		if err != nil {
			abs = c.WorldFile
		}
		parts = append(parts, "-world", shellWord(abs))
	}
	if c.Throttle.Limit != d.Throttle.Limit {
		parts = append(parts, "-throttle-limit", strconv.Itoa(c.Throttle.Limit))
	}
	if c.Throttle.Window != d.Throttle.Window {
		parts = append(parts, "-throttle-window", c.Throttle.Window.String())
	}
	if c.Throttle.Type != d.Throttle.Type {
		parts = append(parts, "-throttle-type", shellWord(c.Throttle.Type))
	}
	if c.Throttle.RejectedCount != d.Throttle.RejectedCount {
		parts = append(parts, "-throttle-rejected-count="+strconv.FormatBool(c.Throttle.RejectedCount))
	}
	if c.TaskLimit != d.TaskLimit {
		parts = append(parts, "-task-limit", strconv.Itoa(c.TaskLimit))
	}
	for _, f := range c.Faults {
		parts = append(parts, "-fault", shellWord(f))
	}
	for _, r := range c.Readings {
		parts = append(parts, "-reading", shellWord(r))
	}
	return strings.Join(parts, " ")
}

// shellWord quotes s for a shell when it needs it.
func shellWord(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=:,", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
