package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/scenarios"
)

// addListFlag is -list (and its alias -dry-run): print what a run would do and exit 0.
func addListFlag(fs *flag.FlagSet) *bool {
	list := new(bool)
	const usage = "print the plan (scenarios, their checks with requirement ids, the load plans) and exit 0 without starting or calling any platform"
	fs.BoolVar(list, "list", false, usage)
	fs.BoolVar(list, "dry-run", false, "the same as -list")
	return list
}

// planTarget is the target a plan is printed for: the profile file, read but not contacted, or
// the embedded reference's profile (the reference is not started).
func planTarget(tf *targetFlags) (*scenarios.Target, string, error) {
	if tf.file == "" {
		return scenarios.ReferenceTarget(), "the embedded reference platform (started in-process for a run)", nil
	}
	t, err := scenarios.LoadTarget(tf.file)
	if err != nil {
		return nil, "", batchcert.Usagef("%w", err)
	}
	return t, t.BaseURL, nil
}

// selectScenarios is the run's scenarios; a -run that selects none is a usage error, caught
// before anything is started.
func selectScenarios(cfg scenarios.Config) (chosen, all []*scenarios.Scenario, err error) {
	chosen, all, err = scenarios.Selected(cfg)
	if err != nil {
		return nil, nil, err
	}
	if len(chosen) == 0 && !cfg.Select.All() {
		return nil, nil, batchcert.Usagef("-run %q matches none of the %d scenarios (batchcert check -list shows them)", cfg.Select, len(all))
	}
	return chosen, all, nil
}

// listPlan prints what a run of cfg on tf's target would do: the scenarios with their checks
// and requirement ids, then (lf non-nil: certify) the load plans. It sends nothing.
func listPlan(w io.Writer, tf *targetFlags, cfg scenarios.Config, lf *loadFlags) error {
	t, where, err := planTarget(tf)
	if err != nil {
		return err
	}
	cfg.Target = t
	chosen, all, err := selectScenarios(cfg)
	if err != nil {
		return err
	}
	profile := t.Profile
	if cfg.Profile != "" {
		profile = cfg.Profile
	}
	fmt.Fprintf(w, "target   %s: %s\nprofile  %s\n", t.Name, where, profile)
	if cfg.Select.All() {
		fmt.Fprintf(w, "suite    %s\n", plural(len(all), "scenario"))
	} else {
		fmt.Fprintf(w, "suite    -run %s selects %d of %s\n", cfg.Select, len(chosen), plural(len(all), "scenario"))
	}
	checks := 0
	for _, sc := range chosen {
		planned := scenarios.PlannedChecks(sc)
		checks += len(planned)
		fmt.Fprintf(w, "\n%s (%s)", sc.Name, sc.File)
		if ops := scenarios.ScenarioOperations(sc); len(ops) > 0 {
			fmt.Fprintf(w, " calls %s", strings.Join(ops, ", "))
		}
		if len(sc.Needs) > 0 {
			fmt.Fprintf(w, "; needs %s", strings.Join(sc.Needs, ", "))
		}
		fmt.Fprintln(w)
		for _, c := range planned {
			fmt.Fprintf(w, "  %-56s %s\n", c.ID, strings.Join(c.Requirements, " "))
		}
	}
	fmt.Fprintf(w, "\n%s in %s, plus each answer's contract validation and the client's logins\n",
		plural(checks, "check"), plural(len(chosen), "scenario"))
	if tf.file != "" {
		if plan, err := scenarios.PlanRun(cfg); err == nil {
			fmt.Fprintf(w, "plan     %s\n", plan)
			if cfg.RealTime && uncontrolled(false, t) && plan.LongestWait > 0 {
				fmt.Fprintf(w, "         on the platform's own clock; its longest wait is %s (%s)\n",
					batchcert.FormatDuration(plan.LongestWait), plan.LongestStep)
			}
		}
	}
	if lf == nil {
		return nil
	}
	fmt.Fprintln(w, "\nload plans (after the suite; -load=false leaves them out):")
	t.Profile = profile // the run's reading judges the probes too
	for _, p := range loadPlans(t, tf.file == "", lf) {
		fmt.Fprintf(w, "  %s\n", p)
	}
	return nil
}

// loadPlans describes the probes certify would run, as the pipeline configures them
// (certify.Plans); a probe that cannot be planned says why.
func loadPlans(t *scenarios.Target, reference bool, lf *loadFlags) []string {
	l, err := lf.config()
	if err != nil {
		return []string{err.Error()}
	}
	plans, err := certify.Plans(t, reference, l)
	var out []string
	for _, p := range plans {
		out = append(out, p.String())
	}
	if err != nil {
		out = append(out, err.Error())
	}
	return out
}

// addRunFlag is -run: the scenarios a run plays (scenarios.ParseSelector).
func addRunFlag(fs *flag.FlagSet) *string {
	return fs.String("run", "", "run only the scenarios a comma-separated list of `selectors` picks: a scenario-name regexp, "+
		"req:RE (a requirement id), op:NAME (an operation: create, query, details, login, refresh or its operationId) "+
		"or code:CODE (an error code); batchcert check -list -run ... shows the choice")
}

func plural(n int, word string) string { return batchcert.Plural(n, word) }
