package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Caps on the shard files the merge reads: they come from other machines, so they are outside
// input. The result streams are read as a stream, in constant memory, whatever their length.
const (
	maxManifestBytes  = 4 << 20
	maxHistogramBytes = 64 << 20
)

// ShardMerge is the merge of a distributed capacity search's shards.
type ShardMerge struct {
	RunID   string
	Count   int
	Plan    ShardPlan
	Target  batchcert.Target
	Profile string
	StartAt time.Time
	// Capacity is the search judged on every present shard's results together, with one
	// entry per shard in Capacity.Shards.
	Capacity *batchcert.CapacityResult
	// Violations are up to 10 sampled contract violations of all shards.
	Violations []batchcert.Violation
	// Incomplete names each shard that is missing or did not finish; empty when all did.
	Incomplete []string
}

// FindShardManifests returns the shard manifests of each path: a directory gives every
// shard-NNNN.json in it, a file is taken as a manifest.
func FindShardManifests(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, batchcert.Usagef("merge: %w", err)
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		ms, err := filepath.Glob(filepath.Join(p, "shard-[0-9][0-9][0-9][0-9].json"))
		if err != nil {
			return nil, batchcert.Usagef("merge: %s: %w", p, err)
		}
		if len(ms) == 0 {
			return nil, batchcert.Usagef("merge: %s holds no shard manifest (shard-NNNN.json)", p)
		}
		out = append(out, ms...)
	}
	return out, nil
}

// ReadShardManifest reads and checks one manifest.
func ReadShardManifest(path string) (*ShardManifest, error) {
	b, err := readCapped(path, maxManifestBytes)
	if err != nil {
		return nil, err
	}
	var m ShardManifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, batchcert.Usagef("%s: not a shard manifest: %w", path, err)
	}
	if err := m.check(); err != nil {
		return nil, batchcert.Usagef("%s: %w", path, err)
	}
	return &m, nil
}

func (m *ShardManifest) check() error {
	switch {
	case m.Format != ShardFormat:
		return fmt.Errorf("format %q, want %q", m.Format, ShardFormat)
	case m.Count < 1 || m.Count > MaxShards:
		return fmt.Errorf("count %d: want 1..%d", m.Count, MaxShards)
	case m.Index < 0 || m.Index >= m.Count:
		return fmt.Errorf("index %d of %d shards", m.Index, m.Count)
	case m.Status != ShardRunning && m.Status != ShardOK && m.Status != ShardFailed:
		return fmt.Errorf("status %q", m.Status)
	case len(m.Plan.Rates) == 0 || len(m.Plan.Rates) > 1000:
		return fmt.Errorf("plan: %d rates", len(m.Plan.Rates))
	case len(m.Steps) > len(m.Plan.Rates):
		return fmt.Errorf("%d steps of a %d-step plan", len(m.Steps), len(m.Plan.Rates))
	}
	for _, name := range []string{m.Results, m.Histograms} {
		if name == "" || filepath.Base(name) != name || name == "." || name == ".." {
			return fmt.Errorf("file name %q: want a file beside the manifest", name)
		}
	}
	seen := map[string]bool{}
	for k, st := range m.Steps {
		if seen[st.Attack] {
			return fmt.Errorf("step %d: attack %q twice", k+1, st.Attack)
		}
		seen[st.Attack] = true
		if st.Rate != m.Plan.Rates[k] {
			return fmt.Errorf("step %d: rate %v, the plan's is %v", k+1, st.Rate, m.Plan.Rates[k])
		}
	}
	return nil
}

// MergeShards merges the shard files found at paths (FindShardManifests) into one capacity
// search. Rates are summed; latency percentiles come from the shards' HdrHistograms merged,
// never from averaged percentiles; each shard's clock offset is measured from the target's Date
// headers in its results; every step is judged by the same rule as in one process. A shard
// that is missing, failed, still says running, or whose files disagree (a truncated stream)
// is left out and named in Incomplete. Shard files of different runs, or two manifests of one
// shard, are a usage error.
func MergeShards(paths ...string) (*ShardMerge, error) { return MergeShardsOf(0, paths...) }

// MergeShardsOf is MergeShards of a run the caller knows has count shards (0: as the
// manifests say): a manifest of another count is a usage error.
func MergeShardsOf(count int, paths ...string) (*ShardMerge, error) {
	files, err := FindShardManifests(paths...)
	if err != nil {
		return nil, err
	}
	var first *ShardManifest
	byIndex := map[int]*ShardManifest{}
	dirOf := map[int]string{}
	for _, f := range files {
		m, err := ReadShardManifest(f)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = m
		}
		if m.RunID != first.RunID || m.Count != first.Count || !m.StartAt.Equal(first.StartAt) || !reflect.DeepEqual(m.Plan, first.Plan) ||
			m.Target != first.Target || m.Profile != first.Profile {
			return nil, batchcert.Usagef("merge: %s is of another run than %s (run %q of %d shards, not %q of %d, or another plan)",
				f, files[0], m.RunID, m.Count, first.RunID, first.Count)
		}
		if _, dup := byIndex[m.Index]; dup {
			return nil, batchcert.Usagef("merge: two manifests of shard %d (%s and %s)", m.Index, dirOf[m.Index], f)
		}
		byIndex[m.Index] = m
		dirOf[m.Index] = f
	}
	if count > 0 && first.Count != count {
		return nil, batchcert.Usagef("merge: %s is a shard of %d, not of %d", files[0], first.Count, count)
	}
	plan := first.Plan
	cfg := CapacityConfig{SLOp99: plan.SLOp99, MaxErrorRate: plan.MaxErrorRate}
	sm := &ShardMerge{RunID: first.RunID, Count: first.Count, Plan: plan, Target: first.Target, Profile: first.Profile, StartAt: first.StartAt,
		Capacity: &batchcert.CapacityResult{Operation: plan.Operation, SLOp99: plan.SLOp99, MaxErrorRate: plan.MaxErrorRate}}
	steps := make([]*mergedStep, len(plan.Rates))
	for k, r := range plan.Rates {
		steps[k] = &mergedStep{rate: r, hist: hdrhistogram.New(1, histMax, 3)}
	}
	var offsets []time.Duration
	for i := 0; i < first.Count; i++ {
		m := byIndex[i]
		cs := batchcert.CapacityShard{Index: i, Status: ShardMissing}
		if m == nil {
			m1, _, _ := ShardFiles(i)
			cs.Error = "no manifest " + m1
			sm.Incomplete = append(sm.Incomplete, fmt.Sprintf("shard %d of %d is missing (no %s)", i, first.Count, m1))
			sm.Capacity.Shards = append(sm.Capacity.Shards, cs)
			continue
		}
		for _, a := range m.Apps {
			cs.Apps = append(cs.Apps, a.Alias)
		}
		sm.Capacity.Apps = append(sm.Capacity.Apps, cs.Apps...)
		sm.Capacity.Connections = addConnections(sm.Capacity.Connections, m.Connections)
		cs.Status, cs.Error = m.Status, m.Error
		var got *shardData
		switch m.Status {
		case ShardRunning:
			cs.Error = "its manifest still says running: the shard died or has not finished"
		case ShardOK:
			if len(m.Steps) != len(plan.Rates) {
				cs.Status, cs.Error = ShardFailed, fmt.Sprintf("ran %d of the plan's %d steps", len(m.Steps), len(plan.Rates))
				break
			}
			got, err = readShard(filepath.Dir(dirOf[i]), m)
			if err != nil {
				cs.Status, cs.Error = ShardFailed, err.Error()
			}
		}
		if cs.Status != ShardOK {
			sm.Incomplete = append(sm.Incomplete, fmt.Sprintf("shard %d of %d %s: %s", i, first.Count, cs.Status, cs.Error))
			sm.Capacity.Shards = append(sm.Capacity.Shards, cs)
			continue
		}
		for k, st := range got.steps {
			ms := steps[k]
			ms.requests += st.requests
			ms.errors += st.errors
			ms.achieved += st.rate()
			ms.violations += m.Steps[k].Violations
			ms.hist.Merge(got.hists[k])
			cs.Requests += st.requests
		}
		if room := 10 - len(sm.Violations); room > 0 {
			sm.Violations = append(sm.Violations, m.Violations[:min(room, len(m.Violations))]...)
		}
		if lo, hi, ok := got.clock.bounds(); ok {
			cs.ClockMeasured = true
			cs.ClockOffset, cs.ClockUncertainty = (lo+hi)/2, (hi-lo)/2
			offsets = append(offsets, cs.ClockOffset)
		}
		sm.Capacity.Shards = append(sm.Capacity.Shards, cs)
	}
	if len(offsets) > 1 {
		sm.Capacity.ClockSpread = slices.Max(offsets) - slices.Min(offsets)
	}
	stopped := false
	for _, ms := range steps {
		st := batchcert.CapacityStep{Rate: ms.rate, Achieved: ms.achieved, Requests: ms.requests}
		if ms.requests > 0 {
			st.ErrorRate = float64(ms.errors) / float64(ms.requests)
			latencies(&st, ms.hist)
		}
		st.OK = sustained(st, cfg, ms.violations)
		sm.Capacity.Steps = append(sm.Capacity.Steps, st)
		// As in one process: the sustained rate is the last step before the first that was not.
		if !st.OK {
			stopped = true
		}
		if !stopped {
			sm.Capacity.Sustained = ms.rate
		}
	}
	return sm, nil
}

type mergedStep struct {
	rate       float64
	requests   int
	errors     int
	achieved   float64
	violations int
	hist       *hdrhistogram.Histogram
}

// shardData is what the merge reads of one shard's stream and export.
type shardData struct {
	steps []*streamStep
	hists []*hdrhistogram.Histogram
	clock clockBounds
}

// streamStep accumulates one step of one shard's stream: what vegeta's metrics would say of
// its rate, the errors by the capacity search's rule, and the histogram rebuilt to compare
// with the export.
type streamStep struct {
	requests         int
	errors           int
	earliest, latest time.Time
	hist             *hdrhistogram.Histogram
}

// rate is vegeta's: requests over the span of their send times.
func (s *streamStep) rate() float64 {
	if d := s.latest.Sub(s.earliest).Seconds(); d > 0 {
		return float64(s.requests) / d
	}
	return float64(s.requests)
}

// clockBounds bounds the target's clock minus the shard's: a Date header of second D, on an
// answer sent at T and received at E by the shard's clock, was stamped at a target time in
// [D, D+1s) and a shard time in [T, E], so the offset lies in [D-E, D+1s-T]; every answer
// narrows the interval.
type clockBounds struct {
	lo, hi time.Duration
	n      int
}

func (c *clockBounds) add(r *vegeta.Result) {
	d := r.Headers.Get("Date")
	if d == "" {
		return
	}
	t, err := http.ParseTime(d)
	if err != nil {
		return
	}
	lo, hi := t.Sub(r.End()), t.Add(time.Second).Sub(r.Timestamp)
	if c.n == 0 {
		c.lo, c.hi = lo, hi
	} else {
		c.lo, c.hi = max(c.lo, lo), min(c.hi, hi)
	}
	c.n++
}

// bounds returns the interval, or false when no answer had a Date or the answers disagree (the
// target's clock jumped).
func (c *clockBounds) bounds() (lo, hi time.Duration, ok bool) {
	return c.lo, c.hi, c.n > 0 && c.lo <= c.hi
}

// WaitForShards polls paths until count shards have written a final manifest (ok or failed),
// or until the clock reaches until; it returns how many had. Unreadable manifests count as
// not yet written: the merge reports them.
func WaitForShards(ctx context.Context, clock apiclient.Clock, count int, until time.Time, poll time.Duration, paths ...string) (int, error) {
	for {
		done := 0
		if files, err := FindShardManifests(paths...); err == nil {
			for _, f := range files {
				if m, err := ReadShardManifest(f); err == nil && m.Status != ShardRunning {
					done++
				}
			}
		}
		if done >= count || !clock.Now().Before(until) {
			return done, nil
		}
		if err := clock.Sleep(ctx, min(poll, until.Sub(clock.Now()))); err != nil {
			return done, err
		}
	}
}

// readShard reads a finished shard's histogram export and result stream and checks that they
// and the manifest agree, step by step.
func readShard(dir string, m *ShardManifest) (*shardData, error) {
	b, err := readCapped(filepath.Join(dir, m.Histograms), maxHistogramBytes)
	if err != nil {
		return nil, err
	}
	var hs ShardHistograms
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hs); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Histograms, err)
	}
	if hs.Format != ShardFormat || hs.Unit != "us" || len(hs.Steps) != len(m.Steps) {
		return nil, fmt.Errorf("%s: format %q unit %q with %d steps, want %q, us, %d", m.Histograms, hs.Format, hs.Unit, len(hs.Steps), ShardFormat, len(m.Steps))
	}
	sd := &shardData{}
	attacks := map[string]int{}
	for k, s := range hs.Steps {
		if s == nil || s.LowestTrackableValue != 1 || s.HighestTrackableValue != histMax || s.SignificantFigures != 3 {
			return nil, fmt.Errorf("%s: step %d: not a histogram of 1..%d µs to 3 figures", m.Histograms, k+1, histMax)
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("%s: step %d: %w", m.Histograms, k+1, err)
		}
		sd.hists = append(sd.hists, hdrhistogram.Import(s))
		sd.steps = append(sd.steps, &streamStep{hist: hdrhistogram.New(1, histMax, 3)})
		attacks[m.Steps[k].Attack] = k
	}
	if err := readStream(filepath.Join(dir, m.Results), attacks, sd); err != nil {
		return nil, err
	}
	for k, st := range sd.steps {
		switch want := m.Steps[k].Step.Requests; {
		case st.requests != want:
			return nil, fmt.Errorf("%s holds %d results of step %d, its manifest says %d (a truncated stream?)", m.Results, st.requests, k+1, want)
		case !st.hist.Equals(sd.hists[k]):
			return nil, fmt.Errorf("%s: step %d's latencies differ from its histogram export %s", m.Results, k+1, m.Histograms)
		}
	}
	return sd, nil
}

// readStream decodes a shard's vegeta result stream step by step. Shards write gob, so only
// gob is read: vegeta's DecoderFor would try JSON and CSV on a file that is not, buffering it
// whole.
func readStream(path string, attacks map[string]int, sd *shardData) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("results stream: %w", err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	for n := 1; ; n++ {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s: result %d: %w", filepath.Base(path), n, err)
		}
		k, ok := attacks[r.Attack]
		if !ok {
			return fmt.Errorf("%s: result %d belongs to attack %q, no step of the manifest", filepath.Base(path), n, r.Attack)
		}
		intended := r.Timestamp
		if ns, err := strconv.ParseInt(r.Headers.Get(IntendedHeader), 10, 64); err == nil {
			intended = time.Unix(0, ns)
		}
		st := sd.steps[k]
		if st.requests == 0 || r.Timestamp.Before(st.earliest) {
			st.earliest = r.Timestamp
		}
		if r.Timestamp.After(st.latest) {
			st.latest = r.Timestamp
		}
		st.requests++
		if failedResult(&r) {
			st.errors++
		}
		_ = st.hist.RecordValue(latencyMicros(&r, intended))
		sd.clock.add(&r)
	}
}

func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, limit>>20)
	}
	return b, nil
}

// String summarises the merge for the operator: the shards, their clocks, what is missing.
func (sm *ShardMerge) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "merge of run %s: %d shards\n", sm.RunID, sm.Count)
	for _, s := range sm.Capacity.Shards {
		fmt.Fprintf(&b, "  shard %d: %s", s.Index, s.Status)
		if s.Status == ShardOK {
			fmt.Fprintf(&b, ", %d requests", s.Requests)
			if s.ClockMeasured {
				fmt.Fprintf(&b, ", clock offset to the target %s ± %s", s.ClockOffset.Round(time.Microsecond), s.ClockUncertainty.Round(time.Microsecond))
			} else {
				b.WriteString(", clock offset not measured (no consistent Date headers)")
			}
		} else if s.Error != "" {
			b.WriteString(": " + s.Error)
		}
		b.WriteString("\n")
	}
	if len(sm.Capacity.Shards) > 1 {
		fmt.Fprintf(&b, "  clock spread between shards: %s\n", sm.Capacity.ClockSpread.Round(time.Microsecond))
	}
	for _, st := range sm.Capacity.Steps {
		fmt.Fprintf(&b, "  step %.6g req/s: achieved %.1f (summed), %d requests, errors %.2f %%, p50 %s p99 %s (merged histograms), sustained %v\n",
			st.Rate, st.Achieved, st.Requests, 100*st.ErrorRate, st.P50, st.P99, st.OK)
	}
	if len(sm.Incomplete) > 0 {
		b.WriteString("  INCOMPLETE: " + strings.Join(sm.Incomplete, "; ") + "\n")
	}
	return b.String()
}

// addConnections adds one shard's connection costs to the run's (nil: none recorded).
func addConnections(sum, c *batchcert.Connections) *batchcert.Connections {
	if c == nil {
		return sum
	}
	if sum == nil {
		sum = &batchcert.Connections{Model: c.Model}
	} else if sum.Model != c.Model {
		sum.Model = "mixed"
	}
	sum.Requests += c.Requests
	sum.Dials += c.Dials
	sum.Handshakes += c.Handshakes
	sum.HandshakeTime += c.HandshakeTime
	sum.Failed += c.Failed
	if sum.Handshakes > 0 {
		sum.HandshakeMean = sum.HandshakeTime / time.Duration(sum.Handshakes)
	}
	return sum
}
