package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/deploy/kubernetes"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/scenarios"
)

// Distributed capacity: `load capacity -shard-index I -shard-count N -start-at T` runs one
// shard, `-emit-kubernetes` prints the Kubernetes objects that run every shard, and `merge`
// turns the shards' files into one results.json and every report.

// shardFlags are the flags of a sharded capacity search.
type shardFlags struct {
	index   int
	count   int
	startAt string
	emit    bool
	image   string
}

func addShardFlags(fs *flag.FlagSet) *shardFlags {
	sf := &shardFlags{}
	fs.IntVar(&sf.index, "shard-index", -1, "capacity: this shard's `index`, 0..count-1 (default: $"+kubernetes.IndexEnv+", as a Kubernetes Indexed Job sets it)")
	fs.IntVar(&sf.count, "shard-count", 0, "capacity: run one shard of `N`, writing shard files to -out for `batchcert merge` (0: one process, no shards)")
	fs.StringVar(&sf.startAt, "start-at", "", "capacity shards: the common start, RFC 3339 (2026-12-01T12:00:00Z) or +DURATION from now (+2m)")
	fs.BoolVar(&sf.emit, "emit-kubernetes", false, "capacity shards: print the Kubernetes objects that run every shard and the merge, and exit")
	fs.StringVar(&sf.image, "image", kubernetes.DefaultImage, "with -emit-kubernetes: the batchcert container `image`")
	return sf
}

// active says whether the flags ask for a sharded run.
func (sf *shardFlags) active() bool { return sf.count != 0 || sf.emit }

// shardOnlyFlags are not handed on to the shards of an emitted Job: the Job sets them itself,
// or they belong to the local process only.
var shardOnlyFlags = map[string]bool{"target": true, "out": true, "shard-index": true, "shard-count": true,
	"start-at": true, "emit-kubernetes": true, "image": true, "results": true}

// parseStartAt reads -start-at: RFC 3339, or +DURATION from now.
func parseStartAt(s string, now time.Time) (time.Time, error) {
	if d, ok := strings.CutPrefix(s, "+"); ok {
		v, err := time.ParseDuration(d)
		if err != nil || v < 0 {
			return time.Time{}, batchcert.Usagef("-start-at %q: want +DURATION (e.g. +2m) or an RFC 3339 time", s)
		}
		return now.Add(v).UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, batchcert.Usagef("-start-at %q: want an RFC 3339 time (2026-12-01T12:00:00Z) or +DURATION", s)
	}
	return t.UTC(), nil
}

// shardIndex is -shard-index, or the Indexed Job's JOB_COMPLETION_INDEX when it is not given.
func (sf *shardFlags) shardIndex(getenv func(string) string) (int, error) {
	if sf.index >= 0 {
		return sf.index, nil
	}
	if sf.index != -1 {
		return 0, batchcert.Usagef("-shard-index %d: must be 0..%d", sf.index, sf.count-1)
	}
	v := getenv(kubernetes.IndexEnv)
	if v == "" {
		if sf.count == 1 {
			return 0, nil
		}
		return 0, batchcert.Usagef("-shard-index is not given and $%s is not set", kubernetes.IndexEnv)
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return 0, batchcert.Usagef("$%s %q: not a shard index", kubernetes.IndexEnv, v)
	}
	return i, nil
}

// runShardLoad runs one shard of a capacity search, or prints the Kubernetes objects of every
// shard (-emit-kubernetes).
func runShardLoad(ctx context.Context, probe string, fs *flag.FlagSet, tf *targetFlags, lf *loadFlags, sf *shardFlags, out string, stdout, stderr io.Writer) error {
	if probe != "capacity" {
		return batchcert.Usagef("load %s: -shard-count, -start-at and -emit-kubernetes apply to load capacity only", probe)
	}
	if sf.count < 1 || sf.count > loadtest.MaxShards {
		return batchcert.Usagef("-shard-count %d: must be 1..%d", sf.count, loadtest.MaxShards)
	}
	if tf.file == "" {
		return batchcert.Usagef("load capacity -shard-count: shards need -target: the embedded reference would be a different platform in every shard")
	}
	if sf.startAt == "" {
		return batchcert.Usagef("load capacity -shard-count: -start-at is required, so the shards run together")
	}
	startAt, err := parseStartAt(sf.startAt, time.Now())
	if err != nil {
		return err
	}
	index := 0
	if !sf.emit {
		if index, err = sf.shardIndex(os.Getenv); err != nil {
			return err
		}
	}
	var sess *session
	if sf.emit {
		sess, err = emitSession(tf)
	} else {
		sess, err = tf.open(stderr)
	}
	if err != nil {
		return err
	}
	defer sess.Close()
	t, err := certify.Target(sess.Platform)
	if err != nil {
		return err
	}
	l, closeResults, err := lf.load(ctx, stderr)
	if err != nil {
		return err
	}
	closeResults() // -results is the local process's: a shard writes its own stream
	l.Results = nil
	cfg, err := certify.ShardConfig(sess.Platform, t, l, index, sf.count, startAt, out)
	if err != nil {
		return err
	}
	plan, _, err := loadtest.DescribeShard(cfg)
	if err != nil {
		return err
	}
	if sf.emit {
		return emitKubernetes(fs, sess, sf, startAt, plan, stdout)
	}
	fmt.Fprintln(stderr, plan)
	t.OnToken, t.Conn = credentialsOf(ctx).add, l.Conn
	defer t.Client.CloseIdleConnections()
	m, err := loadtest.RunShard(ctx, t, cfg)
	if err != nil {
		return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: credentialsOf(ctx).redactErr(err)}
	}
	fmt.Fprintf(stdout, "shard %d of %d (run %s): %d steps; shard files in %s; merge them with: batchcert merge %s\n",
		m.Index, m.Count, m.RunID, len(m.Steps), out, out)
	return nil
}

// emitSession loads the profile as the shards will: its secrets are the pods' to read, so they
// need not be set where the objects are emitted.
func emitSession(tf *targetFlags) (*session, error) {
	inPod := func(string) (string, bool) { return "set-in-the-pod", true }
	p, err := certify.OpenProfile(tf.file, inPod)
	if err != nil {
		return nil, err
	}
	return &session{Platform: p}, nil
}

// emitKubernetes prints the objects of the run: the flags given here, less the local ones,
// become every shard's flags.
func emitKubernetes(fs *flag.FlagSet, sess *session, sf *shardFlags, startAt time.Time, plan loadtest.Plan, stdout io.Writer) error {
	t := sess.Target
	if t.TLS.CAFile != "" || t.TLS.CertFile != "" || t.TLS.KeyFile != "" {
		return batchcert.Usagef("-emit-kubernetes: %s names TLS files, which the emitted Job does not carry yet; mount them yourself and drop them from the profile", t.File)
	}
	// Every app's secret: the shards check the whole profile, as every command does. The schema
	// holds every secret to a ${NAME} reference: a secret is never put in a manifest.
	secrets := certify.AppSecrets(t)
	profile, err := os.ReadFile(t.File)
	if err != nil {
		return batchcert.Usagef("-emit-kubernetes: %w", err)
	}
	var args []string
	fs.Visit(func(f *flag.Flag) {
		if !shardOnlyFlags[f.Name] {
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	spec := kubernetes.Spec{RunID: loadtest.DefaultRunID(startAt), Image: sf.image, Shards: sf.count, Profile: profile,
		Secrets: secrets, Args: args, StartAt: startAt, MergeUntil: startAt.Add(plan.MaxDuration + mergeGrace)}
	y, err := kubernetes.Render(spec)
	if err != nil {
		return batchcert.Usagef("-emit-kubernetes: %w", err)
	}
	_, err = stdout.Write(y)
	return err
}

// mergeGrace is how long past the shards' planned end the emitted merge waits for them.
const mergeGrace = 2 * time.Minute

const mergeUsage = "merge [-shards N] [-wait-until TIME] [-out DIR] DIR|MANIFEST..."

// runMerge merges the shard files of a distributed capacity search into one results.json and
// every report. A missing or failed shard makes the result INCOMPLETE and names it.
func runMerge(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", mergeUsage, stdout)
	shards := fs.Int("shards", 0, "the run's shard `count`, so that a shard that never wrote is named (0: as the manifests say)")
	waitUntil := fs.String("wait-until", "", "wait until this RFC 3339 `time` (or +DURATION) for every shard to finish, then merge what is there")
	out := fs.String("out", defaultOut, "`dir` for results.json and the reports")
	if err := parseFlagsArgs(fs, args, stderr); err != nil {
		return err
	}
	paths := fs.Args()
	if len(paths) == 0 {
		return batchcert.Usagef("merge: name a shard directory or shard manifests (usage: batchcert %s)", mergeUsage)
	}
	if *shards < 0 || *shards > loadtest.MaxShards {
		return batchcert.Usagef("-shards %d: must be 0..%d", *shards, loadtest.MaxShards)
	}
	if *waitUntil != "" {
		until, err := parseStartAt(*waitUntil, time.Now())
		if err != nil {
			return batchcert.Usagef("-wait-until: %w", err)
		}
		if until.Sub(time.Now()) > loadtest.MaxStartWait+24*time.Hour {
			return batchcert.Usagef("-wait-until %s: more than two days away", *waitUntil)
		}
		want := max(*shards, 1)
		fmt.Fprintf(stderr, "merge: waiting until %s for %d shards to finish\n", until.Format(time.RFC3339), want)
		n, err := loadtest.WaitForShards(ctx, apiclient.RealClock{}, want, until, 2*time.Second, paths...)
		if err != nil {
			return &batchcert.ExitError{Code: batchcert.ExitUnreachable, Err: fmt.Errorf("merge: %w", err)}
		}
		fmt.Fprintf(stderr, "merge: %d of %d shards finished\n", n, want)
	}
	sm, err := loadtest.MergeShardsOf(*shards, paths...)
	if err != nil {
		return err
	}
	fmt.Fprint(stderr, sm)
	res := &batchcert.Results{FormatVersion: batchcert.ResultsVersion, Command: "merge", Start: sm.StartAt, End: time.Now(),
		Harness: batchcert.Harness{Version: batchcert.Version, CatalogHash: contracts.CatalogHash()},
		Target:  sm.Target, Profile: sm.Profile,
		Gate:   &batchcert.Gate{Coverage: batchcert.GateNone},
		Load:   &batchcert.LoadResults{Capacity: sm.Capacity},
		Checks: []batchcert.Check{certify.CapacityCheck(sm.Plan.Operation, sm.Capacity, sm.Violations)}}
	if len(sm.Incomplete) > 0 {
		res.MarkIncomplete(strings.Join(sm.Incomplete, "; "))
	}
	res.Apply(certify.GateOf(res))
	return finish(ctx, res, *out, &session{Platform: &certify.Platform{Target: &scenarios.Target{}}}, stdout)
}
