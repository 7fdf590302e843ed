package loadtest

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
)

// Load figures (not run by default; they take real time and CPU):
//
//	go test -run TestFigures -figures -figures.rate 5000 -figures.duration 10s ./loadtest
//	GOBIN=/tmp/vegbin go install github.com/tsenart/vegeta/v12@v12.13.0
//	go test -run TestFigures -figures -figures.vegeta /tmp/vegbin/vegeta ./loadtest
//	go test ./loadtest -run TestFigures -figures -figures.vegeta=/tmp/vegbin/vegeta -figures.vegeta-capped  # same caps
//	go test -run TestFigures -figures -figures.rate 10000 -figures.duration 100s ./loadtest  # 1,000,000 requests
//	go test -run TestFigures -figures -figures.profile /tmp/prof ./loadtest  # heap.pprof, goroutine.pprof
//	go test -run TestFigures -figures -figures.tls -figures.conn new-connection -figures.rate 500 ./loadtest  # handshake cost
//
// The reference platform runs in a child process (this test binary re-executed), so the CPU
// and peak memory reported are the load generator's alone, comparable with the vegeta CLI's.
var (
	figures         = flag.Bool("figures", false, "run the load figures (achieved rate, CPU per request, peak memory)")
	figuresRate     = flag.Float64("figures.rate", 5000, "rate of the figures run, req/s")
	figuresDuration = flag.Duration("figures.duration", 10*time.Second, "duration of the figures run")
	figuresVegeta   = flag.String("figures.vegeta", "", "path of a vegeta CLI binary to compare CPU with")
	figuresProfile  = flag.String("figures.profile", "", "`dir` for heap and goroutine profiles taken at the run's goroutine peak")
	figuresTLS      = flag.Bool("figures.tls", false, "serve the reference over two-way TLS (a client certificate required)")
	figuresConn     = flag.String("figures.conn", "keep-alive", "connection model of the generator: keep-alive or new-connection")
	figuresCapped   = flag.Bool("figures.vegeta-capped", false, "give the vegeta CLI the generator's cap on workers and connections (its default is unbounded)")
)

const (
	serveEnv = "BATCHCERT_LOADTEST_SERVE_REFERENCE"
	// serveTLSEnv names the child's TLS directory and client CA: "dir:ca.pem".
	serveTLSEnv = "BATCHCERT_LOADTEST_SERVE_TLS"
)

// TestServeReference is the child process of TestFigures: a reference platform with a
// throttle that never bites, until its standard input closes.
func TestServeReference(t *testing.T) {
	if os.Getenv(serveEnv) == "" {
		t.Skip("child process of TestFigures only")
	}
	opts := []refplatform.Option{refplatform.WithThrottle(refplatform.ThrottleConfig{Limit: 1 << 30, Window: time.Second, Type: refplatform.ThrottleFixed})}
	if dir, ca, ok := strings.Cut(os.Getenv(serveTLSEnv), ":"); ok {
		opts = append(opts, refplatform.WithTLS(dir), refplatform.WithClientCA(ca, true))
	}
	srv, err := refplatform.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fmt.Printf("URL %s %s\n", srv.URL(), srv.CertFile())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -figures")
	}
	model, err := apiclient.ParseConnModel(*figuresConn)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run", "^TestServeReference$")
	child.Env = append(os.Environ(), serveEnv+"=1")
	var certFile, keyFile string
	if *figuresTLS {
		dir := t.TempDir()
		certFile, keyFile = writeClientCert(t, dir)
		child.Env = append(child.Env, serveTLSEnv+"="+filepath.Join(dir, "server")+":"+certFile)
	}
	stdin, _ := child.StdinPipe()
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = child.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "URL ") {
		t.Fatalf("reference child: %q %v", line, err)
	}
	base, serverCert, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "URL ")), " ")
	tgt := Target{BaseURL: base, Apps: testApps, Fixture: worldFixture(refplatform.DefaultWorld()), Conn: model}
	if *figuresTLS {
		c, err := apiclient.NewHTTPClient(apiclient.Options{TLS: apiclient.TLS{CAFile: serverCert, CertFile: certFile, KeyFile: keyFile}})
		if err != nil {
			t.Fatal(err)
		}
		c.Timeout = DefaultHTTPTimeout
		tgt.Client = c
	}

	resultsPath := filepath.Join(t.TempDir(), "results.gob")
	f, err := os.Create(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	taskID, err := createOne(context.Background(), NewSession(tgt), "primary")
	if err != nil {
		t.Fatal(err)
	}
	stopSampler := sampleRuntime(t, *figuresProfile)
	cpu0 := cpuNow()
	res, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{TaskID: taskID,
		Rates: []float64{*figuresRate}, StepDuration: *figuresDuration, SLOp99: time.Minute, MaxErrorRate: 1, Results: bw})
	cpu := cpuNow() - cpu0
	stopSampler()
	if err != nil {
		t.Fatal(err)
	}
	_ = bw.Flush()
	st := res.Steps[0]
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	t.Logf("batchcert: rate %.0f req/s for %s: achieved %.1f req/s (%.2f %% off), %d requests, errors %.3f %%, p50 %s p99 %s",
		*figuresRate, *figuresDuration, st.Achieved, 100*(st.Achieved-*figuresRate) / *figuresRate, st.Requests, 100*st.ErrorRate, st.P50, st.P99)
	t.Logf("batchcert: CPU %s, %.1f µs per request; peak RSS %d MiB", cpu, float64(cpu.Microseconds())/float64(st.Requests), ru.Maxrss/1024)
	if c := res.Connections; c != nil {
		t.Logf("batchcert: connections %s (tls %v): %d requests, %d dials, %d TLS handshakes, mean %s each, %.1f µs of handshake per request",
			c.Model, *figuresTLS, c.Requests, c.Dials, c.Handshakes, c.HandshakeMean, float64(c.HandshakeTime.Microseconds())/float64(max(c.Requests, 1)))
	}

	if *figuresVegeta == "" {
		return
	}
	s := NewSession(tgt) // a new login: SearchCapacity's token is superseded now
	req, err := s.QueryRequest(context.Background(), "primary", taskID)
	if err != nil {
		t.Fatal(err)
	}
	vegOut := filepath.Join(t.TempDir(), "vegeta.gob")
	args := []string{"attack", "-rate", fmt.Sprintf("%.0f", *figuresRate), "-duration", figuresDuration.String(),
		"-output", vegOut}
	for k, vs := range req.Header {
		args = append(args, "-header", k+": "+vs[0])
	}
	if *figuresTLS {
		args = append(args, "-root-certs", serverCert, "-cert", certFile, "-key", keyFile)
	}
	if model == apiclient.NewConnection {
		args = append(args, "-keepalive=false")
	}
	if *figuresCapped {
		c := strconv.FormatUint(InFlightBound(*figuresRate, time.Minute, vegeta.DefaultWorkers), 10) // as the run above
		args = append(args, "-max-workers", c, "-connections", c, "-max-connections", c)
	}
	m, err := runMeasured(*figuresVegeta, args, "GET "+req.URL.String()+"\n")
	if err != nil {
		t.Fatalf("vegeta: %v", err)
	}
	n := *figuresRate * figuresDuration.Seconds()
	if vf, err := os.Open(vegOut); err == nil {
		if rep, err := Merge(vf); err == nil && rep.Metrics.Requests > 0 {
			n = float64(rep.Metrics.Requests)
			t.Logf("vegeta CLI: achieved %.1f req/s, %d requests, success %.3f %%, p50 %s p99 %s", rep.Metrics.Rate, rep.Metrics.Requests,
				100*rep.Metrics.Success, rep.Metrics.Latencies.P50, rep.Metrics.Latencies.P99)
		}
		_ = vf.Close()
	}
	t.Logf("vegeta CLI: CPU %s, %.1f µs per request (of %.0f sent); peak RSS %d MiB measured from outside (%s); "+
		"the parent's rusage says %d MiB, Go's child accounting counting this test process's own peak",
		m.cpu, float64(m.cpu.Microseconds())/n, n, m.peakKiB/1024, m.how, m.parentKiB/1024)
	if cal, err := runMeasured("/bin/true", nil, ""); err == nil {
		t.Logf("calibration, /bin/true: %d KiB from outside (%s), %d KiB by the parent's rusage", cal.peakKiB, cal.how, cal.parentKiB)
	}
}

// measured is what runMeasured saw of a child process.
type measured struct {
	cpu       time.Duration // user + system, the child's own
	peakKiB   int64         // peak RSS, measured from outside the Go parent
	how       string        // how peakKiB was measured
	parentKiB int64         // the peak RSS the Go parent's wait4 rusage reports for the child
}

// timeTool is GNU time, whose -v report gives a child's own peak RSS ("" or absent: sample
// /proc instead).
var timeTool = "/usr/bin/time"

// runMeasured runs name with args and stdin, and measures its CPU and peak RSS from outside:
// Go starts a child with vfork semantics, so the kernel folds the parent's own peak RSS into
// the child's ru_maxrss (a 200 MiB parent running /bin/true reports 202 MiB). Under GNU time
// (-v) the child is started by a small C process and measured by it; without GNU time, the
// child's /proc/<pid>/status VmHWM (its own address space's high-water mark, after exec) is
// read every 20 ms while it runs.
func runMeasured(name string, args []string, stdin string) (measured, error) {
	var m measured
	report := ""
	cmd := exec.Command(name, args...)
	if _, err := os.Stat(timeTool); err == nil && timeTool != "" {
		f, err := os.CreateTemp("", "batchcert-time-*.txt")
		if err != nil {
			return m, err
		}
		report = f.Name()
		_ = f.Close()
		defer os.Remove(report)
		cmd = exec.Command(timeTool, append([]string{"-v", "-o", report, name}, args...)...)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return m, err
	}
	var hwm atomic.Int64
	sampled := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(sampled)
		if report != "" {
			return
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if kib := vmHWM(cmd.Process.Pid); kib > hwm.Load() {
				hwm.Store(kib)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-sampled
	if err != nil {
		return m, fmt.Errorf("%v: %s", err, out.String())
	}
	m.parentKiB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if report == "" {
		m.peakKiB, m.how = hwm.Load(), "VmHWM of /proc/<pid>/status, sampled every 20 ms"
		return m, nil
	}
	b, err := os.ReadFile(report)
	if err != nil {
		return m, err
	}
	var user, sys float64
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		switch k {
		case "Maximum resident set size (kbytes)":
			m.peakKiB, _ = strconv.ParseInt(v, 10, 64)
		case "User time (seconds)":
			user, _ = strconv.ParseFloat(v, 64)
		case "System time (seconds)":
			sys, _ = strconv.ParseFloat(v, 64)
		}
	}
	m.cpu = time.Duration((user + sys) * float64(time.Second)) // the child's own, not GNU time's
	m.how = timeTool + " -v"
	return m, nil
}

// vmHWM is a live process's peak RSS in KiB from /proc/<pid>/status, 0 when unreadable.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}

// sampleRuntime reads the goroutine count and heap every 200 ms until the returned function is
// called, then logs their peaks. With dir set it writes heap.pprof and goroutine.pprof each
// time the goroutine count reaches a new peak, so the files show the run at its worst.
func sampleRuntime(t *testing.T, dir string) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	finished := make(chan struct{})
	var maxG int
	var maxHeap, maxSys uint64
	write := func(name string) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("profile: %v", err)
			return
		}
		defer f.Close()
		if err := pprof.Lookup(strings.TrimSuffix(name, ".pprof")).WriteTo(f, 0); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			maxHeap, maxSys = max(maxHeap, ms.HeapInuse), max(maxSys, ms.Sys)
			if g := runtime.NumGoroutine(); g > maxG+maxG/10 {
				maxG = g
				if dir != "" {
					write("heap.pprof")
					write("goroutine.pprof")
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		t.Logf("runtime peaks: %d goroutines, heap in use %d MiB, Go sys %d MiB", maxG, maxHeap>>20, maxSys>>20)
	}
}
