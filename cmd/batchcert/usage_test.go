package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
	"github.com/batchcert/batchcert/scenarios"
)

// profile writes a minimal target profile into a fresh directory and returns its path.
func profile(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "target.yaml")
	body := `name: usage
baseURL: https://127.0.0.1:1
transport: rest
apps:
  primary: {appId: app-primary, secret: "${BATCHCERT_TEST_UNSET_PRIMARY_7Q}"}
fixtures:
  deviceIds: [dev-1]
limits:
  throttle: {limit: 100, window: 60s}
  taskLimit: 10
profile: doc-strict
` + extra
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUsageErrorsNameWhatIsWrong: a misused harness exits 2 with a message naming the
// variable, the profile field or the flag, before anything is sent.
func TestUsageErrorsNameWhatIsWrong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		why  string
		args func(t *testing.T) []string
		want []string
	}{
		{"unset-secret", "a secret variable that is not set names the variable and the profile field",
			func(t *testing.T) []string { return []string{"check", "-target", profile(t, "")} },
			[]string{"BATCHCERT_TEST_UNSET_PRIMARY_7Q", "apps.primary.secret"}},
		{"cert-without-key", "a TLS certificate without its key names both fields",
			func(t *testing.T) []string {
				return []string{"check", "-target", profile(t, "tls: {certFile: client.pem}\n")}
			},
			[]string{"tls.certFile", "tls.keyFile"}},
		{"time-scale", "-time-scale configures the reference only",
			func(t *testing.T) []string { return []string{"check", "-target", profile(t, ""), "-time-scale", "5"} },
			[]string{"-time-scale", "embedded reference"}},
		{"throttle-limit", "-throttle-limit configures the reference only",
			func(t *testing.T) []string {
				return []string{"certify", "-target", profile(t, ""), "-throttle-limit", "5", "-task-limit", "3"}
			},
			[]string{"-task-limit, -throttle-limit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(tc.args(t), "-out", t.TempDir())
			_, stderr, code := runCLI(t, args...)
			if code != batchcert.ExitUsage {
				t.Fatalf("%s: exit %d, want 2\n%s", tc.why, code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("%s: stderr does not name %q:\n%s", tc.why, w, stderr)
				}
			}
		})
	}
}

// TestProfilePathsResolveAgainstTheProfile: tls files named relatively are found beside the
// profile, wherever batchcert was started.
func TestProfilePathsResolveAgainstTheProfile(t *testing.T) {
	t.Parallel()
	p := profile(t, "tls: {caFile: ca.pem, certFile: certs/c.pem, keyFile: /abs/k.pem}\n")
	tg, err := scenarios.LoadTarget(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(p)
	if tg.TLS.CAFile != filepath.Join(dir, "ca.pem") || tg.TLS.CertFile != filepath.Join(dir, "certs", "c.pem") {
		t.Errorf("relative paths %q, %q not resolved against %s", tg.TLS.CAFile, tg.TLS.CertFile, dir)
	}
	if tg.TLS.KeyFile != "/abs/k.pem" {
		t.Errorf("an absolute path was changed: %q", tg.TLS.KeyFile)
	}
}

// TestUnreachableTargetIsIncomplete: a target that refuses connections is not a bad platform:
// exit 3, INCOMPLETE, and results.json is still written, saying why.
func TestUnreachableTargetIsIncomplete(t *testing.T) {
	t.Setenv("BATCHCERT_TEST_UNSET_PRIMARY_7Q", "some-secret-value")
	p := profile(t, "")
	// A full set of fixtures, so that the scenarios try to reach the target instead of
	// skipping for what the profile lacks.
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	full := strings.Replace(string(data), "  deviceIds: [dev-1]\n", "  deviceIds: [dev-1]\n  serviceId: Switch\n  method: SET\n", 1)
	if err := os.WriteFile(p, []byte(full), 0o600); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, stderr, code := runCLI(t, "check", "-target", p, "-out", out)
	if code != batchcert.ExitUnreachable {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
	f, err := os.Open(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if res.Verdict != batchcert.Incomplete || !res.Incomplete || !strings.Contains(res.IncompleteReason, "unreachable") {
		t.Errorf("verdict %s, incomplete %v, reason %q: want INCOMPLETE saying the target is unreachable",
			res.Verdict, res.Incomplete, res.IncompleteReason)
	}
}
