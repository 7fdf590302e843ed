package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/internal/hostile"
	"github.com/batchcert/batchcert/reports"
)

// hostileSecretVar holds the hostile profiles' secret; set once for the test binary, since
// t.Setenv cannot be used in parallel tests.
const hostileSecretVar = "BATCHCERT_TEST_HOSTILE_SECRET"

const hostileSecret = "hostile-secret-value-42"

func init() { _ = os.Setenv(hostileSecretVar, hostileSecret) }

// hostileCommands are the commands every hostile behaviour is tried with, each bounded by a
// short -deadline.
var hostileCommands = [][]string{
	{"check"},
	{"load", "throttle"},
	{"load", "tasklimit", "-runs", "1"},
	{"load", "capacity", "-rates", "1", "-step-duration", "1s"},
	{"certify"},
}

// TestHostileTargets: against every hostile behaviour (internal/hostile), with and without a
// hostile login, check, load throttle|tasklimit|capacity and certify end by their deadline with
// exit 1 or 3 and a message saying why, and nothing they write quotes the secret or a token
// (issue 14). The runs go concurrently: most of them wait on the target.
func TestHostileTargets(t *testing.T) {
	t.Parallel()
	const deadline = "2s"
	type hostileRun struct {
		name, out string
		args      []string
	}
	var runs []hostileRun
	for _, b := range hostile.Behaviours() {
		for _, login := range []bool{false, true} {
			var opts []hostile.Option
			name := string(b)
			if login {
				opts, name = []hostile.Option{hostile.HostileLogin()}, name+"+login"
			}
			srv, err := hostile.Start(b, opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			dir := t.TempDir()
			profile, err := srv.Profile(dir, hostileSecretVar)
			if err != nil {
				t.Fatal(err)
			}
			cmds := hostileCommands
			if login {
				cmds = cmds[:1] // a login that fails stops every command the same way
			}
			for _, cmd := range cmds {
				out := filepath.Join(dir, strings.Join(cmd[:min(2, len(cmd))], "-"))
				args := append(append([]string{}, cmd...), "-target", profile, "-deadline", deadline, "-out", out)
				runs = append(runs, hostileRun{name: name + "/" + strings.Join(cmd, " "), out: out, args: args})
			}
		}
	}
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stdout, stderr, msg bytes.Buffer
			done := make(chan error, 1)
			go func() { done <- run(context.Background(), r.args, strings.NewReader(""), &stdout, &stderr) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Minute): // a hang guard, not a speed goal
				t.Errorf("%s: still running 2 minutes after a %s deadline", r.name, deadline)
				return
			}
			code := exitCode(err, &msg)
			if code != batchcert.ExitNonconformant && code != batchcert.ExitUnreachable {
				t.Errorf("%s: exit %d, want 1 or 3\n%s%s", r.name, code, stderr.String(), msg.String())
			}
			if strings.TrimSpace(msg.String()) == "" && code == batchcert.ExitUnreachable {
				t.Errorf("%s: exit 3 without a message", r.name)
			}
			out := stdout.String() + stderr.String() + msg.String()
			for _, cred := range []string{hostileSecret, hostile.Token, hostile.RefreshToken} {
				if strings.Contains(out, cred) {
					t.Errorf("%s: the output quotes a credential", r.name)
				}
			}
			if _, err := os.Stat(r.out); err == nil {
				if err := reports.ScanForSecrets(r.out, []string{hostileSecret, hostile.Token, hostile.RefreshToken}); err != nil {
					t.Errorf("%s: %v", r.name, err)
				}
			}
			t.Logf("%s: exit %d: %s", r.name, code, strings.TrimSpace(msg.String()))
		}()
	}
	wg.Wait()
}

// BenchmarkHostilePeakMemory measures the peak memory of check against each hostile
// behaviour (the goal: under 200 MB). peak-heap-MB is the largest heap in use sampled every
// 5 ms during the run; rss-hwm-MB is the process's resident high-water mark so far (Linux).
//
//	go test -run - -bench HostilePeakMemory -benchtime 1x ./cmd/batchcert
func BenchmarkHostilePeakMemory(b *testing.B) {
	for _, bh := range hostile.Behaviours() {
		b.Run(string(bh), func(b *testing.B) {
			srv, err := hostile.Start(bh)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			profile, err := srv.Profile(b.TempDir(), hostileSecretVar)
			if err != nil {
				b.Fatal(err)
			}
			var peak uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				var ms runtime.MemStats
				tick := time.NewTicker(5 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapInuse+ms.StackInuse)
					}
				}
			}()
			for b.Loop() {
				err := run(context.Background(), []string{"check", "-target", profile, "-deadline", "3s", "-out", b.TempDir()},
					strings.NewReader(""), io.Discard, io.Discard)
				if code := exitCode(err, io.Discard); code != batchcert.ExitNonconformant && code != batchcert.ExitUnreachable {
					b.Fatalf("exit %d", code)
				}
			}
			close(stop)
			<-sampled
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(rssHighWater()/(1<<20), "rss-hwm-MB")
		})
	}
}

// rssHighWater is the process's peak resident set in bytes (VmHWM), or 0 off Linux.
func rssHighWater() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}
