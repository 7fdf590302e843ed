package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The reference platform's control API paths (refplatform.Server.ControlHandler), under the
// control URL.
const (
	PathControl        = "/control"
	PathControlReset   = PathControl + "/reset"
	PathControlAdvance = PathControl + "/advance"
	PathControlFault   = PathControl + "/fault"
	PathControlNow     = PathControl + "/now"
)

// Defaults of the control client.
const (
	// DefaultControlTimeout bounds one control call, its body included.
	DefaultControlTimeout = DefaultTimeout
	// MaxControlBody caps a control answer's body: the reference's answers are a few dozen
	// bytes, and a control URL that points elsewhere is not trusted to be small.
	MaxControlBody = 64 << 10
)

// ErrControlBodyTooLarge is returned for a control answer whose body exceeds MaxControlBody;
// the body is not read further.
var ErrControlBodyTooLarge = errors.New("control answer body exceeds 64 KiB")

// ControlError is a control call the control API refused or answered with something the
// client cannot read: a non-2xx status (Status), a body over MaxControlBody or one that is
// not the documented JSON (Err). Call names the call ("POST /control/reset").
type ControlError struct {
	Call   string
	Status int // 0 when no answer came
	// Msg is the answer's message: its {"error": "..."} when it has one, else the start of
	// its body, quoted.
	Msg string
	Err error
}

func (e *ControlError) Error() string {
	var b strings.Builder
	b.WriteString("control " + e.Call)
	if e.Status != 0 {
		b.WriteString(": status " + strconv.Itoa(e.Status))
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *ControlError) Unwrap() error { return e.Err }

// Fault is an injected error of the reference (POST /control/fault): the next Count calls of
// Operation answer Status with error code Code.
type Fault struct {
	Operation string `json:"operation"`
	Count     int    `json:"count"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
}

// Control is the one client of the reference platform's control API (refplatform's
// ControlHandler): reset, the clock, injected faults. The suite and the load probes both
// drive the reference through it. It is safe for concurrent use. Every call is bounded by
// its context and by the client's timeout (DefaultControlTimeout), and reads at most
// MaxControlBody of an answer.
type Control struct {
	base    string
	http    *http.Client
	timeout time.Duration
}

// ControlOption configures a Control.
type ControlOption func(*Control)

// ControlHTTPClient makes the control calls with hc (default: NewHTTPClient's, no TLS).
func ControlHTTPClient(hc *http.Client) ControlOption { return func(c *Control) { c.http = hc } }

// ControlTimeout bounds each control call by d instead of DefaultControlTimeout; d <= 0 leaves
// only the caller's context.
func ControlTimeout(d time.Duration) ControlOption { return func(c *Control) { c.timeout = d } }

// ControlBase is the control URL u with no trailing slash and no trailing /control: the base
// the control paths are joined to. A profile may name the URL either way.
func ControlBase(u string) string {
	return strings.TrimSuffix(strings.TrimSuffix(u, "/"), PathControl)
}

// NewControl returns a client of the control API at base, the reference's control URL
// ("http://127.0.0.1:8744", or the same with /control).
func NewControl(base string, opts ...ControlOption) *Control {
	c := &Control{base: ControlBase(base), timeout: DefaultControlTimeout}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http, _ = NewHTTPClient(Options{}) // no TLS files: cannot fail
	}
	return c
}

// Reset drops the reference's state: tasks, tokens, throttle counters, injected faults. A
// caller holding tokens must forget them (Auth.Forget). Errors are *ControlError or the
// context's.
func (c *Control) Reset(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodPost, PathControlReset, nil)
	return err
}

// Advance moves the reference's clock forward by d (fractional seconds are sent as such).
// Errors are *ControlError or the context's.
func (c *Control) Advance(ctx context.Context, d time.Duration) error {
	_, err := c.call(ctx, http.MethodPost, PathControlAdvance, map[string]float64{"seconds": d.Seconds()})
	return err
}

// Fault injects f. Errors are *ControlError or the context's.
func (c *Control) Fault(ctx context.Context, f Fault) error {
	_, err := c.call(ctx, http.MethodPost, PathControlFault, f)
	return err
}

// Now reads the reference's clock (GET /control/now, {"now": RFC 3339}). An answer that is
// not 200 with a non-zero time is a *ControlError; there is no fallback time.
func (c *Control) Now(ctx context.Context) (time.Time, error) {
	body, err := c.call(ctx, http.MethodGet, PathControlNow, nil)
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseNow(body)
	if err != nil {
		return time.Time{}, &ControlError{Call: http.MethodGet + " " + PathControlNow, Status: http.StatusOK, Msg: excerpt(body), Err: err}
	}
	return t, nil
}

// parseNow reads a /control/now answer: one JSON object with a non-zero RFC 3339 "now".
func parseNow(body []byte) (time.Time, error) {
	var v struct {
		Now time.Time `json:"now"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return time.Time{}, fmt.Errorf("decode: %w", err)
	}
	if v.Now.IsZero() {
		return time.Time{}, errors.New(`no "now" time in the answer`)
	}
	return v.Now, nil
}

// Clock is the reference's clock through this client: Now reads /control/now and Sleep
// advances it. A failed read is handed to report (it must not be nil) and Now gives the zero
// time, which SleepUntil refuses to wait from.
func (c *Control) Clock(report func(error)) AdvanceClock {
	return AdvanceClock{
		NowFunc: func() time.Time {
			t, err := c.Now(context.Background())
			if err != nil {
				report(fmt.Errorf("read the platform's clock: %w", err))
			}
			return t
		},
		Advance: c.Advance,
	}
}

// call makes one control call with v as its JSON body ({} for nil on a POST) and returns the
// answer's body, which a 2xx status and the size cap admitted.
func (c *Control) call(ctx context.Context, method, path string, v any) ([]byte, error) {
	name := method + " " + path
	var rd io.Reader
	if method == http.MethodPost {
		body := []byte("{}")
		if v != nil {
			var err error
			if body, err = json.Marshal(v); err != nil {
				return nil, &ControlError{Call: name, Err: fmt.Errorf("encode: %w", err)}
			}
		}
		rd = bytes.NewReader(body)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, &ControlError{Call: name, Err: err}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &ControlError{Call: name, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxControlBody+1))
	switch {
	case err != nil:
		return nil, &ControlError{Call: name, Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
	case len(body) > MaxControlBody:
		return nil, &ControlError{Call: name, Status: resp.StatusCode, Err: ErrControlBodyTooLarge}
	case resp.StatusCode/100 != 2:
		return nil, &ControlError{Call: name, Status: resp.StatusCode, Msg: controlMessage(body)}
	}
	return body, nil
}

// controlMessage is a refused control call's message: the reference's {"error": "..."}, or
// the start of whatever else came.
func controlMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return excerpt([]byte(e.Error))
	}
	return excerpt(body)
}

// maxExcerpt is how much of an answer an error quotes.
const maxExcerpt = 200

// excerpt quotes the start of b (Go syntax, so a hostile body cannot forge output lines).
func excerpt(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	more := ""
	if len(b) > maxExcerpt {
		b, more = b[:maxExcerpt], "..."
	}
	return strconv.Quote(string(b)) + more
}
