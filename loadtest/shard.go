package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Shard defaults.
const (
	// DefaultStepGap is the pause between two steps of a sharded search: every shard starts
	// step k at StartAt + k × (StepDuration + StepGap), whatever the others do, so the steps
	// line up across shards without a coordinator.
	DefaultStepGap = time.Second
	// DefaultMaxStartLate is how late a shard may begin after the common start time before it
	// refuses to run (its load would not overlap the others').
	DefaultMaxStartLate = 2 * time.Second
	// MaxStartWait is the furthest in the future a common start time may be.
	MaxStartWait = 24 * time.Hour
	// ShardFormat is the version of the shard files' format.
	ShardFormat = "batchcert-shard/1"
)

// Shard statuses, as a shard's manifest and the merge report them.
const (
	ShardRunning = "running" // the shard began and has not finished: it died if it stays so
	ShardOK      = "ok"
	ShardFailed  = "failed"
	ShardMissing = "missing" // no manifest: the shard never began, or wrote elsewhere
)

// ShardConfig configures one shard of a distributed capacity search.
type ShardConfig struct {
	// Capacity is the whole search, as one process would run it: its rates are the total
	// rates of every shard together.
	Capacity CapacityConfig
	// Index and Count say which shard this is, of how many (Index in 0..Count-1).
	Index, Count int
	// StartAt is the common start time of every shard's first step (zero: now, for a single
	// shard only).
	StartAt time.Time
	// RunID names the run; the merge refuses shard files of different runs. Empty: derived
	// from StartAt.
	RunID string
	// Pool lists the apps the search loads; nil: Capacity.App with Capacity.DeclaredThrottle
	// as its quota.
	Pool  []PoolApp
	Split SplitOptions
	// Dir is where the shard writes its files (ShardFiles names them).
	Dir string
	// StepGap and MaxStartLate: DefaultStepGap and DefaultMaxStartLate when zero.
	StepGap      time.Duration
	MaxStartLate time.Duration
	// Clock times the common start (RealClock when nil); the steps themselves run on wall
	// time, as vegeta does.
	Clock apiclient.Clock
	// Describe is what the manifest says of the target (never credentials), and Profile the
	// profile's reading, for the merged results.
	Describe batchcert.Target
	Profile  string
}

// ShardFiles are the files of shard index in a results directory.
func ShardFiles(index int) (manifest, results, histograms string) {
	base := fmt.Sprintf("shard-%04d", index)
	return base + ".json", base + ".results.gob", base + ".hdr.json"
}

// ShardManifest is a shard's account of itself: what it was asked to do, what it did, and its
// part of the results model. It is written when the shard begins (status running) and again
// when it ends.
type ShardManifest struct {
	Format  string    `json:"format"`
	RunID   string    `json:"runId"`
	Index   int       `json:"index"`
	Count   int       `json:"count"`
	StartAt time.Time `json:"startAt"`
	// Target and Profile are what was loaded (no credentials), for the merged results.
	Target  batchcert.Target `json:"target"`
	Profile string           `json:"profile,omitempty"`
	// Began is when the first step began, by the shard's clock.
	Began  time.Time `json:"began,omitzero"`
	Status string    `json:"status"`
	Error  string    `json:"error,omitempty"`
	// Plan is the whole search: the total rates and the rules a step is judged by.
	Plan ShardPlan  `json:"plan"`
	Apps []ShardApp `json:"apps"`
	// Share is the part of each step's total rate this shard sends.
	Share float64 `json:"share"`
	// Results and Histograms name the shard's vegeta result stream and HdrHistogram export,
	// beside the manifest.
	Results    string `json:"results"`
	Histograms string `json:"histograms"`
	// Steps are this shard's own measurements of each step it ran.
	Steps []ShardStep `json:"steps"`
	// Violations are up to 10 of the shard's sampled contract violations.
	Violations []batchcert.Violation `json:"violations,omitempty"`
	// Connections are the shard's connection model and what its connections cost.
	Connections *batchcert.Connections `json:"connections,omitempty"`
}

// ShardPlan is what every shard of one run shares.
type ShardPlan struct {
	Operation    string        `json:"operation"`
	Rates        []float64     `json:"rates"`
	StepDuration time.Duration `json:"stepDurationNs"`
	StepGap      time.Duration `json:"stepGapNs"`
	SLOp99       time.Duration `json:"sloP99Ns"`
	MaxErrorRate float64       `json:"maxErrorRate"`
}

// ShardStep is one step as one shard measured it.
type ShardStep struct {
	// Attack is the vegeta attack name of the step's results in the stream.
	Attack string `json:"attack"`
	// Rate is the step's total rate; ShardRate the part this shard paced.
	Rate      float64 `json:"rate"`
	ShardRate float64 `json:"shardRate"`
	// Step is the shard's own view of the step (its rate, its requests, its OK), for
	// diagnosis only: the merge judges the step on every shard's results together.
	Step       batchcert.CapacityStep `json:"step"`
	Errors     int                    `json:"errors"`
	Violations int                    `json:"violations"`
}

// ShardHistograms is a shard's HdrHistogram export: one histogram of latencies from the
// intended send time, in microseconds, per step (hdrhistogram-go's Snapshot).
type ShardHistograms struct {
	Format string                   `json:"format"`
	Unit   string                   `json:"unit"`
	Steps  []*hdrhistogram.Snapshot `json:"steps"`
}

// DefaultRunID names a run after its start time.
func DefaultRunID(startAt time.Time) string {
	return "cap-" + startAt.UTC().Format("20060102t150405z")
}

func (c ShardConfig) withDefaults() ShardConfig {
	c.Capacity = c.Capacity.withDefaults()
	if c.StepGap <= 0 {
		c.StepGap = DefaultStepGap
	}
	if c.MaxStartLate <= 0 {
		c.MaxStartLate = DefaultMaxStartLate
	}
	if c.Clock == nil {
		c.Clock = apiclient.RealClock{}
	}
	if len(c.Pool) == 0 {
		c.Pool = c.Capacity.Pool
	}
	if len(c.Pool) == 0 {
		c.Pool = []PoolApp{{Alias: c.Capacity.App, Quota: c.Capacity.DeclaredThrottle}}
	}
	if c.RunID == "" && !c.StartAt.IsZero() {
		c.RunID = DefaultRunID(c.StartAt)
	}
	return c
}

// shardCapacity is this shard's own search: each total rate times the shard's share, every
// step run (the merge judges them, so one shard's view of a step never ends the others').
func (c ShardConfig) shardCapacity(share float64) CapacityConfig {
	cc := c.Capacity
	cc.Rates = make([]float64, len(c.Capacity.Rates))
	cc.MaxRequests = 0
	for i, r := range c.Capacity.Rates {
		cc.Rates[i] = r * share
		cc.MaxRequests += stepRequests(cc.Rates[i], cc.StepDuration)
	}
	// The split has held the rates to the pool's quotas; each shard's own check would read
	// the throttle of one app as the whole pool's.
	cc.DeclaredThrottle, cc.AllowOverThrottle, cc.Pool = 0, true, nil
	// One shard resetting the reference would drop the others' tasks mid-step.
	cc.ResetBetweenSteps = false
	return cc
}

// DescribeShard returns the plan of one shard, the split it belongs to, or a usage error.
func DescribeShard(cfg ShardConfig) (Plan, Split, error) {
	c := cfg.withDefaults()
	if c.Count < 1 || c.Count > MaxShards || c.Index < 0 || c.Index >= c.Count {
		return Plan{}, Split{}, batchcert.Usagef("shard %d of %d: want a count in 1..%d and an index in 0..count-1", c.Index, c.Count, MaxShards)
	}
	if c.StartAt.IsZero() && c.Count > 1 {
		return Plan{}, Split{}, batchcert.Usagef("shard %d of %d: shards need a common start time", c.Index, c.Count)
	}
	if c.Dir == "" {
		return Plan{}, Split{}, batchcert.Usagef("shard %d of %d: no directory for the shard files", c.Index, c.Count)
	}
	if len(c.Capacity.Rates) == 0 {
		return Plan{}, Split{}, batchcert.Usagef("capacity search: no rates")
	}
	seen := map[float64]bool{}
	top := 0.0
	for _, r := range c.Capacity.Rates {
		if seen[r] {
			return Plan{}, Split{}, batchcert.Usagef("shard plan: rate %v twice: a sharded search names each step by its rate", r)
		}
		seen[r] = true
		top = max(top, r)
	}
	if math.IsNaN(top) || math.IsInf(top, 0) {
		return Plan{}, Split{}, batchcert.Usagef("capacity search: rate %v: must be positive", top)
	}
	split, err := SplitPool(c.Pool, c.Count, top, SplitOptions{AllowOverQuota: c.Capacity.AllowOverThrottle || c.Split.AllowOverQuota, ShareApps: c.Split.ShareApps})
	if err != nil {
		return Plan{}, Split{}, err
	}
	share := split.Share(c.Index)
	plan, err := DescribeCapacity(c.shardCapacity(share))
	if err != nil {
		return Plan{}, Split{}, err
	}
	plan.Probe = fmt.Sprintf("capacity shard %d of %d", c.Index, c.Count)
	plan.MaxDuration = time.Duration(len(c.Capacity.Rates))*(c.Capacity.StepDuration+c.StepGap) + c.Capacity.Timeout
	head := []string{fmt.Sprintf("wait for the common start %s, then begin step k at start + k × %s; begin at most %s late",
		c.StartAt.UTC().Format(time.RFC3339Nano), c.Capacity.StepDuration+c.StepGap, c.MaxStartLate)}
	if c.StartAt.IsZero() {
		head = nil
	}
	plan.Steps = append(head, plan.Steps...)
	plan.Steps = append(plan.Steps[:len(plan.Steps)-1],
		fmt.Sprintf("send %.3g %% of each step's total rate, as %s", 100*share, appsString(split.Shards[c.Index])),
		"run every step: `batchcert merge` judges the steps on the merged results, as one process would")
	plan.Note = "apps of the run: " + split.String()
	return plan, split, nil
}

func appsString(apps []ShardApp) string {
	var s string
	for i, a := range apps {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s (%.3g %%)", a.Alias, 100*a.Share)
	}
	return s
}

// RunShard runs one shard of a distributed capacity search: it waits for the common start
// time, runs its share of every step as SearchCapacity runs a step, and writes its shard
// files to cfg.Dir: the vegeta result stream (with IntendedHeader, as -results writes it), the
// HdrHistogram export of each step and the manifest (ShardFiles). The manifest says
// "running" from the start, and "ok" or "failed" (with the error) at the end, so the merge can
// tell a shard that failed or died from one that finished. A cancelled context stops the shard
// with an ErrPartial error; its manifest says failed.
func RunShard(ctx context.Context, t Target, cfg ShardConfig) (*ShardManifest, error) {
	_, split, err := DescribeShard(cfg)
	if err != nil {
		return nil, err
	}
	c := cfg.withDefaults()
	if c.StartAt.IsZero() {
		c.StartAt = c.Clock.Now()
		c.RunID = DefaultRunID(c.StartAt)
	}
	if wait := c.StartAt.Sub(c.Clock.Now()); wait > MaxStartWait {
		return nil, batchcert.Usagef("shard %d of %d: the common start is %s away, more than %s", c.Index, c.Count, wait.Round(time.Second), MaxStartWait)
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, batchcert.Usagef("shard %d of %d: results directory: %w", c.Index, c.Count, err)
	}
	mine := split.Shards[c.Index]
	share := split.Share(c.Index)
	cc := c.shardCapacity(share)
	manName, resName, histName := ShardFiles(c.Index)
	m := &ShardManifest{Format: ShardFormat, RunID: c.RunID, Index: c.Index, Count: c.Count, StartAt: c.StartAt.UTC(),
		Target: c.Describe, Profile: c.Profile, Status: ShardRunning, Apps: mine, Share: share, Results: resName, Histograms: histName,
		Plan: ShardPlan{Operation: cc.Operation, Rates: slices.Clone(c.Capacity.Rates), StepDuration: cc.StepDuration,
			StepGap: c.StepGap, SLOp99: cc.SLOp99, MaxErrorRate: cc.MaxErrorRate}}
	manPath := filepath.Join(c.Dir, manName)
	if err := writeJSONFile(manPath, m); err != nil {
		return nil, fmt.Errorf("shard %d of %d: %w", c.Index, c.Count, err)
	}
	hists := &ShardHistograms{Format: ShardFormat, Unit: "us"}
	runErr := runShardSteps(ctx, t, c, cc, mine, m, hists, filepath.Join(c.Dir, resName))
	if err := writeJSONFile(filepath.Join(c.Dir, histName), hists); err != nil && runErr == nil {
		runErr = err
	}
	m.Status = ShardOK
	if runErr != nil {
		m.Status, m.Error = ShardFailed, runErr.Error()
	}
	if err := writeJSONFile(manPath, m); err != nil {
		return m, fmt.Errorf("shard %d of %d: %w", c.Index, c.Count, errors.Join(runErr, err))
	}
	if runErr != nil {
		return m, fmt.Errorf("shard %d of %d: %w", c.Index, c.Count, runErr)
	}
	return m, nil
}

// runShardSteps sets the shard up (logins, the queried tasks), waits for the common start and
// runs every step at its slot, streaming results into path.
func runShardSteps(ctx context.Context, t Target, c ShardConfig, cc CapacityConfig, apps []ShardApp, m *ShardManifest, hists *ShardHistograms, path string) error {
	s := NewSession(t)
	if err := s.Err(); err != nil {
		return err
	}
	defer func() { m.Connections = s.Connections() }()
	tasks := map[string]string{}
	if cc.Operation == OpQuery {
		for _, a := range apps {
			id := cc.TaskID
			if id == "" {
				var err error
				if id, err = createOne(ctx, s, a.Alias); err != nil {
					return fmt.Errorf("set up %s: %w", a.Alias, err)
				}
			}
			tasks[a.Alias] = id
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("results stream: %w", err)
	}
	defer f.Close()
	enc := vegeta.NewEncoder(f)
	if err := apiclient.SleepUntil(ctx, c.Clock, c.StartAt); err != nil {
		return partial(err)
	}
	if late := c.Clock.Now().Sub(c.StartAt); late > c.MaxStartLate {
		return fmt.Errorf("began %s after the common start (at most %s): its load would not overlap the other shards'; start the shards sooner or set a later start", late.Round(time.Millisecond), c.MaxStartLate)
	}
	m.Began = c.Clock.Now().UTC()
	nonce, seq := newNonce(), new(atomic.Uint64)
	for k, rate := range cc.Rates {
		slot := c.StartAt.Add(time.Duration(k) * (cc.StepDuration + c.StepGap))
		if err := apiclient.SleepUntil(ctx, c.Clock, slot); err != nil {
			return partial(err)
		}
		tr, err := shardTargeter(ctx, s, cc, apps, tasks, nonce, seq)
		if err != nil {
			return partial(err)
		}
		st, err := runStep(ctx, s, cc, tr, rate, uint64(stepRequests(rate, cc.StepDuration)), enc)
		step := st.step(cc)
		m.Steps = append(m.Steps, ShardStep{Attack: attackPrefix + strconv.FormatFloat(rate, 'g', -1, 64),
			Rate: c.Capacity.Rates[k], ShardRate: rate, Step: step, Errors: st.errors, Violations: st.nViolation})
		hists.Steps = append(hists.Steps, st.hist.Export())
		if room := 10 - len(m.Violations); room > 0 {
			m.Violations = append(m.Violations, st.violations[:min(room, len(st.violations))]...)
		}
		fmt.Fprintf(cc.Progress, "capacity shard %d/%d: step %.6g req/s (%.6g of it here): achieved %.1f, %d requests, errors %.2f %%, p99 %s\n",
			c.Index, c.Count, c.Capacity.Rates[k], rate, step.Achieved, step.Requests, 100*step.ErrorRate, step.P99)
		if err != nil {
			return partial(err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("results stream: %w", err)
	}
	return nil
}

// shardTargeter is one step's targeter: each of the shard's apps' own (the same as
// SearchCapacity's), interleaved by their shares.
func shardTargeter(ctx context.Context, s *Session, cc CapacityConfig, apps []ShardApp, tasks map[string]string, nonce int64, seq *atomic.Uint64) (vegeta.Targeter, error) {
	trs := make([]vegeta.Targeter, len(apps))
	weights := make([]float64, len(apps))
	for i, a := range apps {
		ac := cc
		ac.App, ac.TaskID = a.Alias, tasks[a.Alias]
		tr, err := stepTargeter(ctx, s, ac, nonce, seq)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Alias, err)
		}
		trs[i], weights[i] = tr, a.Share
	}
	return newWeightedTargeter(trs, weights), nil
}

// writeJSONFile writes v to path through a temporary file and a rename, so a reader never
// sees half a file.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
