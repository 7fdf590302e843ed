package refplatform

import (
	"fmt"
	"sort"
	"sync"
)

// Fault is a named way to break the reference platform on purpose. The self-test switches each
// one on and expects at least one check to catch it.
type Fault struct {
	Name        string
	Description string
}

// The named faults. Adding one is an entry here and an `if p.fault(...)` on its code path.
const (
	FaultCreateTaskIDLowercase = "create-taskId-lowercase"
	FaultProgressPercent       = "progress-percent"
	FaultTaskLimit11           = "tasklimit-11"
	FaultTaskLimitNonAtomic    = "tasklimit-nonatomic"
	FaultThrottle110           = "throttle-110"
	FaultStartTimeRFC3339      = "starttime-rfc3339"
	FaultTokenNotSuperseded    = "token-not-superseded"
	FaultErrorBodyResultCode   = "error-body-resultcode"
)

var faultRegistry = map[string]string{
	FaultCreateTaskIDLowercase: "create answers {\"taskId\"} instead of {\"taskID\"} (AMB.1)",
	FaultProgressPercent:       "query answers progress in percent (0..100) instead of permille (AMB.3)",
	FaultTaskLimit11:           "the task limit admits 11 unfinished tasks instead of 10 (AMB.10)",
	FaultTaskLimitNonAtomic:    "the task-limit check and the insert are not atomic, so concurrent creates over-admit (RULE.tasklimit)",
	FaultThrottle110:           "the throttle admits 10 calls more per window than configured (AMB.9)",
	FaultStartTimeRFC3339:      "query answers startTime in RFC 3339 instead of yyyyMMdd'T'HHmmss'Z' (AMB.11)",
	FaultTokenNotSuperseded:    "a new login does not invalidate the application's previous access token (RULE.token-latest)",
	FaultErrorBodyResultCode:   "error bodies are {\"resultcode\",\"resultmsg\"} instead of {\"error_code\",\"error_desc\"} (AMB.7)",
}

// Faults lists the named faults, sorted by name.
func Faults() []Fault {
	out := make([]Fault, 0, len(faultRegistry))
	for n, d := range faultRegistry {
		out = append(out, Fault{Name: n, Description: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// faultSet is the set of named faults in force.
type faultSet map[string]bool

func newFaultSet(names []string) (faultSet, error) {
	s := faultSet{}
	for _, n := range names {
		if _, ok := faultRegistry[n]; !ok {
			return nil, fmt.Errorf("unknown fault %q (see refplatform.Faults)", n)
		}
		s[n] = true
	}
	return s, nil
}

// injected is a control-API fault: the next count calls of an operation answer status/code.
type injected struct {
	count  int
	status int
	code   string
}

// injector holds the control-API faults per operation.
type injector struct {
	mu  sync.Mutex
	ops map[string]*injected
}

func (in *injector) set(op string, f injected) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ops == nil {
		in.ops = map[string]*injected{}
	}
	if f.count <= 0 {
		delete(in.ops, op)
		return
	}
	in.ops[op] = &f
}

// take consumes one injected answer of op, if any.
func (in *injector) take(op string) (*apiError, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	f := in.ops[op]
	if f == nil {
		return nil, false
	}
	f.count--
	if f.count <= 0 {
		delete(in.ops, op)
	}
	return errAt(f.status, f.code), true
}

func (in *injector) clear() {
	in.mu.Lock()
	in.ops = nil
	in.mu.Unlock()
}
