package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/reports"
)

var updateDeploy = flag.Bool("update-deploy", false, "rewrite deploy/kubernetes/capacity.yaml from the README's command")

// emitArgs is the README's -emit-kubernetes command for the example profile.
var emitArgs = []string{"load", "capacity", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "2",
	"-rates", "1,2,3", "-step-duration", "30s", "-slo-p99", "200ms", "-start-at", "2026-12-01T12:00:00Z",
	"-image", "batchcert:dev", "-emit-kubernetes"}

// TestEmitKubernetesMatchesDeploy: the checked-in manifests are exactly what the CLI emits for
// the documented flags, so the files and a local run cannot drift (-update-deploy rewrites them).
func TestEmitKubernetesMatchesDeploy(t *testing.T) {
	stdout, stderr, code := runCLI(t, emitArgs...)
	if code != batchcert.ExitConformant {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	const file = "../../deploy/kubernetes/capacity.yaml"
	if *updateDeploy {
		if err := os.WriteFile(file, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("%s differs from what `batchcert %s` emits; run go test ./cmd/batchcert -run EmitKubernetes -update-deploy", file, strings.Join(emitArgs, " "))
	}
	for _, secret := range []string{"primary-secret", "secondary-secret"} {
		if strings.Contains(stdout, secret) {
			t.Errorf("the manifests carry a secret")
		}
	}
}

func TestShardFlagsRefuseBadValues(t *testing.T) {
	tests := []struct {
		name, reason, want string
		args               []string
	}{
		{"no-target", "shards of the embedded reference would each load their own platform", "need -target",
			[]string{"load", "capacity", "-shard-count", "2", "-start-at", "+1m"}},
		{"no-start", "shards need a common start", "-start-at is required",
			[]string{"load", "capacity", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "2"}},
		{"bad-start", "a start time that does not parse is named", "-start-at \"soon\"",
			[]string{"load", "capacity", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "2", "-start-at", "soon"}},
		{"bad-count", "a count past the bound", "-shard-count 5000",
			[]string{"load", "capacity", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "5000", "-start-at", "+1m"}},
		{"throttle-probe", "only capacity is sharded", "load capacity only",
			[]string{"load", "throttle", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "2", "-start-at", "+1m"}},
		{"over-quota", "the example's two apps allow 3.33 req/s together", "more than the 2 apps' quotas allow",
			[]string{"load", "capacity", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "2", "-rates", "10", "-start-at", "+1m", "-emit-kubernetes"}},
		{"more-shards-than-apps", "three shards cannot share two apps' tokens", "list at least 3 apps",
			[]string{"load", "capacity", "-target", "../../deploy/kubernetes/example-target.yaml", "-shard-count", "3", "-rates", "1", "-start-at", "+1m", "-emit-kubernetes"}},
		{"merge-nothing", "merge needs shard files", "name a shard directory", []string{"merge"}},
		{"merge-empty-dir", "a directory without manifests is named", "holds no shard manifest", []string{"merge", "."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tc.args...)
			if code != batchcert.ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.reason, code, tc.want, stderr)
			}
		})
	}
	t.Run("index-from-env", func(t *testing.T) {
		sf := &shardFlags{index: -1, count: 3}
		env := map[string]string{"JOB_COMPLETION_INDEX": "2"}
		if i, err := sf.shardIndex(func(k string) string { return env[k] }); err != nil || i != 2 {
			t.Errorf("index %d %v, want 2 from JOB_COMPLETION_INDEX", i, err)
		}
		env["JOB_COMPLETION_INDEX"] = "two"
		if _, err := sf.shardIndex(func(k string) string { return env[k] }); err == nil {
			t.Error("a non-numeric JOB_COMPLETION_INDEX was accepted")
		}
		sf.index = 1
		if i, _ := sf.shardIndex(func(k string) string { return "2" }); i != 1 {
			t.Errorf("index %d: -shard-index must win over the environment", i)
		}
	})
}

// TestShardsAndMergeThroughTheCLI runs two shards as `batchcert load capacity -shard-count 2`
// against one served reference, merges them with `batchcert merge`, and then merges again
// without one shard: INCOMPLETE, naming it.
func TestShardsAndMergeThroughTheCLI(t *testing.T) {
	profile := serveReference(t, "-throttle-limit", "100000000")
	dir := t.TempDir()
	start := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	errs := make(chan string, 2)
	for i := range 2 {
		go func() {
			stdout, stderr, code := runCLI(t, "load", "capacity", "-target", profile, "-shard-count", "2", "-shard-index", string(rune('0'+i)),
				"-start-at", start, "-rates", "40,80", "-step-duration", "500ms", "-slo-p99", "1s", "-allow-over-throttle", "-out", dir)
			if code != batchcert.ExitConformant {
				errs <- stdout + stderr
				return
			}
			errs <- ""
		}()
	}
	for range 2 {
		if e := <-errs; e != "" {
			t.Fatalf("shard failed:\n%s", e)
		}
	}
	out := t.TempDir()
	stdout, stderr, code := runCLI(t, "merge", "-shards", "2", "-out", out, dir)
	if code != batchcert.ExitConformant {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	res := readResults(t, filepath.Join(out, "results.json"))
	c := res.Load.Capacity
	if c == nil || len(c.Shards) != 2 || len(c.Steps) != 2 || c.Steps[1].Rate != 80 || res.Incomplete {
		t.Fatalf("merged capacity %+v incomplete %v", c, res.Incomplete)
	}
	if !strings.Contains(stderr, "clock offset to the target") {
		t.Errorf("merge does not report the shards' clock offsets:\n%s", stderr)
	}
	man, _, _ := loadtest.ShardFiles(1)
	if err := os.Remove(filepath.Join(dir, man)); err != nil {
		t.Fatal(err)
	}
	out2 := t.TempDir()
	stdout, stderr, code = runCLI(t, "merge", "-shards", "2", "-out", out2, dir)
	if code == batchcert.ExitConformant || !strings.Contains(stdout+stderr, "shard 1 of 2 is missing") {
		t.Fatalf("merge without shard 1: exit %d, want INCOMPLETE naming it\n%s\n%s", code, stdout, stderr)
	}
	res = readResults(t, filepath.Join(out2, "results.json"))
	if !res.Incomplete || res.Verdict != batchcert.Incomplete || !strings.Contains(res.IncompleteReason, "shard 1 of 2 is missing") {
		t.Errorf("results: incomplete %v verdict %s reason %q", res.Incomplete, res.Verdict, res.IncompleteReason)
	}
}

func readResults(t *testing.T, path string) *batchcert.Results {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}
