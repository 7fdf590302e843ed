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
	"github.com/batchcert/batchcert/loadtest"
)

const loadUsage = "load throttle|tasklimit|capacity [-target FILE] [flags]"

// loadFlags are the bounds and knobs of the three probes (certify.Load).
type loadFlags struct {
	concurrency  int
	runs         int
	maxRequests  int
	maxDuration  time.Duration
	rates        string
	stepDuration time.Duration
	sloP99       time.Duration
	maxErrRate   float64
	resultsFile  string
	overThrottle bool
	operation    string
	conn         string
	// ratesSet says -rates was given; otherwise a real target's capacity step stays within
	// its declared throttle (certify.WithinThrottleShare of it).
	ratesSet bool
	// validateEvery validates one answer in N under load.
	validateEvery int
	// shard holds load capacity's shard flags (merge.go); nil for certify.
	shard *shardFlags
}

func addLoadFlags(fs *flag.FlagSet) *loadFlags {
	lf := &loadFlags{}
	fs.IntVar(&lf.concurrency, "concurrency", 0, "concurrent senders (throttle: 20, tasklimit: 50)")
	fs.IntVar(&lf.runs, "runs", 0, fmt.Sprintf("tasklimit: races to run (0: %d with a control API, 1 without: a real target allows 1)", loadtest.DefaultRaceRuns))
	fs.IntVar(&lf.maxRequests, "max-requests", 0, "bound on requests (0: the probe's computed bound)")
	fs.DurationVar(&lf.maxDuration, "max-duration", 0, "bound on the probe's time (0: the probe's computed bound)")
	fs.StringVar(&lf.rates, "rates", formatRates(certify.DefaultRates), "capacity: comma-separated rates (requests/s) tried in order (default on a real target: one step at 90 % of the declared throttle, of every app of apps.pool together)")
	fs.DurationVar(&lf.stepDuration, "step-duration", certify.DefaultStepDuration, "capacity: length of each rate step")
	fs.DurationVar(&lf.sloP99, "slo-p99", certify.DefaultSLOp99, "capacity: p99 latency a step must stay under")
	fs.Float64Var(&lf.maxErrRate, "max-error-rate", loadtest.DefaultMaxErrorRate, "capacity: error ratio a step must stay under")
	fs.StringVar(&lf.resultsFile, "results", "", "capacity: stream every result to `file` in vegeta's gob format")
	fs.BoolVar(&lf.overThrottle, "allow-over-throttle", false, "capacity: allow rates above the profile's declared throttle (of each app of apps.pool)")
	fs.IntVar(&lf.validateEvery, "validate-every", loadtest.DefaultValidateEvery, "capacity: validate one answer in `N` (1: every answer; each step reports what validation cost)")
	fs.StringVar(&lf.operation, "operation", loadtest.OpQuery, "capacity: operation loaded, query or create (create needs the profile's task limit to hold the planned creates)")
	fs.StringVar(&lf.conn, "conn", string(apiclient.KeepAlive), "connection `model` of the probes' calls: keep-alive, or new-connection (a new connection, and over TLS a full handshake with the profile's client certificate, per request, as the vendor's Java SDK does)")
	return lf
}

func formatRates(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// config is the probes' configuration the flags give, without the -results file.
func (lf *loadFlags) config() (certify.Load, error) {
	l := certify.Load{Concurrency: lf.concurrency, Runs: lf.runs, MaxRequests: lf.maxRequests, MaxDuration: lf.maxDuration,
		StepDuration: lf.stepDuration, SLOp99: lf.sloP99, MaxErrorRate: lf.maxErrRate, AllowOverThrottle: lf.overThrottle,
		Operation: lf.operation, ValidateEvery: lf.validateEvery}
	var err error
	if l.Conn, err = apiclient.ParseConnModel(lf.conn); err != nil {
		return l, batchcert.Usagef("-conn: %v", err)
	}
	if lf.ratesSet {
		if l.Rates, err = parseRates(lf.rates); err != nil {
			return l, err
		}
	}
	return l, nil
}

// load is the probes' configuration the flags give, writing to stderr and redacting with the
// run's credentials, and a func closing the -results file.
func (lf *loadFlags) load(ctx context.Context, stderr io.Writer) (certify.Load, func(), error) {
	l, err := lf.config()
	if err != nil {
		return l, nil, err
	}
	l.Progress, l.OnToken = stderr, credentialsOf(ctx).add
	closeResults := func() {}
	if lf.resultsFile != "" {
		f, err := os.Create(lf.resultsFile)
		if err != nil {
			return l, nil, batchcert.Usagef("-results: %w", err)
		}
		l.Results, closeResults = f, func() { _ = f.Close() }
	}
	return l, closeResults, nil
}

func runLoad(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs, _, _, _, _ := loadFlagSet("load", stdout) // so that load -h lists the probes' flags
		if err := parseFlags(fs, args, stderr); err != nil {
			return err
		}
		return batchcert.Usagef("load: name a probe: throttle, tasklimit or capacity")
	}
	probe := args[0]
	switch probe {
	case certify.ProbeThrottle, certify.ProbeTaskLimit, certify.ProbeCapacity:
	default:
		return batchcert.Usagef("load: unknown probe %q (throttle, tasklimit or capacity)", probe)
	}
	fs, tf, lf, out, df := loadFlagSet("load "+probe, stdout)
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if err := validReference(tf.ref); err != nil {
		return err
	}
	if err := validLoadFlags(fs, lf); err != nil {
		return err
	}
	if lf.shard.active() {
		return runShardLoad(ctx, probe, fs, tf, lf, lf.shard, *out, stdout, stderr)
	}
	l, closeResults, err := lf.load(ctx, stderr)
	if err != nil {
		return err
	}
	defer closeResults()
	if probe == certify.ProbeCapacity && tf.file == "" {
		tf.ref = certify.ReferenceCapacity(tf.ref, &l)
	}
	sess, err := tf.open(stderr)
	if err != nil {
		return err
	}
	defer sess.Close()
	ctx, cancel := df.within(ctx, 0, "load "+probe, stderr)
	defer cancel()
	l.ProbeDeadlines = !df.set
	res := certify.NewLoadResults(sess.Platform, "load "+probe)
	if err := certify.Probe(ctx, sess.Platform, probe, l, res); err != nil {
		return err
	}
	return finish(ctx, res, *out, sess, stdout)
}

func parseRates(s string) ([]float64, error) {
	var rates []float64
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || r <= 0 {
			return nil, batchcert.Usagef("-rates: %q is not a positive rate", f)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// printLoad prints the probes' headline figures, rounded for people (results.json keeps the
// exact values).
func printLoad(w io.Writer, l *batchcert.LoadResults) {
	if t := l.Throttle; t != nil {
		fmt.Fprintf(w, "%-22s measured %d per %s (%s), concurrent %d; declared %d per %s\n", "throttle",
			t.MeasuredLimit, batchcert.FormatDuration(t.MeasuredWindow), t.WindowType, t.MeasuredConcurrent,
			t.DeclaredLimit, batchcert.FormatDuration(t.DeclaredWindow))
		if t.Scaled() {
			fmt.Fprintf(w, "%-22s in platform time (x%g): measured per %s, declared per %s\n", "",
				t.TimeScale, batchcert.FormatDuration(t.PlatformMeasuredWindow), batchcert.FormatDuration(t.PlatformDeclaredWindow))
		}
	}
	if t := l.TaskLimit; t != nil {
		fmt.Fprintf(w, "%-22s limit %d, %s of %d concurrent creates, admitted %v\n", "task limit",
			t.Limit, batchcert.Plural(t.Runs, "run"), t.Concurrency, t.Admitted)
	}
	if c := l.Capacity; c != nil {
		fmt.Fprintf(w, "%-22s sustained %s (p99 SLO %s, %s)\n", "capacity", batchcert.FormatRate(c.Sustained),
			batchcert.FormatDuration(c.SLOp99), batchcert.Plural(len(c.Steps), "step"))
	}
	printConnections(w, l)
}

// printConnections says how the probes reached the target when it is worth saying: a model
// other than keep-alive, or TLS handshakes to account for.
func printConnections(w io.Writer, l *batchcert.LoadResults) {
	var probes []*batchcert.Connections
	if l.Throttle != nil {
		probes = append(probes, l.Throttle.Connections)
	}
	if l.TaskLimit != nil {
		probes = append(probes, l.TaskLimit.Connections)
	}
	if l.Capacity != nil {
		probes = append(probes, l.Capacity.Connections)
	}
	var sum batchcert.Connections
	for _, c := range probes {
		if c == nil {
			continue
		}
		sum.Model = c.Model
		sum.Requests += c.Requests
		sum.Dials += c.Dials
		sum.Handshakes += c.Handshakes
		sum.HandshakeTime += c.HandshakeTime
	}
	if sum.Model == "" || (sum.Model == string(apiclient.KeepAlive) && sum.Handshakes == 0) {
		return
	}
	line := fmt.Sprintf("%s: %d requests, %d connections", sum.Model, sum.Requests, sum.Dials)
	if sum.Handshakes > 0 {
		line += fmt.Sprintf(", %d TLS handshakes (mean %s)", sum.Handshakes, batchcert.FormatDuration(sum.HandshakeTime/time.Duration(sum.Handshakes)))
	}
	fmt.Fprintf(w, "%-22s %s\n", "connections", line)
}

// loadFlagSet is the flag set of load PROBE, and of bare load, so that load -h lists them.
func loadFlagSet(name string, stdout io.Writer) (*flag.FlagSet, *targetFlags, *loadFlags, *string, *deadlineFlag) {
	fs := newFlagSet(name, loadUsage, stdout)
	tf := addTargetFlags(fs, 1)
	lf := addLoadFlags(fs)
	lf.shard = addShardFlags(fs)
	out := fs.String("out", defaultOut, "`dir` for results.json and the reports")
	df := addDeadlineFlag(fs)
	return fs, tf, lf, out, df
}
