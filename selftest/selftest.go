package selftest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// Fault is a named fault of the reference platform.
type Fault = refplatform.Fault

// DefaultParallel is how many faulted platforms Run certifies at once by default.
const DefaultParallel = 2

// MaxCaughtBy is how many catching checks the matrix keeps per fault.
const MaxCaughtBy = 3

// Survived is what the matrix shows for a fault no MUST check caught.
const Survived = "SURVIVED"

// ErrCleanNonconformant is returned (wrapped) when the clean reference is not CONFORMANT:
// then no fault's result would mean anything, so none is run.
var ErrCleanNonconformant = errors.New("the clean reference platform is not conformant")

// CertifyFunc certifies a reference platform with the named faults switched on (none: the
// clean reference) and returns the run's results. An error means the run could not be made.
type CertifyFunc func(ctx context.Context, faults []string) (*batchcert.Results, error)

// Config is one self-test run.
type Config struct {
	// Certify runs the suite against a reference platform with faults; required.
	Certify CertifyFunc
	// Faults are the fault names to try, in matrix order; nil tries every named fault.
	Faults []string
	// Parallel is how many faulted platforms are certified at once (default DefaultParallel).
	Parallel int
	// Progress, when set, gets one line per fault as its run finishes.
	Progress io.Writer
	// FaultTimeout bounds one fault's run (default DefaultFaultTimeout): a suite change that
	// makes a faulted run wait (a real-time wait the reference's clock never ends) is an error
	// naming the fault, not a self-test that seems to hang.
	FaultTimeout time.Duration
}

// DefaultFaultTimeout is Config.FaultTimeout's default: a faulted run of the embedded
// reference takes about a second.
const DefaultFaultTimeout = 3 * time.Minute

// Run certifies the clean reference, then each fault, and returns the kill matrix in the
// order of cfg.Faults. It returns a usage error (batchcert.ExitUsage) for a missing Certify
// or an unknown fault, ErrCleanNonconformant (with the matrix's CleanConformant false) when
// the clean reference fails a MUST check, and the first error of Certify otherwise.
func Run(ctx context.Context, cfg Config) (*batchcert.SelfTest, error) {
	if cfg.Certify == nil {
		return nil, batchcert.Usagef("selftest: no Certify function")
	}
	faults, err := resolve(cfg.Faults)
	if err != nil {
		return nil, err
	}
	par := cfg.Parallel
	if par <= 0 {
		par = DefaultParallel
	}
	st := &batchcert.SelfTest{Faults: []batchcert.FaultKill{}}
	clean, err := cfg.Certify(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("selftest: certify the clean reference: %w", err)
	}
	if clean == nil {
		return nil, errors.New("selftest: certify the clean reference: no results")
	}
	// No failure at all, SHOULD included: a SHOULD failure catches a fault too (certifyFault).
	if failed := append(failures(clean, batchcert.Must), failures(clean, batchcert.Should)...); clean.Verdict != "CONFORMANT" || len(failed) > 0 {
		return st, fmt.Errorf("selftest: %w: verdict %s, failed %v", ErrCleanNonconformant, clean.Verdict, failed)
	}
	st.CleanConformant = true

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	kills := make([]batchcert.FaultKill, len(faults))
	errs := make([]error, len(faults))
	var progressMu sync.Mutex
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, f := range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			d := cmp.Or(cfg.FaultTimeout, DefaultFaultTimeout)
			fctx, fcancel := context.WithTimeoutCause(ctx, d, fmt.Errorf("its run took longer than %s (Config.FaultTimeout)", d))
			kills[i], errs[i] = certifyFault(fctx, cfg.Certify, f)
			fcancel()
			if errs[i] != nil {
				cancel()
				return
			}
			if cfg.Progress != nil {
				progressMu.Lock()
				fmt.Fprintln(cfg.Progress, strings.ReplaceAll(line(kills[i]), "\t", "  "))
				progressMu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		// The first real error, not the cancellations it caused.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("selftest: fault %s: %w", faults[i].Name, err)
		}
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("selftest: fault %s: %w", faults[i].Name, err)
		}
	}
	st.Faults = kills
	return st, nil
}

// resolve turns fault names into faults; nil means all.
func resolve(names []string) ([]Fault, error) {
	all := refplatform.Faults()
	if names == nil {
		return all, nil
	}
	byName := map[string]Fault{}
	for _, f := range all {
		byName[f.Name] = f
	}
	out := make([]Fault, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		f, ok := byName[n]
		if !ok {
			return nil, batchcert.Usagef("selftest: unknown fault %q (batchcert serve -list-faults lists them)", n)
		}
		if seen[n] {
			return nil, batchcert.Usagef("selftest: fault %q named twice", n)
		}
		seen[n] = true
		out = append(out, f)
	}
	return out, nil
}

// certifyFault certifies the reference with one fault and says whether it was caught.
func certifyFault(ctx context.Context, certify CertifyFunc, f Fault) (batchcert.FaultKill, error) {
	k := batchcert.FaultKill{Fault: f.Name, Description: f.Description}
	res, err := certify(ctx, []string{f.Name})
	if err != nil {
		return k, err
	}
	if res == nil {
		return k, errors.New("no results")
	}
	if res.Incomplete {
		if ctx.Err() != nil {
			return k, context.Cause(ctx)
		}
		return k, errors.New("the run was incomplete")
	}
	caught := failures(res, batchcert.Must)
	k.Kills, k.Observations = IndependentKills(f.Name, caught), Observations(f.Name, caught)
	if k.Kills == 0 {
		// A fault that breaks only what the docs' reading recommends (a SHOULD rule, such as
		// INV.status-moves under AMB.R8) leaves the verdict CONFORMANT by design; it is still
		// caught when a SHOULD check reports it.
		if should := failures(res, batchcert.Should); IndependentKills(f.Name, should) > 0 {
			k.ShouldOnly, k.Kills, k.Observations = true, IndependentKills(f.Name, should), Observations(f.Name, should)
			caught = append(caught, should...)
		}
	}
	if len(caught) > MaxCaughtBy {
		caught = caught[:MaxCaughtBy]
	}
	k.CaughtBy = caught
	k.Killed = len(k.CaughtBy) > 0
	return k, nil
}

// IndependentKills counts the distinct checks among failed that kill fault independently:
// a GraphQL parity check (scenario "parity") counts only for a fault of the GraphQL facade,
// never toward a REST-level rule.
func IndependentKills(fault string, failed []string) int {
	gql := strings.HasPrefix(fault, "gql-")
	seen := map[string]bool{}
	for _, id := range failed {
		if !gql && strings.HasPrefix(id, "parity/") {
			continue
		}
		seen[id] = true
	}
	return len(seen)
}

// Observations counts the distinct steps among the checks in failed that kill fault (parity
// filtered as in IndependentKills): a check id is "scenario/step/check", and the checks of one
// step judge one answer or one burst. A probe's check ("throttle.threshold") is its own.
func Observations(fault string, failed []string) int {
	gql := strings.HasPrefix(fault, "gql-")
	seen := map[string]bool{}
	for _, id := range failed {
		if !gql && strings.HasPrefix(id, "parity/") {
			continue
		}
		if i := strings.LastIndexByte(id, '/'); i > 0 && strings.IndexByte(id, '/') < i {
			id = id[:i]
		}
		seen[id] = true
	}
	return len(seen)
}

// failures lists the ids of the checks of severity sev that failed, in the run's order.
func failures(res *batchcert.Results, sev batchcert.Severity) []string {
	var out []string
	for _, c := range res.Checks {
		if c.Severity == sev && c.Outcome == batchcert.Fail {
			out = append(out, c.ID)
		}
	}
	return out
}

// Killed counts the faults caught and the faults tried.
func Killed(st *batchcert.SelfTest) (killed, total int) {
	if st == nil {
		return 0, 0
	}
	for _, k := range st.Faults {
		if k.Killed {
			killed++
		}
	}
	return killed, len(st.Faults)
}
