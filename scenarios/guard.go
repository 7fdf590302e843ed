package scenarios

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/batchcert/batchcert"
)

// guard wires the suite's defences against its target: the redactor learns every token an
// answer carries (and tells cfg.OnToken), and the client counts transport failures in a row.
func (s *Suite) guard(cfg Config) {
	s.client.learn = s.redact.learn
	s.redact.tell = cfg.OnToken
	switch n := cfg.MaxTransportFailures; {
	case n == 0:
		s.client.maxFailures = DefaultMaxTransportFailures
	case n > 0:
		s.client.maxFailures = n
	}
}

// interrupted turns a check that failed after the run was cut off (a signal, a deadline, an
// unreachable target) into "not run (interrupted: cause)": the failure is the interruption's,
// not the platform's.
func (s *Suite) interrupted(c *batchcert.Check) {
	if c.Outcome != batchcert.Fail && c.Outcome != batchcert.Errored {
		return
	}
	if cause := batchcert.Cause(s.ctx); cause != nil {
		batchcert.Interrupt(c, cause)
	}
}

// notRun lists the checks of a scenario the run did not reach, each "not run (interrupted:
// cause)", so the reports show what is missing instead of leaving it out.
func (s *Suite) notRun(sc *Scenario, cause error) []batchcert.Check {
	r := s.newRunBare(sc)
	add := func(id string, reqs []string) {
		c := batchcert.Check{ID: id, Requirements: reqs}
		batchcert.Interrupt(&c, cause)
		r.add(c)
	}
	for _, st := range sc.all() {
		for i, e := range st.Expect {
			add(r.id(st, expectID(e, i)), e.Requirements)
		}
		if st.Concurrent != nil {
			for i, t := range st.Concurrent.Expect {
				add(r.id(st, tallyName(t, i)), t.Requirements)
			}
		}
	}
	for i := range r.checks {
		s.finish(&r.checks[i])
	}
	return r.checks
}

// stopped is why ctx ended, for Results.IncompleteReason.
func stopped(ctx context.Context) string {
	if cause := batchcert.Cause(ctx); cause != nil {
		return fmt.Sprintf("the run stopped early: %v", cause)
	}
	return ""
}

// Plan is what a run of the suite is expected to cost against a real target, so that the CLI
// can print it and derive a deadline that fits it.
type Plan struct {
	Scenarios int
	// Requests counts the requests the steps send (a poll counts once, a burst its count).
	Requests int
	// Waiting is the time polls may wait until their deadline, and waits take, in full.
	Waiting time.Duration
	// Expected is Waiting plus every request paced to the declared throttle.
	Expected time.Duration
	// LongestWait is the longest single wait or poll deadline of one step, in real time (the
	// target's limits.timeScale applied): a -max-wait below it leaves that step out.
	LongestWait time.Duration
	// LongestStep names it: "scenario: step".
	LongestStep string
	// Parallel, set for a real-time run (Config.RealTime), is the expected wall time when the
	// scenarios wait side by side on the platform's clock: the longest scenario's waits plus
	// every request paced. Expected stays the bound of a run that waits one wait at a time.
	Parallel time.Duration
}

func (p Plan) String() string {
	s := fmt.Sprintf("%s, about %d requests, polls and waits up to %s: about %s against a real target",
		batchcert.Plural(p.Scenarios, "scenario"), p.Requests, batchcert.FormatDuration(p.Waiting), batchcert.FormatDuration(p.Expected))
	if p.Parallel > 0 {
		s = fmt.Sprintf("%s, about %s with the waits side by side on its own clock", s, batchcert.FormatDuration(p.Parallel))
	}
	return s
}

// PlanRun computes cfg's plan: the scenarios cfg selects (the embedded suite and the generated
// boundaries unless cfg.Scenarios is set), their requests, polls and waits.
func PlanRun(cfg Config) (Plan, error) {
	scs := cfg.Scenarios
	if scs == nil {
		var err error
		if scs, err = SuiteScenarios(); err != nil {
			return Plan{}, err
		}
		profile := cfg.Profile
		if profile == "" && cfg.Target != nil {
			profile = cfg.Target.Profile
		}
		c, err := NewContract(profile)
		if err != nil {
			return Plan{}, err
		}
		scs = append(scs, Boundaries(c.Requirements())...)
	}
	var p Plan
	scale := 1.0
	if cfg.Target != nil && cfg.Target.Limits.TimeScale > 0 {
		scale = cfg.Target.Limits.TimeScale
	}
	var pv vars
	if cfg.Target != nil {
		pv = targetVars(cfg.Target)
		pv["slack"] = max(10, int(math.Ceil(2*scale)))
	}
	var where string
	var slowest time.Duration // the longest one scenario's waits, platform time
	longest := func(d time.Duration) {
		if real := time.Duration(float64(d) / scale); real > p.LongestWait {
			p.LongestWait, p.LongestStep = real, where
		}
	}
	for _, sc := range scs {
		if !cfg.selects(sc) {
			continue
		}
		p.Scenarios++
		before := p.Waiting
		for _, st := range sc.all() {
			where = sc.Name + ": " + st.Name
			switch {
			case st.Request != nil:
				p.Requests++
			case st.Poll != nil:
				p.Requests++
				d, _ := time.ParseDuration(st.Poll.Deadline)
				p.Waiting += d
				longest(d)
			case st.Concurrent != nil:
				// Count may be a template ("{{.taskLimit}}"): a burst of unknown size counts
				// as one request per unfinished-task slot the docs allow.
				if n, err := strconv.Atoi(fmt.Sprint(st.Concurrent.Count)); err == nil && n > 0 {
					p.Requests += n
				} else {
					p.Requests += 11
				}
			case st.Wait != nil:
				if d := plannedWait(st.Wait, pv); d > 0 {
					p.Waiting += d
					longest(d)
				}
			}
		}
		slowest = max(slowest, p.Waiting-before)
	}
	pace := 100 * time.Millisecond
	if cfg.Target != nil {
		if lim, w := cfg.Target.Limits.Throttle.Limit, cfg.Target.Limits.ThrottleWindow(); lim > 0 && w > 0 {
			pace = max(pace, w/time.Duration(lim))
		}
	}
	p.Expected = p.Waiting + time.Duration(p.Requests)*pace
	if cfg.RealTime {
		p.Parallel = time.Duration(float64(slowest)/scale) + time.Duration(p.Requests)*pace
	}
	return p, nil
}

// plannedWait is the platform time a wait step takes, as far as it is known before the run: its
// seconds, rendered over the target's variables (v) when they are a template, else its Estimate.
func plannedWait(w *Wait, v vars) time.Duration {
	text := fmt.Sprint(w.Seconds)
	secs, err := strconv.ParseFloat(text, 64)
	if err != nil && v != nil {
		var n int
		if n, err = renderInt(text, v, baseFuncs); err == nil {
			secs = float64(n)
		}
	}
	if err != nil || secs <= 0 {
		secs = float64(w.Estimate)
	}
	return time.Duration(secs * float64(time.Second))
}

// Size caps of the files a run reads: a profile or a scenario file is configuration, and a
// larger one is refused before it is parsed (a 60 MB profile once took 1.26 GB to decode).
const (
	MaxTargetBytes   = 1 << 20
	MaxScenarioBytes = 1 << 20
)

// readCapped reads name from fsys, refusing a file over max bytes.
func readCapped(fsys fs.FS, name, file string, max int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, batchcert.Usagef("%s: the file is larger than %d bytes: not a configuration file", file, max)
	}
	return data, nil
}

// readTargetFile reads a target profile from the OS file system, capped at MaxTargetBytes.
func readTargetFile(path string) ([]byte, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	return readCapped(os.DirFS(dir), base, path, MaxTargetBytes)
}

// configErr is a usage error in the target's configuration, naming its file (its name when it
// has none, e.g. a profile built in code) and the field.
func (t *Target) configErr(field string, err error) error {
	where := t.File
	if where == "" {
		where = "target " + t.Name
	}
	return &batchcert.ExitError{Code: batchcert.ExitUsage, Err: &FileError{File: where, Field: field, Err: err}}
}
