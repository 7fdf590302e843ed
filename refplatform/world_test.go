package refplatform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultWorld: the embedded world parses and holds what the tests and the comment at the
// top of world.yaml promise.
func TestDefaultWorld(t *testing.T) {
	t.Parallel()
	w := DefaultWorld()
	for app, secret := range secrets {
		if a := w.App(app); a == nil || a.Secret != secret {
			t.Errorf("app %s missing or secret changed", app)
		}
	}
	if !w.mayActFor("app-primary", "app-secondary") || w.mayActFor("app-primary", "app-other") {
		t.Error("app-primary must act for app-secondary and not for app-other")
	}
	if w.App("app-norights").BatchRights || !w.App("app-frozen").Frozen || !w.App("app-primary").BatchRights {
		t.Error("rights/frozen flags changed")
	}
	if len(w.Devices) != 13 {
		t.Errorf("%d devices, world.yaml says 13", len(w.Devices))
	}
}

// TestLoadWorldErrors: a broken world file is reported with its name and the field.
func TestLoadWorldErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, why, yaml, want string
	}{
		{"unknown-field", "typos are errors, not silently ignored", "apps: [{id: a, secret: s, colour: red}]", "field colour not found"},
		{"no-apps", "a world needs an application", "devices: []", "apps: at least one"},
		{"dup-app", "ids are unique", "apps: [{id: a, secret: s}, {id: a, secret: t}]", "apps[1].id: duplicate"},
		{"actsFor", "actsFor names an app", "apps: [{id: a, secret: s, actsFor: [b]}]", "apps[0].actsFor[0]"},
		{"no-secret", "login needs a secret", "apps: [{id: a}]", "apps[0].secret"},
		{"behaviour", "behaviour enum", "apps: [{id: a, secret: s}]\ndevices: [{id: d, behaviour: maybe}]", "devices[0].behaviour"},
		{"latency", "latency is a duration", "apps: [{id: a, secret: s}]\ndevices: [{id: d, latency: soon}]", "devices[0].latency"},
		{"dropFirst", "dropFirst >= 0", "apps: [{id: a, secret: s}]\ndevices: [{id: d, dropFirst: -1}]", "devices[0].dropFirst"},
		{"bound-tag", "a bound tag's name is registered", "apps: [{id: a, secret: s}]\ntags: {names: [x], bound: [{tagName: y, tagValue: v}]}", "tags.bound[0].tagName"},
		{"not-yaml", "syntax error", "apps: [", "world.yaml"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+"-world.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadWorld(path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and %q", err, path, c.want)
			}
		})
	}
	if _, err := LoadWorld(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("a missing file loaded")
	}
}
