package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestReproducersRun: for three faults of the reference, the reproducer script of a failure
// (taken from results.json) runs against `batchcert serve` started with the command the script
// names, on loopback ports of its own, and sees the failure again; against the clean reference
// the same script says it did not. One fault is stateful: its script must carry the task id a
// create answered into the query that failed.
func TestReproducersRun(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl")
	}
	t.Parallel()
	tests := []struct {
		fault, run, check, why string
	}{
		{refplatform.FaultHTTP105005As400, "errors-query", "errors-query/unknown task/expect-1", "a wrong status"},
		{refplatform.FaultCreateTaskIDLowercase, "errors-query", "errors-query/create a task/contract", "a renamed field"},
		{"param-missing", "happy-paths", "happy-paths/query DeviceList/contract", "a stateful failure: create, then query its task"},
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			_, stderr, code := runCLI(t, "check", "-fault", tc.fault, "-run", "^"+tc.run+"$", "-coverage-gate", "none", "-out", out)
			if code != batchcert.ExitNonconformant {
				t.Fatalf("check -fault %s: exit %d\n%s", tc.fault, code, stderr)
			}
			script := scriptOf(t, filepath.Join(out, "results.json"), tc.check)
			for _, secret := range []string{"primary-secret", "secondary-secret"} {
				if strings.Contains(script, secret) {
					t.Fatalf("the script carries the secret %q", secret)
				}
			}
			serve := serveArgs(t, script)
			if !strings.Contains(strings.Join(serve, " "), "-fault "+tc.fault) {
				t.Fatalf("the script's serve command %q does not name the fault", serve)
			}
			path := filepath.Join(t.TempDir(), "repro.sh")
			if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			got, err := replay(t, path, serve)
			if err != nil || !strings.Contains(got, "REPRODUCED: "+tc.check) {
				t.Fatalf("%s: the script did not see the failure again (%v):\n%s\n--- script:\n%s", tc.why, err, got, script)
			}
			clean := withoutFault(serve, tc.fault)
			if got, err := replay(t, path, clean); err == nil || !strings.Contains(got, "NOT REPRODUCED") {
				t.Errorf("%s: against the clean reference the script still reports the failure (%v):\n%s", tc.why, err, got)
			}
		})
	}
}

// scriptOf is the reproducer script of check id in a results file.
func scriptOf(t *testing.T, path, id string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res batchcert.Results
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.ID == id {
			if c.Outcome != batchcert.Fail || len(c.Evidence) == 0 || c.Evidence[0].Script == "" {
				t.Fatalf("%s: %s with %d evidence, no script", id, c.Outcome, len(c.Evidence))
			}
			return c.Evidence[0].Script
		}
	}
	t.Fatalf("no check %s in %s", id, path)
	return ""
}

var serveLine = regexp.MustCompile(`(?m)^#\s+batchcert (serve .*)$`)

// serveArgs are the arguments of the serve command a script names, on ports of the test's own.
func serveArgs(t *testing.T, script string) []string {
	t.Helper()
	m := serveLine.FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("the script names no batchcert serve command:\n%s", script)
	}
	args := strings.Fields(m[1])
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-addr" || args[i] == "-control-addr" {
			args[i+1] = "127.0.0.1:0"
		}
	}
	return args
}

func withoutFault(args []string, fault string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-fault" && i+1 < len(args) && args[i+1] == fault {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// replay starts `batchcert serve` with args, runs the script against it, and stops it.
func replay(t *testing.T, script string, args []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, strings.NewReader(""), pw, io.Discard)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	drained := make(chan struct{})
	defer func() {
		cancel()
		<-drained
		<-done
	}()
	base, control := "", ""
	sc := bufio.NewScanner(pr)
	for (base == "" || control == "") && sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "reference platform: "); ok {
			base = strings.TrimSpace(u)
		}
		if u, ok := strings.CutPrefix(sc.Text(), "control API:"); ok {
			control = strings.TrimSpace(u)
		}
	}
	// serve goes on writing until it stops: keep reading so it never blocks.
	go func() { defer close(drained); _, _ = io.Copy(io.Discard, pr) }()
	if base == "" || control == "" {
		return "", fmt.Errorf("serve %v printed no addresses", args)
	}
	rctx, rcancel := context.WithTimeout(ctx, time.Minute)
	defer rcancel()
	cmd := exec.CommandContext(rctx, "bash", script)
	cmd.Env = append(os.Environ(), "BATCHCERT_BASE_URL="+base, "BATCHCERT_CONTROL_URL="+control,
		"BATCHCERT_SECRET_PRIMARY=primary-secret", "BATCHCERT_SECRET_SECONDARY=secondary-secret")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
