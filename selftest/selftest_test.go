package selftest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// check is a shorthand for one check of a fake run.
func check(id string, sev batchcert.Severity, o batchcert.Outcome) batchcert.Check {
	return batchcert.Check{ID: id, Severity: sev, Outcome: o}
}

// results is a fake run's results with its verdict decided by the one rule, batchcert.Decide.
func results(checks ...batchcert.Check) *batchcert.Results {
	r := &batchcert.Results{Checks: checks}
	r.Apply(batchcert.Gate{})
	return r
}

var cleanRun = results(check("a/1", batchcert.Must, batchcert.Pass), check("a/2", batchcert.Should, batchcert.Pass))

// byFault is a fake Certify answering the clean run and one canned run per fault.
func byFault(runs map[string]*batchcert.Results) CertifyFunc {
	return func(ctx context.Context, faults []string) (*batchcert.Results, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(faults) == 0 {
			return cleanRun, nil
		}
		if len(faults) != 1 {
			return nil, errors.New("want one fault per run")
		}
		if r, ok := runs[faults[0]]; ok {
			return r, nil
		}
		return nil, errors.New("boom: no canned run for " + faults[0])
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	fA, fB, fC := refplatform.FaultProgressPercent, refplatform.FaultThrottle110, refplatform.FaultTagsNever
	caught := results(check("s/should", batchcert.Should, batchcert.Fail), check("s/ok", batchcert.Must, batchcert.Pass),
		check("s/1", batchcert.Must, batchcert.Fail), check("s/2", batchcert.Must, batchcert.Fail),
		check("s/3", batchcert.Must, batchcert.Fail), check("s/4", batchcert.Must, batchcert.Fail))
	onlySoft := results(check("s/should", batchcert.Should, batchcert.Fail), check("s/err", batchcert.Must, batchcert.Errored),
		check("s/kf", batchcert.Must, batchcert.KnownFail))
	notCaught := results(check("s/err", batchcert.Must, batchcert.Errored), check("s/kf", batchcert.Must, batchcert.KnownFail),
		check("s/skip", batchcert.Should, batchcert.Skip))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		why     string
		ctx     context.Context
		cfg     Config
		want    map[string][]string // fault -> caught by; nil slice: survived
		clean   bool
		wantErr error
		exit    batchcert.ExitCode // when the error must be an ExitError
	}{
		{name: "kills-and-survivors", why: "MUST FAILs kill (first 3 kept); MUST errors, known failures and skips do not",
			cfg:  Config{Certify: byFault(map[string]*batchcert.Results{fA: caught, fB: notCaught}), Faults: []string{fB, fA}},
			want: map[string][]string{fA: {"s/1", "s/2", "s/3"}, fB: nil}, clean: true},
		{name: "should-only", why: "with no MUST failure a SHOULD failure catches the fault (a recommendation broken, shouldOnly)",
			cfg:  Config{Certify: byFault(map[string]*batchcert.Results{fB: onlySoft}), Faults: []string{fB}},
			want: map[string][]string{fB: {"s/should"}}, clean: true},
		{name: "clean-nonconformant", why: "a clean run that fails a MUST check makes the matrix meaningless",
			cfg: Config{Certify: func(ctx context.Context, f []string) (*batchcert.Results, error) {
				if len(f) > 0 {
					t.Error("a fault was run after the clean reference failed")
				}
				return caught, nil
			}, Faults: []string{fA}},
			want: map[string][]string{}, wantErr: ErrCleanNonconformant},
		{name: "certify-error", why: "a run that cannot be made fails the self-test, naming the fault",
			cfg:     Config{Certify: byFault(map[string]*batchcert.Results{fA: caught}), Faults: []string{fA, fC}, Parallel: 1},
			wantErr: errors.New("selftest: fault " + fC + ": boom: no canned run for " + fC)},
		{name: "incomplete", why: "an interrupted run is not evidence that a fault survived",
			cfg:     Config{Certify: byFault(map[string]*batchcert.Results{fA: {Incomplete: true, Verdict: "INCOMPLETE"}}), Faults: []string{fA}},
			wantErr: errors.New("selftest: fault " + fA + ": the run was incomplete")},
		{name: "unknown-fault", why: "a fault name the reference does not have is a usage error",
			cfg:  Config{Certify: byFault(nil), Faults: []string{"no-such-fault"}},
			exit: batchcert.ExitUsage},
		{name: "duplicate-fault", why: "a fault named twice is a usage error",
			cfg:  Config{Certify: byFault(nil), Faults: []string{fA, fA}},
			exit: batchcert.ExitUsage},
		{name: "no-certify", why: "Certify is required",
			cfg: Config{}, exit: batchcert.ExitUsage},
		{name: "cancelled", why: "a cancelled context stops the run with its error",
			ctx: cancelled, cfg: Config{Certify: byFault(nil)}, wantErr: context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			st, err := Run(ctx, c.cfg)
			switch {
			case c.exit != 0:
				var ee *batchcert.ExitError
				if !errors.As(err, &ee) || ee.Code != c.exit {
					t.Fatalf("%s: error %v, want exit code %d", c.why, err, c.exit)
				}
				return
			case c.wantErr != nil:
				if err == nil || (!errors.Is(err, c.wantErr) && err.Error() != c.wantErr.Error()) {
					t.Fatalf("%s: error %v, want %v", c.why, err, c.wantErr)
				}
				if c.want == nil {
					return
				}
			case err != nil:
				t.Fatalf("%s: %v", c.why, err)
			}
			if st.CleanConformant != c.clean {
				t.Errorf("%s: cleanConformant %v", c.why, st.CleanConformant)
			}
			got := map[string][]string{}
			for i, k := range st.Faults {
				if k.Fault != c.cfg.Faults[i] {
					t.Errorf("row %d is %s, want %s (matrix keeps the asked order)", i, k.Fault, c.cfg.Faults[i])
				}
				if k.Killed != (len(k.CaughtBy) > 0) || k.Description == "" {
					t.Errorf("row %+v is inconsistent", k)
				}
				if soft := c.name == "should-only"; k.ShouldOnly != soft {
					t.Errorf("%s: %s shouldOnly %v, want %v", c.why, k.Fault, k.ShouldOnly, soft)
				}
				got[k.Fault] = k.CaughtBy
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s:\n got %v\nwant %v", c.why, got, c.want)
			}
		})
	}
}

// TestRunDefaultsToEveryFault: no Faults tries every named fault of the reference.
func TestRunDefaultsToEveryFault(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var progress bytes.Buffer
	st, err := Run(context.Background(), Config{Progress: &progress, Certify: func(ctx context.Context, f []string) (*batchcert.Results, error) {
		calls.Add(1)
		if len(f) == 0 {
			return cleanRun, nil
		}
		return results(check("caught/"+f[0], batchcert.Must, batchcert.Fail)), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	n := len(refplatform.Faults())
	if killed, total := Killed(st); killed != n || total != n || calls.Load() != int64(n+1) {
		t.Fatalf("killed %d of %d in %d calls, want %d of %d in %d", killed, total, calls.Load(), n, n, n+1)
	}
	if lines := strings.Count(progress.String(), "\n"); lines != n {
		t.Fatalf("%d progress lines, want %d", lines, n)
	}
}

// TestRunParallel: Run certifies up to Parallel faults at once, never more. The fake holds
// every call until Parallel calls are in flight together, so a Run that serialised would
// stop at the deadline.
func TestRunParallel(t *testing.T) {
	t.Parallel()
	for _, par := range []int{1, 2, 3} {
		var inflight, peak atomic.Int64
		all := make(chan struct{})
		var once sync.Once
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		certify := func(ctx context.Context, f []string) (*batchcert.Results, error) {
			if len(f) == 0 {
				return cleanRun, nil
			}
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			if n == int64(par) {
				once.Do(func() { close(all) })
			}
			select {
			case <-all:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return results(check("x", batchcert.Must, batchcert.Fail)), nil
		}
		_, err := Run(ctx, Config{Certify: certify, Parallel: par})
		cancel()
		if err != nil {
			t.Fatalf("parallel %d: %v (fewer than %d runs were ever in flight together)", par, err, par)
		}
		if got := peak.Load(); got != int64(par) {
			t.Fatalf("parallel %d: %d runs in flight at once", par, got)
		}
	}
}

// TestWriteMatrix renders a matrix with a kill and a survivor against a golden file.
func TestWriteMatrix(t *testing.T) {
	t.Parallel()
	st := &batchcert.SelfTest{CleanConformant: true, Faults: []batchcert.FaultKill{
		{Fault: "progress-percent", Description: "progress in percent", Killed: true,
			CaughtBy: []string{"lifecycle/3/progress", "lifecycle/4/progress"}, Kills: 2},
		{Fault: "tags-never", Description: "query never answers tags", Killed: false},
	}}
	var buf bytes.Buffer
	if err := WriteMatrix(&buf, st); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "matrix.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Fatalf("matrix:\n%s\nwant:\n%s", buf.String(), want)
	}
	if err := WriteMatrix(&buf, nil); err == nil {
		t.Fatal("a nil matrix was rendered")
	}
	buf.Reset()
	if err := WriteMatrix(&buf, &batchcert.SelfTest{}); err != nil || !strings.Contains(buf.String(), "NOT CONFORMANT") ||
		!strings.Contains(buf.String(), "kill rate: 0/0 (n/a)") {
		t.Fatalf("empty matrix: %v\n%s", err, buf.String())
	}
}
