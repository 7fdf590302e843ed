package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReferenceTargetIsValid(t *testing.T) {
	tg := ReferenceTarget()
	if tg.Apps.Primary == nil || tg.Fixtures.Groups.Small == nil || tg.Fixtures.Groups.Large == nil {
		t.Fatalf("reference target lacks fixtures: %+v", tg)
	}
	if tg.Fixtures.Groups.Small.Size != 3 || tg.Fixtures.Groups.Large.Size != 7 {
		t.Errorf("groups of %d and %d devices, want 3 and 7", tg.Fixtures.Groups.Small.Size, tg.Fixtures.Groups.Large.Size)
	}
	for alias, a := range tg.apps() {
		if secretName(a) == "" {
			t.Errorf("app %s: secret %q is not a ${NAME} reference", alias, a.Secret)
		}
	}
}

func TestLoadTargetErrorsNameFileAndField(t *testing.T) {
	base := string(referenceTargetYAML)
	cases := []struct {
		name, reason, yaml, field string
	}{
		{"secret-in-clear", "a secret must be a ${NAME} reference, never the value",
			strings.Replace(base, `"${BATCHCERT_SECRET_PRIMARY}"`, "primary-secret", 1), "apps.primary.secret"},
		{"unknown-profile", "profile is doc-strict or lenient",
			strings.Replace(base, "profile: doc-strict", "profile: sloppy", 1), "profile"},
		{"bad-window", "the throttle window is a duration",
			strings.Replace(base, "window: 60s", "window: a minute", 1), "limits.throttle.window"},
		{"unknown-field", "a misspelt field is an error, not ignored",
			base + "\nextra: 1\n", "(root)"},
		{"no-devices", "deviceIds needs at least one device",
			strings.Replace(base, "deviceIds: [dev-lone, dev-trio-1, dev-trio-2]", "deviceIds: []", 1), "fixtures.deviceIds"},
		{"bad-known-failure", "a known failure's check is a regular expression",
			strings.Replace(base, "knownFailures: []", "knownFailures: [{check: 'a(b', reason: r}]", 1), "knownFailures.0.check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.name+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadTarget(path)
			if err == nil {
				t.Fatalf("%s: no error", tc.reason)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("%s: error %q does not name %s and %s", tc.reason, err, path, tc.field)
			}
			var fe *FileError
			var fes FileErrors
			if !errors.As(err, &fe) && !errors.As(err, &fes) {
				t.Errorf("error %T is no FileError", err)
			}
		})
	}
}

func TestLoadTargetMissingFile(t *testing.T) {
	if _, err := LoadTarget(filepath.Join(t.TempDir(), "nope.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want os.ErrNotExist", err)
	}
}

func TestParseScenarioErrorsNameField(t *testing.T) {
	cases := []struct {
		name, reason, yaml, field string
	}{
		{"no-requirements", "every expectation must name its requirements",
			"name: x\ndescription: d\nsteps:\n  - name: s\n    request: {method: GET, path: /a}\n    expect: [{status: 200}]\n", "steps.0.expect.0"},
		{"two-actions", "a step is one action",
			"name: x\ndescription: d\nsteps:\n  - name: s\n    request: {method: GET, path: /a}\n    control: {reset: true}\n", "steps.0"},
		{"bad-app", "as names one of the target's applications",
			"name: x\ndescription: d\nsteps:\n  - name: s\n    request: {as: root, method: GET, path: /a}\n", "steps.0.request.as"},
		{"unknown-need", "needs are a closed list",
			"name: x\ndescription: d\nneeds: [unicorns]\nsteps: []\n", "needs.0"},
		{"duplicate-step", "step names make check ids, so they are unique",
			"name: x\ndescription: d\nsteps:\n  - {name: s, set: {a: b}}\n  - {name: s, set: {a: c}}\n", "duplicate step name"},
		{"not-yaml", "a broken file is an error, not a panic", "name: [", "parse yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseScenario("suite/"+tc.name+".yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("%s: no error", tc.reason)
			}
			if !strings.Contains(err.Error(), "suite/"+tc.name+".yaml") || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("%s: error %q does not name the file and %s", tc.reason, err, tc.field)
			}
		})
	}
}

func FuzzParseScenario(f *testing.F) {
	scs, _ := suiteFS.ReadDir("suite")
	for _, e := range scs {
		data, _ := suiteFS.ReadFile("suite/" + e.Name())
		f.Add(data)
	}
	f.Add([]byte("name: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseScenario("fuzz.yaml", data)
	})
}

func FuzzParseTarget(f *testing.F) {
	f.Add(referenceTargetYAML)
	f.Add([]byte("apps: {primary: {appId: 1}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseTarget("fuzz.yaml", data)
	})
}

func TestShippedTargetsLoad(t *testing.T) {
	paths, err := filepath.Glob("targets/*.yaml")
	if err != nil || len(paths) < 2 {
		t.Fatalf("targets: %v %v", paths, err)
	}
	for _, p := range paths {
		if _, err := LoadTarget(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
