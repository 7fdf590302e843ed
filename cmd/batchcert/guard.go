package main

// The CLI's defences: every credential kept out of its output, signals and deadlines that end
// a run with honest partial results, and flag values checked instead of silently replaced.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/reports"
)

// credentials are every secret and token a run knows: its output is redacted with them and
// its reports are scanned for them before they are released.
type credentials struct {
	mu     sync.Mutex
	values []string
	seen   map[string]bool
}

func newCredentials() *credentials { return &credentials{seen: map[string]bool{}} }

// add learns a secret or an issued token; values shorter than reports.MinSecretLen are
// ignored (they would match by chance).
func (c *credentials) add(v string) {
	if len(v) < reports.MinSecretLen {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.seen[v] {
		c.seen[v] = true
		c.values = append(c.values, v)
	}
}

func (c *credentials) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.values...)
}

func (c *credentials) redact(s string) string {
	for _, v := range c.list() {
		s = strings.ReplaceAll(s, v, "***")
	}
	return s
}

// writer redacts what goes to w. Each Write is redacted whole; the CLI writes whole lines.
func (c *credentials) writer(w io.Writer) io.Writer { return &redactWriter{c: c, w: w} }

type redactWriter struct {
	c *credentials
	w io.Writer
}

func (r *redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.c.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactErr redacts an error's text, keeping its exit code.
func (c *credentials) redactErr(err error) error {
	if err == nil || errors.Is(err, errHelp) {
		return err
	}
	msg := c.redact(err.Error())
	if msg == err.Error() {
		return err
	}
	code := batchcert.ExitUnreachable
	var ee *batchcert.ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	}
	return &batchcert.ExitError{Code: code, Err: errors.New(msg)}
}

type credentialsKey struct{}

func withCredentials(ctx context.Context, c *credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, c)
}

// credentialsOf is the run's credentials (a fresh set when run was bypassed).
func credentialsOf(ctx context.Context) *credentials {
	if c, ok := ctx.Value(credentialsKey{}).(*credentials); ok {
		return c
	}
	return newCredentials()
}

// Signals. The first SIGINT or SIGTERM cancels the run with the signal as its cause: checks
// in flight become "not run (interrupted: signal interrupt)", the reports are written and
// marked incomplete, and the process exits within about a second. A second signal exits at
// once with ExitUnreachable.
func onSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, stderr io.Writer, exit func(code int)) {
	s, ok := <-sigs
	if !ok {
		return
	}
	fmt.Fprintf(stderr, "\nbatchcert: %v: stopping, the reports will be marked incomplete (again to exit at once)\n", s)
	cancel(fmt.Errorf("signal %v", s))
	if s, ok = <-sigs; ok {
		fmt.Fprintf(stderr, "batchcert: %v again: exiting now, without reports\n", s)
		exit(int(batchcert.ExitUnreachable))
	}
}

// Deadlines. Every command that talks to a target takes -deadline; without it, the check
// phase gets a default that fits its printed plan (certify.CheckDeadline) and each probe its
// plan's bound plus certify.ProbeGrace.

// deadlineFlag is the -deadline flag; set says whether it was given.
type deadlineFlag struct {
	d   time.Duration
	set bool
}

func addDeadlineFlag(fs *flag.FlagSet) *deadlineFlag {
	df := &deadlineFlag{}
	fs.Func("deadline", "end the whole run after `duration` with the checks not reached marked not run "+
		"(default: the check's plan plus 10m against a real target, 10m against the reference; each probe its plan's bound plus 2m)",
		func(s string) error {
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("not a duration: %q", s)
			}
			if d <= 0 {
				return fmt.Errorf("%s: must be positive", s)
			}
			df.d, df.set = d, true
			return nil
		})
	return df
}

// within bounds ctx by the flag's deadline, or by def when the flag was not given (def 0:
// no bound). The cause names what ended the run.
func (df *deadlineFlag) within(ctx context.Context, def time.Duration, what string, stderr io.Writer) (context.Context, context.CancelFunc) {
	d, how := df.d, "-deadline"
	if !df.set {
		d, how = def, "the default; -deadline sets another"
	}
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	fmt.Fprintf(stderr, "%s: deadline %s (%s)\n", what, batchcert.FormatDuration(d), how)
	return context.WithDeadlineCause(ctx, time.Now().Add(d), fmt.Errorf("the %s deadline of %s passed", what, d))
}

// announceDeadline says which default deadline bounds what (the pipeline applies it).
func announceDeadline(stderr io.Writer, what string, d time.Duration) {
	fmt.Fprintf(stderr, "%s: deadline %s (the default; -deadline sets another)\n", what, batchcert.FormatDuration(d))
}

// Flag values. A value the run cannot honour is a usage error naming the flag; nothing is
// silently replaced by a default.

// setFlags names the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// validLoadFlags rejects load flag values the probes would otherwise replace or misread.
func validLoadFlags(fs *flag.FlagSet, lf *loadFlags) error {
	set := setFlags(fs)
	positiveInt := map[string]int{"concurrency": lf.concurrency, "runs": lf.runs, "max-requests": lf.maxRequests}
	for _, name := range []string{"concurrency", "runs", "max-requests"} {
		if v := positiveInt[name]; v < 0 || (set[name] && v == 0) {
			return batchcert.Usagef("-%s %d: must be a positive number", name, v)
		}
	}
	positiveDur := map[string]time.Duration{"max-duration": lf.maxDuration, "step-duration": lf.stepDuration, "slo-p99": lf.sloP99}
	for _, name := range []string{"max-duration", "step-duration", "slo-p99"} {
		if v := positiveDur[name]; v < 0 || (set[name] && v == 0) {
			return batchcert.Usagef("-%s %s: must be a positive duration", name, v)
		}
	}
	if r := lf.maxErrRate; math.IsNaN(r) || r <= 0 || r > 1 {
		return batchcert.Usagef("-max-error-rate %v: must be a ratio in (0, 1], e.g. 0.01 for 1 %%", r)
	}
	if _, err := parseRates(lf.rates); err != nil {
		return err
	}
	lf.ratesSet = set["rates"]
	if _, err := apiclient.ParseConnModel(lf.conn); err != nil {
		return batchcert.Usagef("-conn: %v", err)
	}
	switch lf.operation {
	case "query", "create":
	default:
		return batchcert.Usagef("-operation %q: want query or create", lf.operation)
	}
	return nil
}

// validReference rejects reference settings the platform cannot run with.
func validReference(c refplatform.Config) error {
	if s := c.TimeScale; math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 {
		return batchcert.Usagef("-time-scale %v: must be a positive number", s)
	}
	if c.Throttle.Limit <= 0 {
		return batchcert.Usagef("-throttle-limit %d: must be a positive number", c.Throttle.Limit)
	}
	if c.Throttle.Window <= 0 {
		return batchcert.Usagef("-throttle-window %s: must be a positive duration", c.Throttle.Window)
	}
	if c.TaskLimit <= 0 {
		return batchcert.Usagef("-task-limit %d: must be a positive number", c.TaskLimit)
	}
	return nil
}

// validAddr rejects a listen address that cannot be listened on whatever the machine: not
// host:port, or a port outside 0..65535.
func validAddr(flagName, addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return batchcert.Usagef("-%s %q: not host:port: %v", flagName, addr, err)
	}
	n, err := strconv.Atoi(port)
	switch {
	case err == nil && (n < 0 || n > 65535):
		return batchcert.Usagef("-%s %q: port %d is not in 0..65535", flagName, addr, n)
	case err != nil:
		if _, err := net.LookupPort("tcp", port); err != nil {
			return batchcert.Usagef("-%s %q: port %q is neither a number in 0..65535 nor a service name", flagName, addr, port)
		}
	}
	return nil
}

// validServe rejects serve settings no machine can listen with or run: a listen address that
// is not host:port with a port in 0..65535 (a usage error, exit 2, not an unreachable target),
// and the reference settings validReference rejects.
func validServe(c refplatform.Config) error {
	if err := validAddr("addr", c.Addr); err != nil {
		return err
	}
	if err := validAddr("control-addr", c.ControlAddr); err != nil {
		return err
	}
	return validReference(c)
}
