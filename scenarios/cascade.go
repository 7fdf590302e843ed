package scenarios

import (
	"fmt"
	"regexp"
	"strings"
)

// Cascades. A check whose setup failed (a capture an earlier step did not make, a template
// naming a variable no step set) never judged the platform: it is NOT-RUN, with a message that
// names the step whose failure it follows ("not run: step X failed (…)"), and it is counted
// apart from the checks that judged the platform. The step it names is the root cause, so the
// report can show one fault as one finding with its consequences.

// missingKey matches text/template's error for a variable that is not set.
var missingKey = regexp.MustCompile(`map has no entry for key "([^"]+)"`)

// notRunPrefix starts the message of every NOT-RUN check.
const notRunPrefix = "not run: "

// lostCapture records that a capture of step st was not made, and why.
func (r *scenarioRun) lostCapture(st Step, name, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken == nil {
		r.broken = map[string]string{}
	}
	if _, ok := r.broken[name]; !ok {
		r.broken[name] = fmt.Sprintf("step %q failed (%s)", st.Name, why)
	}
}

// lostStep records that none of step st's captures was made: the step could not be sent. A
// step that was itself not run passes its root cause on.
func (r *scenarioRun) lostStep(st Step, why string) {
	if root, ok := strings.CutPrefix(why, notRunPrefix); ok {
		r.mu.Lock()
		if r.broken == nil {
			r.broken = map[string]string{}
		}
		for _, name := range stepVars(st) {
			if _, ok := r.broken[name]; !ok {
				r.broken[name] = root
			}
		}
		r.mu.Unlock()
		return
	}
	for _, name := range stepVars(st) {
		r.lostCapture(st, name, firstLine(why))
	}
}

// lostStepID is lostStep for the step a check id "scenario/step/..." names.
func (r *scenarioRun) lostStepID(id, why string) {
	rest := strings.TrimPrefix(id, r.sc.Name+"/")
	for _, st := range r.sc.all() {
		if strings.HasPrefix(rest, st.Name+"/") {
			r.lostStep(st, why)
			return
		}
	}
}

// stepVars are the variables a step sets: its captures and its set entries.
func stepVars(st Step) []string {
	var out []string
	for name := range st.Capture {
		out = append(out, name)
	}
	for name := range st.Set {
		out = append(out, name)
	}
	return out
}

// setupFailure tells whether an error met while preparing a check is a setup failure, and gives
// the NOT-RUN message that names its root cause.
func (r *scenarioRun) setupFailure(msg string) (string, bool) {
	m := missingKey.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	r.mu.Lock()
	why, ok := r.broken[m[1]]
	r.mu.Unlock()
	if ok {
		return notRunPrefix + why, true
	}
	return fmt.Sprintf("%svariable %q was never set: no earlier step captured it", notRunPrefix, m[1]), true
}

// setupFailures turns a list of problems into a NOT-RUN message when one of them is a setup
// failure: the other problems were judged on a check that could not be prepared.
func (r *scenarioRun) setupFailures(problems []string) (string, bool) {
	for _, p := range problems {
		if msg, ok := r.setupFailure(p); ok {
			return msg, true
		}
	}
	return "", false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
