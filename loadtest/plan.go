package loadtest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
)

// Plan states a probe's bounds before it starts: no probe sends more, faster or longer than
// its plan says.
type Plan struct {
	// Probe names the probe ("throttle", "tasklimit", "capacity").
	Probe string
	// MaxRate is the highest paced rate in requests per second; 0 when calls are unpaced
	// (sequential or MaxInFlight at a time, as fast as the target answers).
	MaxRate float64
	// MaxInFlight bounds concurrent requests (0: set by the rate, as in vegeta).
	MaxInFlight int
	// MaxDuration bounds the probe's time, by its clock.
	MaxDuration time.Duration
	// MaxRequests bounds the requests sent (logins and control calls not counted).
	MaxRequests int
	// Steps says what the probe will do, in order.
	Steps []string
	// Note says anything else the operator should know (e.g. how long against a real platform).
	Note string
}

// String renders the plan for the operator, e.g. on stderr before the probe starts.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s probe: at most %d requests in at most %s", p.Probe, p.MaxRequests, batchcert.FormatDuration(p.MaxDuration))
	if p.MaxRate > 0 {
		fmt.Fprintf(&b, ", at most %s", batchcert.FormatRate(p.MaxRate))
	}
	if p.MaxInFlight > 0 {
		fmt.Fprintf(&b, ", at most %d in flight", p.MaxInFlight)
	}
	b.WriteString("\n")
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
	}
	if p.Note != "" {
		b.WriteString("  " + p.Note + "\n")
	}
	return b.String()
}

// ErrPartial marks a probe result cut short (context cancelled, or a bound reached): the
// result returned beside it holds what was measured until then. Test with errors.Is.
var ErrPartial = errors.New("probe stopped early: results are partial")

// ErrOverThrottle is returned when a capacity plan's rate exceeds the declared throttle and
// AllowOverThrottle is not set.
var ErrOverThrottle = errors.New("rate above the declared throttle")

// partial wraps cause as a partial result.
func partial(cause error) error {
	if cause == nil || errors.Is(cause, ErrPartial) {
		return cause
	}
	return fmt.Errorf("%w: %w", ErrPartial, cause)
}
