package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// poolApps are three apps of the reference world that may each create and query their own
// tasks: a pool for three shards, one app each.
var poolApps = map[string]App{
	"primary":   {AppID: "app-primary", Secret: "primary-secret"},
	"secondary": {AppID: "app-secondary", Secret: "secondary-secret"},
	"other":     {AppID: "app-other", Secret: "other-secret"},
}

var threePool = []PoolApp{{Alias: "primary", Quota: 1000}, {Alias: "secondary", Quota: 1000}, {Alias: "other", Quota: 1000}}

// liftedReference is a reference platform on real time whose throttle never bites.
func liftedReference(t *testing.T) Target {
	t.Helper()
	srv, err := refplatform.New(refplatform.WithThrottle(refplatform.ThrottleConfig{Limit: 1e8, Window: time.Minute, Type: refplatform.ThrottleFixed}))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return Target{BaseURL: srv.URL(), Apps: poolApps, Fixture: worldFixture(refplatform.DefaultWorld())}
}

// shardChild is the child process's configuration, passed in shardChildEnv.
type shardChild struct {
	BaseURL string
	Index   int
	Count   int
	StartAt time.Time
	Dir     string
	Rates   []float64
	Step    time.Duration
}

const shardChildEnv = "BATCHCERT_TEST_SHARD"

func (c shardChild) config() ShardConfig {
	return ShardConfig{Index: c.Index, Count: c.Count, StartAt: c.StartAt, Dir: c.Dir, Pool: threePool,
		Capacity: CapacityConfig{Rates: c.Rates, StepDuration: c.Step, SLOp99: time.Second}}
}

// TestShardProcess is one shard of TestShardsGiveTheResultOfOne, run as its own process.
func TestShardProcess(t *testing.T) {
	raw := os.Getenv(shardChildEnv)
	if raw == "" {
		t.Skip("child process of TestShardsGiveTheResultOfOne only")
	}
	var c shardChild
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	if _, err := RunShard(context.Background(), Target{BaseURL: c.BaseURL, Apps: poolApps, Fixture: worldFixture(refplatform.DefaultWorld())}, c.config()); err != nil {
		t.Fatal(err)
	}
}

// TestShardsGiveTheResultOfOne runs three shard processes against one reference at a total of
// 300 req/s and merges them: the merged rate is the total, within 2 %, and the merged
// percentiles are exactly those of one HdrHistogram of every request.
func TestShardsGiveTheResultOfOne(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three processes for about 4 s")
	}
	tgt := liftedReference(t)
	dir := t.TempDir()
	const total, n = 300.0, 3
	start := time.Now().Add(2500 * time.Millisecond)
	var children []*exec.Cmd
	for i := range n {
		cfg, _ := json.Marshal(shardChild{BaseURL: tgt.BaseURL, Index: i, Count: n, StartAt: start, Dir: dir,
			Rates: []float64{total}, Step: 2 * time.Second})
		cmd := exec.Command(os.Args[0], "-test.run", "^TestShardProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), shardChildEnv+"="+string(cfg))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("shard %d: %s", i, out.String())
			}
		})
	}
	for i, c := range children {
		if err := c.Wait(); err != nil {
			t.Errorf("shard %d: %v", i, err)
		}
	}
	sm, err := MergeShards(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sm.Incomplete) > 0 {
		t.Fatalf("incomplete: %v", sm.Incomplete)
	}
	st := sm.Capacity.Steps[0]
	if math.Abs(st.Achieved-total)/total > 0.02 {
		t.Errorf("merged achieved rate %.2f, want %v ± 2 %%", st.Achieved, total)
	}
	if st.Requests != int(total*2) {
		t.Errorf("merged requests %d, want %d", st.Requests, int(total*2))
	}
	// Each shard's connections: its login, the create of its queried task, and its queries.
	if c := sm.Capacity.Connections; c == nil || c.Model != "keep-alive" || c.Requests != int64(st.Requests+2*n) || len(sm.Capacity.Apps) != n {
		t.Errorf("merged connections %+v, apps %v: want keep-alive, %d requests, %d apps", c, sm.Capacity.Apps, st.Requests+2*n, n)
	}
	all := hdrhistogram.New(1, histMax, 3)
	for i := range n {
		_, res, _ := ShardFiles(i)
		eachResult(t, filepath.Join(dir, res), func(r *vegeta.Result) {
			ns, err := strconv.ParseInt(r.Headers.Get(IntendedHeader), 10, 64)
			if err != nil {
				t.Fatalf("result without %s", IntendedHeader)
			}
			_ = all.RecordValue(latencyMicros(r, time.Unix(0, ns)))
		})
	}
	var want batchcert.CapacityStep
	latencies(&want, all)
	if all.TotalCount() != int64(st.Requests) || st.P50 != want.P50 || st.P90 != want.P90 || st.P99 != want.P99 || st.Max != want.Max {
		t.Errorf("merged p50/p90/p99/max %s/%s/%s/%s of %d, one histogram of all requests %s/%s/%s/%s of %d",
			st.P50, st.P90, st.P99, st.Max, st.Requests, want.P50, want.P90, want.P99, want.Max, all.TotalCount())
	}
	for _, s := range sm.Capacity.Shards {
		if !s.ClockMeasured || s.ClockUncertainty > 600*time.Millisecond || s.ClockOffset.Abs() > time.Second {
			t.Errorf("shard %d on the target's own machine: clock offset %s ± %s (measured %v), want within a second of 0",
				s.Index, s.ClockOffset, s.ClockUncertainty, s.ClockMeasured)
		}
	}
}

func eachResult(t *testing.T, path string, fn func(*vegeta.Result)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReader(f))
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			t.Fatal(err)
		}
		fn(&r)
	}
}

// runShards runs the listed shards of count in-process, through RunShard, against tgt.
func runShards(t *testing.T, tgt Target, dir string, count int, indexes ...int) {
	t.Helper()
	start := time.Now().Add(300 * time.Millisecond)
	errs := make(chan error, len(indexes))
	for _, i := range indexes {
		go func() {
			_, err := RunShard(context.Background(), tgt, ShardConfig{Index: i, Count: count, StartAt: start, Dir: dir, Pool: threePool,
				Capacity: CapacityConfig{Rates: []float64{60, 90}, StepDuration: 500 * time.Millisecond, SLOp99: time.Second}, StepGap: 100 * time.Millisecond})
			errs <- err
		}()
	}
	for range indexes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestMergeNamesAMissingShard(t *testing.T) {
	t.Parallel()
	tgt := liftedReference(t)
	dir := t.TempDir()
	runShards(t, tgt, dir, 3, 0, 2)
	sm, err := MergeShards(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sm.Incomplete) != 1 || !strings.Contains(sm.Incomplete[0], "shard 1 of 3 is missing") {
		t.Fatalf("incomplete %q, want shard 1 named missing", sm.Incomplete)
	}
	if s := sm.Capacity.Shards[1]; s.Status != ShardMissing || sm.Capacity.Shards[0].Status != ShardOK {
		t.Errorf("shards %+v", sm.Capacity.Shards)
	}
	// Two of three shards sent two thirds of the rate: no step is sustained.
	if sm.Capacity.Sustained != 0 || sm.Capacity.Steps[0].OK {
		t.Errorf("a merge missing a third of the load sustained %v", sm.Capacity.Sustained)
	}
	if !strings.Contains(sm.String(), "INCOMPLETE: shard 1 of 3 is missing") {
		t.Errorf("summary does not name the missing shard:\n%s", sm)
	}
}

// TestMergeRefusesBrokenShards: each way a shard's files can be wrong is named, never merged.
func TestMergeRefusesBrokenShards(t *testing.T) {
	t.Parallel()
	tgt := liftedReference(t)
	clean := t.TempDir()
	runShards(t, tgt, clean, 3, 0, 1, 2)
	if sm, err := MergeShards(clean); err != nil || len(sm.Incomplete) > 0 {
		t.Fatalf("clean merge: %v %v", err, sm.Incomplete)
	}
	copyDir := func(t *testing.T) string {
		d := t.TempDir()
		ents, _ := os.ReadDir(clean)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(clean, e.Name()))
			if err := os.WriteFile(filepath.Join(d, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	edit := func(t *testing.T, d, name string, fn func([]byte) []byte) {
		p := filepath.Join(d, name)
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, fn(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	man1, res1, hist1 := ShardFiles(1)
	tests := []struct {
		name, reason string
		breakIt      func(t *testing.T, d string)
		incomplete   string // the merge is incomplete and says this of shard 1
		usage        string // or the merge refuses with this
	}{
		{"truncated-stream", "a stream cut short (the shard's volume filled) is not merged as if complete",
			func(t *testing.T, d string) { edit(t, d, res1, func(b []byte) []byte { return b[:len(b)*2/3] }) }, "shard 1 of 3 failed", ""},
		{"histogram-differs", "an export that does not match the stream is refused",
			func(t *testing.T, d string) {
				edit(t, d, hist1, func(b []byte) []byte {
					var h ShardHistograms
					_ = json.Unmarshal(b, &h)
					h.Steps[0] = hdrhistogram.New(1, histMax, 3).Export()
					out, _ := json.Marshal(h)
					return out
				})
			}, "differ from its histogram export", ""},
		{"still-running", "a shard that died leaves a manifest saying running",
			func(t *testing.T, d string) {
				edit(t, d, man1, func(b []byte) []byte {
					return []byte(strings.Replace(string(b), `"status": "ok"`, `"status": "running"`, 1))
				})
			}, "still says running", ""},
		{"failed", "a shard that failed says why",
			func(t *testing.T, d string) {
				edit(t, d, man1, func(b []byte) []byte {
					return []byte(strings.Replace(string(b), `"status": "ok"`, `"status": "failed", "error": "began 3s after the common start"`, 1))
				})
			}, "began 3s after", ""},
		{"other-run", "shard files of two runs are never merged",
			func(t *testing.T, d string) {
				edit(t, d, man1, func(b []byte) []byte {
					return []byte(strings.Replace(string(b), `"runId": "cap-`, `"runId": "cap-other-`, 1))
				})
			}, "", "of another run"},
		{"path-escape", "a manifest may name only files beside it",
			func(t *testing.T, d string) {
				edit(t, d, man1, func(b []byte) []byte {
					return []byte(strings.Replace(string(b), `"results": "shard-0001.results.gob"`, `"results": "../../etc/passwd"`, 1))
				})
			}, "", "want a file beside the manifest"},
		{"unknown-field", "a manifest is decoded strictly",
			func(t *testing.T, d string) {
				edit(t, d, man1, func(b []byte) []byte { return []byte(strings.Replace(string(b), `{`, `{"extra": 1,`, 1)) })
			}, "", "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := copyDir(t)
			tc.breakIt(t, d)
			sm, err := MergeShards(d)
			if tc.usage != "" {
				var ee *batchcert.ExitError
				if err == nil || !strings.Contains(err.Error(), tc.usage) || !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage {
					t.Fatalf("%s: err %v, want a usage error saying %q", tc.reason, err, tc.usage)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if len(sm.Incomplete) != 1 || !strings.Contains(sm.Incomplete[0], "shard 1 of 3") || !strings.Contains(sm.Incomplete[0], tc.incomplete) {
				t.Fatalf("%s: incomplete %q, want shard 1 and %q", tc.reason, sm.Incomplete, tc.incomplete)
			}
		})
	}
}

func TestSplitPool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reason string
		pool         []PoolApp
		count        int
		top          float64
		opt          SplitOptions
		wantErr      string
		wantShares   []float64 // per shard
	}{
		{"one-app-one-shard", "a single app makes a single shard", []PoolApp{{Alias: "a"}}, 1, 500, SplitOptions{}, "", []float64{1}},
		{"three-equal", "equal quotas, one app per shard", threePool, 3, 3000, SplitOptions{}, "", []float64{1. / 3, 1. / 3, 1. / 3}},
		{"quota-weighted", "shares follow the quotas: 300 and 100 req/s apps on two shards",
			[]PoolApp{{Alias: "a", Quota: 100}, {Alias: "b", Quota: 300}}, 2, 400, SplitOptions{}, "", []float64{0.75, 0.25}},
		{"whole-apps-balanced", "four equal apps on three shards: no shard gets more than one app over another",
			[]PoolApp{{Alias: "a"}, {Alias: "b"}, {Alias: "c"}, {Alias: "d"}}, 3, 10, SplitOptions{}, "", []float64{0.5, 0.25, 0.25}},
		{"over-quota", "the total rate above the sum of quotas is refused", threePool, 3, 3001, SplitOptions{}, "rate above the declared throttle", nil},
		{"over-quota-allowed", "unless -allow-over-throttle", threePool, 3, 9000, SplitOptions{AllowOverQuota: true}, "", []float64{1. / 3, 1. / 3, 1. / 3}},
		{"more-shards-than-apps", "shards sharing an app would supersede each other's tokens", []PoolApp{{Alias: "a"}}, 2, 10, SplitOptions{}, "AMB.R10", nil},
		{"shared-allowed", "with ShareApps one app is cut across shards", []PoolApp{{Alias: "a"}}, 4, 10, SplitOptions{ShareApps: true}, "", []float64{0.25, 0.25, 0.25, 0.25}},
		{"mixed-quotas", "a quota for some apps only is ambiguous", []PoolApp{{Alias: "a", Quota: 1}, {Alias: "b"}}, 1, 1, SplitOptions{}, "declare one for every app", nil},
		{"duplicate", "an app twice would be loaded twice its share", []PoolApp{{Alias: "a"}, {Alias: "a"}}, 1, 1, SplitOptions{}, "twice", nil},
		{"zero-shards", "a count of 0 is a usage error", threePool, 0, 1, SplitOptions{}, "0 shards", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp, err := SplitPool(tc.pool, tc.count, tc.top, tc.opt)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: err %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			perApp := map[string]float64{}
			for i := range tc.count {
				if got := sp.Share(i); math.Abs(got-tc.wantShares[i]) > 1e-9 {
					t.Errorf("%s: shard %d share %v, want %v (%s)", tc.reason, i, got, tc.wantShares[i], sp)
				}
				for _, a := range sp.Shards[i] {
					perApp[a.Alias] += a.Share * tc.top
				}
			}
			for _, a := range tc.pool {
				if a.Quota > 0 && !tc.opt.AllowOverQuota && perApp[a.Alias] > a.Quota*(1+1e-9) {
					t.Errorf("%s: app %s loaded at %v req/s in aggregate, quota %v", tc.reason, a.Alias, perApp[a.Alias], a.Quota)
				}
			}
		})
	}
}

// TestWeightedTargeter: a shard's apps get requests in proportion to their shares, exactly
// over a whole cycle.
func TestWeightedTargeter(t *testing.T) {
	t.Parallel()
	counts := map[string]int{}
	mk := func(name string) vegeta.Targeter {
		return func(tg *vegeta.Target) error { counts[name]++; return nil }
	}
	tr := newWeightedTargeter([]vegeta.Targeter{mk("a"), mk("b"), mk("c")}, []float64{0.5, 0.3, 0.2})
	for range 1000 {
		if err := tr(&vegeta.Target{}); err != nil {
			t.Fatal(err)
		}
	}
	if counts["a"] != 500 || counts["b"] != 300 || counts["c"] != 200 {
		t.Errorf("counts %v, want 500/300/200", counts)
	}
}

func TestShardRefusesALateStart(t *testing.T) {
	t.Parallel()
	tgt := liftedReference(t)
	dir := t.TempDir()
	_, err := RunShard(context.Background(), tgt, ShardConfig{Index: 0, Count: 2, StartAt: time.Now().Add(-time.Minute), Dir: dir, Pool: threePool,
		Capacity: CapacityConfig{Rates: []float64{10}, StepDuration: 100 * time.Millisecond}})
	if err == nil || !strings.Contains(err.Error(), "after the common start") {
		t.Fatalf("err %v, want a refusal to start late", err)
	}
	man, _, _ := ShardFiles(0)
	m, err := ReadShardManifest(filepath.Join(dir, man))
	if err != nil || m.Status != ShardFailed || !strings.Contains(m.Error, "after the common start") {
		t.Fatalf("manifest %+v %v: want failed, naming the late start", m, err)
	}
}
