package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestLoadCapacityCreate: a create capacity search runs on the embedded reference with its task
// limit lifted (and says so), and is refused on a real platform whose task limit cannot hold
// the planned creates.
func TestLoadCapacityCreate(t *testing.T) {
	t.Setenv("BATCHCERT_TEST_LOAD_SECRET", "not-a-secret") // so not parallel
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "load", "capacity", "-operation", "create", "-rates", "40",
		"-step-duration", "500ms", "-slo-p99", "5s", "-out", dir)
	if code != batchcert.ExitConformant {
		t.Fatalf("embedded create search: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"task limit raised to", "uniquely named task", "reset the reference platform"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the plan lacks %q:\n%s", want, stderr)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res batchcert.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if c := res.Load.Capacity; c == nil || c.Operation != "create" || len(c.Steps) != 1 || c.Steps[0].ErrorRate != 0 {
		t.Errorf("capacity result %+v: want one create step without refusals", res.Load.Capacity)
	}

	profile := filepath.Join(t.TempDir(), "real.yaml")
	if err := os.WriteFile(profile, []byte(`name: real
baseURL: http://127.0.0.1:9
transport: rest
apps:
  primary: {appId: my-app, secret: "${BATCHCERT_TEST_LOAD_SECRET}"}
fixtures:
  deviceIds: [d-1]
  serviceId: Switch
  method: SET
limits:
  throttle: {limit: 100, window: 60s}
  taskLimit: 10
profile: doc-strict
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		reason string
		args   []string
		want   batchcert.ExitCode
	}{
		{"over-limit", "400 creates cannot fit in 10 unfinished tasks: refused before any call",
			[]string{"-rates", "200", "-allow-over-throttle"}, batchcert.ExitUsage},
		{"bad-operation", "only query and create are loaded", []string{"-operation", "delete"}, batchcert.ExitUsage},
	}
	for _, tc := range tests {
		args := append([]string{"load", "capacity", "-target", profile, "-operation", "create", "-out", t.TempDir()}, tc.args...)
		_, stderr, code := runCLI(t, args...)
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d\n%s", tc.reason, code, tc.want, stderr)
		}
		if wantMsg := map[string]string{"over-limit": "exceed the task limit", "bad-operation": "want query or create"}[tc.name]; !strings.Contains(stderr, wantMsg) {
			t.Errorf("%s: stderr lacks the reason:\n%s", tc.reason, stderr)
		}
	}
}

// TestConnFlag: -conn picks the probes' connection model and the results record it; a model
// that does not exist is a usage error.
func TestConnFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "load", "tasklimit", "-conn", "new-connection", "-out", dir)
	if code != batchcert.ExitConformant {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res batchcert.Results
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	tl := res.Load.TaskLimit
	if tl == nil || tl.Connections == nil || tl.Connections.Model != "new-connection" {
		t.Fatalf("task-limit result %+v: want its connections recorded as new-connection", tl)
	}
	if c := tl.Connections; c.Dials < c.Requests {
		t.Errorf("new-connection: %d dials for %d requests, want one per request", c.Dials, c.Requests)
	}
	for _, cmd := range []string{"load", "certify"} {
		args := []string{cmd, "-conn", "pipelined", "-out", t.TempDir()}
		if cmd == "load" {
			args = []string{cmd, "throttle", "-conn", "pipelined", "-out", t.TempDir()}
		}
		if _, stderr, code := runCLI(t, args...); code != batchcert.ExitUsage || !strings.Contains(stderr, "-conn") {
			t.Errorf("%s -conn pipelined: exit %d, want 2 naming -conn\n%s", cmd, code, stderr)
		}
	}
}
