package main

import (
	"flag"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// referenceFlagNames are the flags that configure the embedded reference platform; with
// -target they would silently do nothing, so they are usage errors like -fault.
var referenceFlagNames = map[string]bool{"world": true, "time-scale": true, "throttle-limit": true, "throttle-window": true,
	"throttle-type": true, "throttle-rejected-count": true, "task-limit": true}

// referenceOnly rejects reference-only flags given with -target.
func (tf *targetFlags) referenceOnly() error {
	if tf.fs == nil {
		return nil
	}
	var set []string
	tf.fs.Visit(func(f *flag.Flag) {
		if referenceFlagNames[f.Name] {
			set = append(set, "-"+f.Name)
		}
	})
	if len(set) == 0 {
		return nil
	}
	sort.Strings(set)
	return batchcert.Usagef("%s applies to the embedded reference platform, not to -target %s", strings.Join(set, ", "), tf.file)
}

// checkProfile finds the profile mistakes that would otherwise surface later as something
// else: a secret variable that is not set (it read as "the target lacks an app"), and a TLS
// client certificate without its key (or a key without its certificate).
func checkProfile(t *scenarios.Target, lookup func(string) (string, bool)) error {
	switch tl := t.TLS; {
	case tl.CertFile != "" && tl.KeyFile == "":
		return batchcert.Usagef("target %s: tls.certFile is set (%s) but tls.keyFile is not: a client certificate needs its key", t.File, tl.CertFile)
	case tl.KeyFile != "" && tl.CertFile == "":
		return batchcert.Usagef("target %s: tls.keyFile is set (%s) but tls.certFile is not: a key needs its client certificate", t.File, tl.KeyFile)
	}
	apps := []struct {
		field string
		app   *scenarios.App
	}{{"primary", t.Apps.Primary}, {"secondary", t.Apps.Secondary}, {"unauthorized", t.Apps.Unauthorized},
		{"norights", t.Apps.NoRights}, {"frozen", t.Apps.Frozen}, {"load", t.Apps.Load}}
	for _, a := range apps {
		if a.app == nil {
			continue
		}
		m := secretRef.FindStringSubmatch(a.app.Secret)
		if m == nil {
			continue
		}
		if _, ok := lookup(m[1]); !ok {
			return batchcert.Usagef("target %s: apps.%s.secret names the environment variable %s, which is not set (export %s=...)",
				t.File, a.field, m[1], m[1])
		}
	}
	return nil
}

// serveCommand is the `batchcert serve` command that starts the platform c configures on
// serve's default addresses: what a reproducer of an in-process run replays against.
func serveCommand(c refplatform.Config) string {
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
