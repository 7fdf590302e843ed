package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// TestCtrlCAtEachPhaseOfCertify: Ctrl-C during the suite and during each load probe of
// certify leaves every report, marked incomplete with the signal as its cause; no check is
// FAILed or ERRORed by the interruption (the reference is conformant, so every failure would
// be false), the cut-off ones say "not run (interrupted: ...)", and the exit code is 3.
func TestCtrlCAtEachPhaseOfCertify(t *testing.T) {
	t.Parallel()
	for _, phase := range []string{"errors-create", "load probe: throttle", "load probe: tasklimit", "load probe: capacity"} {
		t.Run(strings.ReplaceAll(phase, " ", "-"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var stderr bytes.Buffer
			w := &signalAfter{w: &stderr, after: phase, cancel: cancel}
			err := run(ctx, []string{"certify", "-out", dir}, strings.NewReader(""), &bytes.Buffer{}, w)
			since := w.since()
			if code := exitCode(err, &stderr); code != batchcert.ExitUnreachable {
				t.Fatalf("exit %d, want 3 (incomplete)\n%s", code, stderr.String())
			}
			if !w.fired() {
				t.Fatalf("the run never reached %q", phase)
			}
			t.Logf("exited %s after the signal", since.Round(time.Millisecond))
			f, err := os.Open(filepath.Join(dir, "results.json"))
			if err != nil {
				t.Fatalf("no results.json after Ctrl-C: %v", err)
			}
			defer f.Close()
			res, err := reports.ReadJSON(f)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Incomplete || res.Verdict != batchcert.Incomplete || !strings.Contains(res.IncompleteReason, "signal interrupt") {
				t.Errorf("incomplete %v, verdict %s, reason %q: want INCOMPLETE because of the signal", res.Incomplete, res.Verdict, res.IncompleteReason)
			}
			interrupted := 0
			for _, c := range res.Checks {
				switch {
				case c.Outcome == batchcert.Fail || c.Outcome == batchcert.Errored:
					t.Errorf("%s: %s after Ctrl-C: %s", c.ID, c.Outcome, c.Message)
				case c.Interrupted():
					interrupted++
				}
			}
			if interrupted == 0 {
				t.Error("no check says it was not run")
			}
			for _, name := range []string{"junit.xml", "report.html", "summary.md"} {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}

// signalAfter cancels its context with the cause a SIGINT gives (onSignals) once a line
// containing after has been written, as a person pressing Ctrl-C would, and notes when.
type signalAfter struct {
	mu     sync.Mutex
	w      *bytes.Buffer
	after  string
	cancel context.CancelCauseFunc
	at     time.Time
}

func (s *signalAfter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at.IsZero() && bytes.Contains(p, []byte(s.after)) {
		s.at = time.Now()
		s.cancel(errors.New("signal interrupt"))
	}
	return s.w.Write(p)
}

func (s *signalAfter) fired() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.at.IsZero()
}

func (s *signalAfter) since() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at.IsZero() {
		return 0
	}
	return time.Since(s.at)
}

// TestSecondSignalExitsAtOnce: the first signal cancels the run with the signal as its cause
// and does not exit; a second one exits at once with code 3.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	sigs := make(chan os.Signal, 2)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	exited := make(chan int, 1)
	var stderr bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		onSignals(sigs, cancel, &stderr, func(code int) { exited <- code })
	}()
	sigs <- syscall.SIGINT
	<-ctx.Done()
	if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "interrupt") {
		t.Errorf("cause %v, want the signal", cause)
	}
	select {
	case code := <-exited:
		t.Fatalf("the first signal exited (%d)", code)
	default:
	}
	sigs <- syscall.SIGTERM
	<-done
	select {
	case code := <-exited:
		if code != int(batchcert.ExitUnreachable) {
			t.Errorf("exit %d, want 3", code)
		}
	default:
		t.Fatal("the second signal did not exit")
	}
	if !strings.Contains(stderr.String(), "again to exit at once") {
		t.Errorf("the first signal does not say how to exit at once:\n%s", stderr.String())
	}
}

// TestOneSignalThenDone: a run that ends after one signal never exits from the handler.
func TestOneSignalThenDone(t *testing.T) {
	t.Parallel()
	sigs := make(chan os.Signal, 2)
	_, cancel := context.WithCancelCause(context.Background())
	exited := false
	done := make(chan struct{})
	go func() {
		defer close(done)
		onSignals(sigs, cancel, &bytes.Buffer{}, func(int) { exited = true })
	}()
	sigs <- syscall.SIGINT
	close(sigs)
	<-done
	if exited {
		t.Error("exited though no second signal came")
	}
}
