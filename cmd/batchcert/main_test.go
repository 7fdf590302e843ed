package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/reports"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code batchcert.ExitCode) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// TestDefaultCommandWritesEveryReport is the README's main command: no arguments certify the
// embedded reference and leave the four reports in the folder named at the end.
func TestDefaultCommandWritesEveryReport(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	t.Cleanup(func() { _ = os.Chdir(wd) })
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t)
	if code != batchcert.ExitConformant {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	m := regexp.MustCompile(`(?m)^reports: (.+) \(4 files\)$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout does not name the output folder:\n%s", stdout)
	}
	for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
		if _, err := os.Stat(filepath.Join(m[1], f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, want := range []string{"verdict                CONFORMANT", "throttle ", "task limit ", "capacity "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	f, err := os.Open(filepath.Join(m[1], "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f) // validates against reports/results.schema.json
	if err != nil {
		t.Fatalf("results.json: %v", err)
	}
	if res.Load == nil || res.Load.Throttle == nil || res.Load.TaskLimit == nil || res.Load.Capacity == nil {
		t.Errorf("results.json lacks load results: %+v", res.Load)
	}
}

// TestExitCodes: CI tells a nonconformant platform from a misused harness.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		why  string
		args []string
		want batchcert.ExitCode
	}{
		{"clean", "the clean reference is conformant on what it ran, with the coverage gate lifted", []string{"check", "-run", "errors-query", "-coverage-gate", "none"}, batchcert.ExitConformant},
		{"subset-not-certified", "a subset of the suite leaves provocable MUSTs unexercised: NOT CERTIFIED", []string{"check", "-run", "errors-query"}, batchcert.ExitNonconformant},
		{"bad-gate", "an unknown coverage gate is a usage error", []string{"check", "-coverage-gate", "most"}, batchcert.ExitUsage},
		{"fault", "a faulty reference is nonconformant", []string{"check", "-fault", refplatform.FaultProgressPercent}, batchcert.ExitNonconformant},
		{"bad-flag", "an unknown flag is a usage error", []string{"check", "-nosuch"}, batchcert.ExitUsage},
		{"bad-command", "an unknown command is a usage error", []string{"nosuch"}, batchcert.ExitUsage},
		{"bad-profile", "an unknown ambiguity profile is a usage error", []string{"check", "-profile", "sloppy"}, batchcert.ExitUsage},
		{"bad-regexp", "a broken -run is a usage error", []string{"check", "-run", "("}, batchcert.ExitUsage},
		{"bad-fault", "an unknown fault is a usage error", []string{"check", "-fault", "nosuch"}, batchcert.ExitUsage},
		{"missing-target", "a target profile that does not exist is a usage error", []string{"check", "-target", "/nonexistent.yaml"}, batchcert.ExitUsage},
		{"help", "-h prints usage and succeeds", []string{"check", "-h"}, batchcert.ExitConformant},
		{"bad-report", "a results file that does not exist is a usage error", []string{"report", "/nonexistent.json"}, batchcert.ExitUsage},
		{"bad-probe", "an unknown load probe is a usage error", []string{"load", "nosuch"}, batchcert.ExitUsage},
		{"bad-transport", "an unknown transport is a usage error", []string{"check", "-transport", "soap"}, batchcert.ExitUsage},
		{"graphql", "the reference's GraphQL facade is conformant", []string{"check", "-transport", "graphql", "-run", "errors-query|parity", "-coverage-gate", "none"}, batchcert.ExitConformant},
		{"graphql-fault", "a facade whose data disagrees with REST is nonconformant over GraphQL", []string{"check", "-transport", "graphql", "-fault", refplatform.FaultGQLDataDisagrees}, batchcert.ExitNonconformant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{}, tc.args...)
			if args[0] == "check" && tc.want != batchcert.ExitUsage {
				args = append(args, "-out", t.TempDir())
			}
			stdout, stderr, code := runCLI(t, args...)
			if code != tc.want {
				t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.why, code, tc.want, stdout, stderr)
			}
		})
	}
}

// TestNoSecretsInOutput runs a failing check (so evidence with requests and responses is
// written) and scans every report and stdout/stderr for the apps' secrets and for bearer
// tokens that were not redacted.
func TestNoSecretsInOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "check", "-fault", refplatform.FaultErrorBodyResultCode, "-out", dir)
	if code != batchcert.ExitNonconformant {
		t.Fatalf("exit %d, want 1 (the fault must give failures with evidence)\n%s", code, stderr)
	}
	var secrets []string
	for _, a := range refplatform.DefaultWorld().Apps {
		secrets = append(secrets, a.Secret)
	}
	if err := reports.ScanForSecrets(dir, secrets); err != nil {
		t.Error(err)
	}
	token := regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9_\-\.]{8,}`)
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		outputs[filepath.Base(f)] = string(b)
	}
	evidence := false
	for name, text := range outputs {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s contains an app secret", name)
			}
		}
		if m := token.FindString(text); m != "" {
			t.Errorf("%s contains an unredacted bearer token", name)
		}
		if strings.Contains(text, "curl ") {
			evidence = true
		}
	}
	if !evidence {
		t.Error("no evidence was written: the scan proved nothing")
	}
}

func TestReportRerenders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, stderr, code := runCLI(t, "check", "-run", "errors-query", "-coverage-gate", "none", "-out", dir); code != 0 {
		t.Fatalf("check: exit %d\n%s", code, stderr)
	}
	for _, format := range []string{"html", "junit", "md", "json"} {
		out := filepath.Join(dir, "again."+format)
		if _, stderr, code := runCLI(t, "report", "-format", format, "-out", out, filepath.Join(dir, "results.json")); code != 0 {
			t.Fatalf("report -format %s: exit %d\n%s", format, code, stderr)
		}
		if st, err := os.Stat(out); err != nil || st.Size() == 0 {
			t.Errorf("report -format %s wrote nothing: %v", format, err)
		}
	}
	if _, _, code := runCLI(t, "report", "-format", "pdf", filepath.Join(dir, "results.json")); code != batchcert.ExitUsage {
		t.Errorf("report -format pdf: exit %d, want 2", code)
	}
}

func TestExitCodeOfPlainError(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if got := exitCode(errors.New("boom"), &b); got != batchcert.ExitUnreachable {
		t.Errorf("a plain error exits %d, want 3", got)
	}
}
