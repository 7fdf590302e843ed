package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// API paths (docs/design.md, operations table); the client's, named here for the probes.
const (
	PathLogin = apiclient.PathLogin
	PathTasks = apiclient.PathTasks
)

// Error codes the probes recognise.
const (
	CodeThrottled = apiclient.CodeThrottled // app throttle exceed (RULE.throttle)
	CodeTaskLimit = apiclient.CodeTaskLimit // the app already has 10 unfinished tasks (RULE.tasklimit)
)

// DefaultHTTPTimeout bounds one probe call when Target.Client is nil.
const DefaultHTTPTimeout = 10 * time.Second

// maxBody caps how much of a response body a probe reads: outside input is never trusted to
// be small. A longer body is an error (ErrBodyTooLarge), never a truncated answer.
const maxBody = 1 << 20

// ErrBodyTooLarge is returned for an answer whose body exceeds maxBody: such an answer is
// not an admitted call, whatever its status.
var ErrBodyTooLarge = errors.New("response body exceeds 1 MiB")

// maxHeaderFields caps the header fields of an answer (their bytes are capped by the client's
// transport); ErrTooManyHeaders is returned beyond it.
const maxHeaderFields = 100

// ErrTooManyHeaders is returned for an answer with more than 100 header fields.
var ErrTooManyHeaders = errors.New("response carries more than 100 header fields")

func headerFields(h http.Header) int {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	return n
}

// App is one application's credentials. The secret never appears in output.
type App = apiclient.App

// Target is the platform the probes call.
type Target struct {
	// BaseURL is the API's base, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// Client makes the calls; nil means a client with DefaultHTTPTimeout.
	Client *http.Client
	// Apps maps an alias ("primary", "secondary") to an application's credentials.
	Apps map[string]App
	// Control is the reference platform's control URL, or "" for a real platform.
	Control string
	// OnToken, when set, is told every access token a login issues, so that the caller can
	// keep it out of every output.
	OnToken func(token string)
	// Fixture is what the probes' tasks are made of: the target profile's fixtures. The
	// probes know no device or command of their own.
	Fixture Fixture
	// Conn is the connection model of every probe call (the capacity steps' too):
	// apiclient.KeepAlive ("" too), or apiclient.NewConnection, a new connection and over TLS
	// a full handshake, presenting Client's certificate when the server asks for one, per
	// request, as the vendor's Java SDK does. The probes apply it to a clone of Client's
	// transport, which must then be an *http.Transport, and record what the connections cost
	// in their results (batchcert.Connections).
	Conn apiclient.ConnModel
}

// Fixture is the devices and the command the probes' tasks use, from the target profile
// (fixtures.deviceIds, serviceId, method). The first device should be the one that answers
// fastest: a probe's tasks then finish soon, and the race waits for them.
type Fixture struct {
	Devices   []string
	ServiceID string
	Method    string
	// NoAnswerDevice never answers (fixtures.noanswerDevice): with a control API that moves
	// the clock, the race's tasks on it finish only by their timeouts, one at a time, so the
	// slot-return phase can finish exactly one.
	NoAnswerDevice string
}

// Err says what the fixture lacks for a probe that creates tasks, naming the profile fields.
func (f Fixture) Err() error {
	switch {
	case len(f.Devices) == 0 || f.Devices[0] == "":
		return errors.New("the target profile names no device for the probes' tasks (fixtures.deviceIds)")
	case f.ServiceID == "" || f.Method == "":
		return errors.New("the target profile names no command for the probes' tasks (fixtures.serviceId and fixtures.method)")
	}
	return nil
}

// body is a DeviceCmd create body on the fixture's first device.
func (f Fixture) body(appID, name string, timeout int) []byte {
	b, _ := json.Marshal(map[string]any{
		"appId":    appID,
		"taskName": name,
		"taskType": "DeviceCmd",
		"timeout":  timeout,
		"param": map[string]any{
			"type":       "DeviceList",
			"deviceList": f.Devices[:1],
			"command":    map[string]any{"serviceId": f.ServiceID, "method": f.Method},
		},
	})
	return b
}

// Response is one answer of the platform, with its error code parsed when it has one.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Code is the body's error_code (a string, or a number read as its decimal text); "" when
	// the body has none.
	Code string
	// Desc is the body's error_desc.
	Desc string
	// Sent is when the call was sent, by the probe's clock.
	Sent time.Time
}

// Session makes the probes' authenticated calls through the one API client (package
// apiclient: its token cache, login and error-code reader). It is safe for concurrent use.
type Session struct {
	t Target
	// client makes the API calls, with t.Conn's model, counting its connections in stats.
	client *http.Client
	stats  apiclient.ConnStats
	// ctl makes the control API's calls (harness bookkeeping, not counted) with t.Client;
	// nil without a control URL.
	ctl      *apiclient.Control
	requests atomic.Int64
	err      error
	auth     *apiclient.Auth
}

// NewSession returns a session for t. A connection model that cannot be applied to t.Client
// makes every call fail with the error Err returns.
func NewSession(t Target) *Session {
	c := t.Client
	if c == nil {
		c, _ = apiclient.NewHTTPClient(apiclient.Options{}) // no TLS files: cannot fail
		c.Timeout = DefaultHTTPTimeout
	}
	s := &Session{t: t}
	if t.Control != "" {
		s.ctl = apiclient.NewControl(t.Control, apiclient.ControlHTTPClient(c))
	}
	s.client, s.err = apiclient.WithModel(c, t.Conn, &s.stats)
	if s.err != nil {
		s.client = c
		if _, ok := c.Transport.(*http.Transport); ok || (t.Conn != "" && t.Conn != apiclient.KeepAlive) {
			s.err = batchcert.Usagef("%w", s.err)
		} else {
			s.err = nil // keep-alive over a transport of the caller's own: used as is, not counted
		}
	}
	s.auth = apiclient.NewAuth(s.call, t.Apps, t.OnToken)
	return s
}

// Err is the error of a connection model the session could not apply, or nil.
func (s *Session) Err() error { return s.err }

// Connections is what the session's API calls cost so far: the model, the requests (the load
// steps' included), the dials and the TLS handshakes.
func (s *Session) Connections() *batchcert.Connections {
	snap := s.stats.Snapshot(s.t.Conn)
	return &batchcert.Connections{Model: string(snap.Model), Requests: s.requests.Load(), Dials: snap.Dials,
		Handshakes: snap.Handshakes, HandshakeTime: snap.Handshake, HandshakeMean: snap.MeanHandshake(), Failed: snap.Failed}
}

// call is the session's apiclient.Doer.
func (s *Session) call(ctx context.Context, method, path string, h http.Header, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.t.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = h
	resp, err := s.do(req)
	return resp.Status, resp.Body, err
}

// App returns the credentials of alias, or an error naming the alias.
func (s *Session) App(alias string) (App, error) {
	a, ok := s.t.Apps[alias]
	if !ok || a.AppID == "" {
		return App{}, fmt.Errorf("no app %q in the target", alias)
	}
	return a, nil
}

// Token returns alias's access token, logging in on first use. Login is not throttled
// (AMB.9), so it does not disturb a probe.
func (s *Session) Token(ctx context.Context, alias string) (string, error) {
	if _, err := s.App(alias); err != nil {
		return "", err
	}
	return s.auth.Token(ctx, alias)
}

// Query calls queryBatchTask for taskID as alias.
func (s *Session) Query(ctx context.Context, alias, taskID string) (Response, error) {
	req, err := s.authed(ctx, alias, http.MethodGet, PathTasks+"/"+url.PathEscape(taskID), nil)
	if err != nil {
		return Response{}, err
	}
	return s.do(req)
}

// Create calls createBatchTask as alias with a JSON body.
func (s *Session) Create(ctx context.Context, alias string, body []byte) (Response, error) {
	req, err := s.authed(ctx, alias, http.MethodPost, PathTasks, body)
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	return s.do(req)
}

// QueryRequest builds an authenticated queryBatchTask request for load generation.
func (s *Session) QueryRequest(ctx context.Context, alias, taskID string) (*http.Request, error) {
	return s.authed(ctx, alias, http.MethodGet, PathTasks+"/"+url.PathEscape(taskID), nil)
}

func (s *Session) authed(ctx context.Context, alias, method, path string, body []byte) (*http.Request, error) {
	app, err := s.App(alias)
	if err != nil {
		return nil, err
	}
	tok, err := s.Token(ctx, alias)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.t.BaseURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.Header.Set("app_key", app.AppID)
	req.Header.Set("Authorization", "Bearer "+tok)
	return req, nil
}

func (s *Session) do(req *http.Request) (Response, error) {
	if s.err != nil {
		return Response{}, s.err
	}
	s.requests.Add(1)
	resp, err := s.client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	if n := headerFields(resp.Header); n > maxHeaderFields {
		return Response{}, fmt.Errorf("%s %s: status %d: %w (%d)", req.Method, req.URL.Path, resp.StatusCode, ErrTooManyHeaders, n)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	if len(body) > maxBody {
		return Response{}, fmt.Errorf("%s %s: status %d: %w", req.Method, req.URL.Path, resp.StatusCode, ErrBodyTooLarge)
	}
	r := Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	r.Code, r.Desc = ErrorCode(body)
	return r, nil
}

// ErrorCode reads an error body's code and description, in either shape the platform may
// answer ({"error_code","error_desc"} or a gateway's {"resultcode","resultmsg"}; a code may
// be a string or a number): apiclient.ErrorCode. A body with no code gives "".
func ErrorCode(body []byte) (code, desc string) {
	e := apiclient.ErrorCode(body)
	return e.Code, e.Desc
}

// ThrottleViolation says what is wrong with a throttled answer (RULE.throttle, §1 and §2
// rows 403/1010009), or "" when it is a well-formed 403 {"error_code":"1010009",...}.
func ThrottleViolation(r Response) string {
	var probs []string
	if r.Status != http.StatusForbidden {
		probs = append(probs, "status "+strconv.Itoa(r.Status)+", want 403")
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Body, &m) != nil {
		probs = append(probs, "body is not a JSON object")
	} else {
		var code string
		if json.Unmarshal(m["error_code"], &code) != nil || code != CodeThrottled {
			probs = append(probs, `error_code is not the string "1010009"`)
		}
		var desc string
		if json.Unmarshal(m["error_desc"], &desc) != nil || desc == "" {
			probs = append(probs, "error_desc missing")
		}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		probs = append(probs, "Content-Type "+strconv.Quote(ct)+", want application/json")
	}
	return strings.Join(probs, "; ")
}

// errNoControl is returned by control calls on a target without a control URL.
var errNoControl = errors.New("the target has no control URL")

// ControlReset asks the reference platform to drop its state (tasks, tokens, throttle
// counters); the session forgets its tokens too and logs in again on next use.
func (s *Session) ControlReset(ctx context.Context) error {
	if s.ctl == nil {
		return errNoControl
	}
	if err := s.ctl.Reset(ctx); err != nil {
		return err
	}
	s.auth.Forget()
	return nil
}

// ControlAdvance moves the reference platform's clock forward by d.
func (s *Session) ControlAdvance(ctx context.Context, d time.Duration) error {
	if s.ctl == nil {
		return errNoControl
	}
	return s.ctl.Advance(ctx, d)
}
