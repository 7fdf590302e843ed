package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Defaults of the runner's HTTP client.
const (
	// DefaultBodyLimit caps a response body; a larger body is a failure, never read further.
	DefaultBodyLimit = 1 << 20
	// DefaultRequestTimeout bounds one exchange, body included.
	DefaultRequestTimeout = 10 * time.Second
	// MaxHeaderBytes caps the response headers of every client built here (suite, probes,
	// control): a larger header block aborts the exchange before it is read further.
	MaxHeaderBytes = apiclient.MaxHeaderBytes
	// MaxHeaderFields caps how many header fields an answer may carry; more is a failed check.
	MaxHeaderFields = 100
	// DefaultMaxTransportFailures is how many exchanges in a row may fail in transport (no
	// answer, a broken answer) before the run stops as INCOMPLETE: the target is unreachable.
	DefaultMaxTransportFailures = 5
)

// Paths of the authentication API.
const (
	loginPath   = apiclient.PathLogin
	refreshPath = apiclient.PathRefresh
)

// Exchange is one request and what came back.
type Exchange struct {
	Method     string
	URL        string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	Duration   time.Duration
	// Err is a transport failure, a timeout, or a body over the limit; Status is 0 unless the
	// headers arrived.
	Err error
	// dateBefore is the newest Date header of any answer read before this exchange was sent,
	// dateAnswer the Date of its own answer: the platform's clock around it (formats.go).
	dateBefore, dateAnswer time.Time
	// sentAt and answeredAt are the harness's clock when it was sent and its answer came.
	sentAt, answeredAt time.Time
	// GraphQL is set when the request went to the GraphQL facade: then Method, URL, ReqBody,
	// Status and RespBody are the REST exchange it stands for, and GraphQL the POST itself.
	GraphQL *GraphQLExchange
	// request is the request as sent (for the validator); for a GraphQL exchange, the REST
	// request it stands for.
	request *http.Request
}

// ErrBodyTooLarge is returned when a response body exceeds the client's limit.
var ErrBodyTooLarge = errors.New("response body exceeds the limit")

// ErrTooManyHeaders is returned when an answer carries more than MaxHeaderFields header fields.
var ErrTooManyHeaders = errors.New("response carries too many header fields")

// ErrUnreachable is the cause a run stops with after DefaultMaxTransportFailures consecutive
// transport failures.
var ErrUnreachable = errors.New("the target is unreachable")

// client sends requests to one target; its token cache logs each app in once and keeps its
// tokens.
type client struct {
	base *url.URL
	http *http.Client
	// conns counts the dials and TLS handshakes of http's transport; requests the calls.
	conns    *apiclient.ConnStats
	requests atomic.Int64
	limit    int64
	timeout  time.Duration
	// auth is the token cache (apiclient.Auth): each app's tokens, its logins serialised,
	// the logins and refreshes a scenario sends itself adopted under the app's lock.
	auth *apiclient.Auth
	// observe sees every exchange the client makes on its own (logins, refreshes).
	observe func(*Exchange)
	// learn is told every access and refresh token an answer carries, so that no output
	// quotes one (the redactor learns them).
	learn func(token string)
	// maxFailures > 0 stops the run (dead) after that many consecutive transport failures.
	maxFailures int
	dead        func(cause error)
	failMu      sync.Mutex
	failures    int
	// dates is the platform's clock as its Date headers give it (formats.go).
	dates dateClock
}

// HTTPClient returns a client configured for the target's TLS settings (CA bundle, client
// certificate, insecure switch) that does not follow redirects, for callers such as the load
// probes that talk to the same target.
func HTTPClient(t *Target) (*http.Client, error) { return newHTTPClient(t) }

func newHTTPClient(t *Target) (*http.Client, error) {
	c, err := apiclient.NewHTTPClient(apiclient.Options{TLS: apiclient.TLS(t.TLS)})
	if err != nil {
		return nil, err
	}
	c.Transport.(*http.Transport).ResponseHeaderTimeout = DefaultRequestTimeout
	return c, nil
}

// connections is what the client's calls cost so far under model: requests, dials and TLS
// handshakes; nil for a client that does not count them.
func (c *client) connections(model apiclient.ConnModel) *batchcert.Connections {
	if c.conns == nil {
		return nil
	}
	if model == "" {
		model = apiclient.KeepAlive
	}
	snap := c.conns.Snapshot(model)
	return &batchcert.Connections{Model: string(snap.Model), Requests: c.requests.Load(), Dials: snap.Dials,
		Handshakes: snap.Handshakes, HandshakeTime: snap.Handshake, HandshakeMean: snap.MeanHandshake(), Failed: snap.Failed}
}

// do sends one request and reads at most limit bytes of the answer.
func (c *client) do(ctx context.Context, method, path string, query url.Values, header http.Header, body []byte) *Exchange {
	return c.doURL(ctx, method, c.url(path, query), path, header, body)
}

// url is the target's URL of path with query: path is joined to the base URL's path.
func (c *client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = strings.TrimSuffix(c.base.Path, "/") + path
	u.RawQuery = query.Encode()
	return u.String()
}

// doURL sends one request to an absolute URL; path names it in errors.
func (c *client) doURL(ctx context.Context, method, target, path string, header http.Header, body []byte) *Exchange {
	ex := &Exchange{Method: method, URL: target, ReqHeader: header, ReqBody: body}
	run := ctx // the run's context: a failure after it ended is the run's, not the target's
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, ex.URL, bytes.NewReader(body))
	if err != nil {
		ex.Err = fmt.Errorf("build request: %w", err)
		return ex
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	ex.request = req
	c.dates.sent(ex, path)
	start := time.Now()
	c.requests.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Err = fmt.Errorf("send %s %s: %w", method, path, headerLimitErr(err))
		c.transportFailed(run, ex.Err)
		return ex
	}
	defer resp.Body.Close()
	ex.Status = resp.StatusCode
	ex.RespHeader = resp.Header
	c.dates.answered(ex, path)
	if n := headerFields(resp.Header); n > MaxHeaderFields {
		ex.RespHeader = clipHeader(resp.Header)
		ex.Duration = time.Since(start)
		ex.Err = fmt.Errorf("%s %s: %w (%d, at most %d)", method, path, ErrTooManyHeaders, n, MaxHeaderFields)
		c.answered(path)
		return ex
	}
	ex.RespBody, err = io.ReadAll(io.LimitReader(resp.Body, c.limit+1))
	ex.Duration = time.Since(start)
	switch {
	case err != nil:
		ex.Err = fmt.Errorf("read response of %s %s: %w", method, path, err)
		c.transportFailed(run, ex.Err)
		return ex
	case int64(len(ex.RespBody)) > c.limit:
		ex.RespBody = ex.RespBody[:c.limit]
		ex.Err = fmt.Errorf("%s %s: %w (%d bytes)", method, path, ErrBodyTooLarge, c.limit)
	}
	c.answered(path)
	c.learnTokens(ex.RespBody)
	return ex
}

// headerLimitErr names the cap when the transport refused an answer's header block.
func headerLimitErr(err error) error {
	if strings.Contains(err.Error(), "server response headers exceeded") {
		return fmt.Errorf("response headers exceed the limit of %d bytes: %w", MaxHeaderBytes, err)
	}
	return err
}

func headerFields(h http.Header) int {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	return n
}

// transportFailed counts a failure that is the target's (not the run's own cancellation) and
// stops the run after maxFailures in a row.
func (c *client) transportFailed(ctx context.Context, err error) {
	if ctx.Err() != nil || c.maxFailures <= 0 {
		return
	}
	c.failMu.Lock()
	c.failures++
	n := c.failures
	c.failMu.Unlock()
	if n == c.maxFailures && c.dead != nil {
		c.dead(fmt.Errorf("%w: %d consecutive transport failures, the last: %v", ErrUnreachable, n, err))
	}
}

// answered ends a run of transport failures, unless the answer was a login's or a refresh's:
// a target that logs in but answers no batch-task call is no less dead.
func (c *client) answered(path string) {
	if strings.HasPrefix(path, "/iocm/app/sec/") {
		return
	}
	c.failMu.Lock()
	c.failures = 0
	c.failMu.Unlock()
}

// learnTokens tells learn every accessToken and refreshToken of a JSON answer (login,
// refresh, or a platform that echoes one anywhere at the top level).
func (c *client) learnTokens(body []byte) {
	if c.learn == nil || !bytes.Contains(body, []byte("Token")) {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return
	}
	for _, k := range []string{"accessToken", "refreshToken", "access_token", "refresh_token"} {
		var tok string
		if json.Unmarshal(m[k], &tok) == nil && tok != "" {
			c.learn(tok)
		}
	}
}

// authDo is the token cache's apiclient.Doer: its logins and refreshes go through the client,
// so the suite records and validates them like every exchange (observe).
func (c *client) authDo(ctx context.Context, method, path string, h http.Header, body []byte) (int, []byte, error) {
	ex := c.do(ctx, method, path, nil, h, body)
	if c.observe != nil {
		c.observe(ex)
	}
	return ex.Status, ex.RespBody, ex.Err
}

// redactor removes credentials from evidence and messages: the known secrets, every token
// the run was issued (learned as the answers arrive), every token field and header.
type redactor struct {
	secrets []string
	mu      sync.Mutex
	tokens  []string
	known   map[string]bool
	// tell, when set, is told each token learned (the CLI redacts its own output with them).
	tell func(string)
}

// minTokenLen is the shortest token the redactor learns: a shorter value would redact
// ordinary words and proves nothing.
const minTokenLen = 6

// learn adds a token the run was issued.
func (r *redactor) learn(tok string) {
	if len(tok) < minTokenLen {
		return
	}
	r.mu.Lock()
	if r.known == nil {
		r.known = map[string]bool{}
	}
	fresh := !r.known[tok]
	if fresh {
		r.known[tok] = true
		r.tokens = append(r.tokens, tok)
	}
	r.mu.Unlock()
	if fresh && r.tell != nil {
		r.tell(tok)
	}
}

// check redacts everything a check says: its message, violations and evidence.
func (r *redactor) check(c *batchcert.Check) {
	c.Message = r.redact(c.Message)
	for i := range c.Violations {
		c.Violations[i].Message = r.redact(c.Violations[i].Message)
	}
	for i, e := range c.Evidence {
		c.Evidence[i].Request, c.Evidence[i].Response, c.Evidence[i].Curl = r.redact(e.Request), r.redact(e.Response), r.redact(e.Curl)
	}
}

const redacted = apiclient.Redacted

func (r *redactor) redact(s string) string {
	r.mu.Lock()
	known := append(append([]string{}, r.secrets...), r.tokens...)
	r.mu.Unlock()
	return apiclient.Redact(s, known...)
}

// maxEvidence caps each body in evidence text.
const maxEvidence = 4096

func clip(b []byte) string {
	if len(b) > maxEvidence {
		return string(b[:maxEvidence]) + fmt.Sprintf("\n[... %d more bytes]", len(b)-maxEvidence)
	}
	return string(b)
}

// maxHeaderValue caps one header value in evidence; maxHeaderLines caps the header lines.
const (
	maxHeaderValue = 256
	maxHeaderLines = 40
)

// headerText renders headers for evidence, clipped as bodies are: each value to
// maxHeaderValue bytes, the block to maxHeaderLines lines.
func headerText(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	lines, total := 0, headerFields(h)
	for _, k := range keys {
		for _, v := range h[k] {
			if lines == maxHeaderLines {
				fmt.Fprintf(&b, "[... %d more header lines]\n", total-lines)
				return b.String()
			}
			lines++
			fmt.Fprintf(&b, "%s: %s\n", clipText(k), clipText(v))
		}
	}
	return b.String()
}

func clipText(s string) string {
	if len(s) > maxHeaderValue {
		return s[:maxHeaderValue] + fmt.Sprintf("[... %d more bytes]", len(s)-maxHeaderValue)
	}
	return s
}

// clipHeader keeps an answer's headers as evidence shows them, so an oversized header block
// is not held in memory.
func clipHeader(h http.Header) http.Header {
	out := http.Header{}
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			if n == maxHeaderLines {
				return out
			}
			n++
			out[clipText(k)] = append(out[clipText(k)], clipText(v))
		}
	}
	return out
}

// evidence renders an exchange as redacted request and response text and a curl command.
func (r *redactor) evidence(ex *Exchange) batchcert.Evidence {
	if ex.GraphQL != nil {
		return r.graphqlEvidence(ex)
	}
	req := fmt.Sprintf("%s %s\n%s\n%s", ex.Method, ex.URL, headerText(ex.ReqHeader), clip(ex.ReqBody))
	var resp string
	switch {
	case ex.Status == 0 && ex.Err != nil:
		resp = "no response: " + ex.Err.Error()
	default:
		resp = fmt.Sprintf("HTTP %d\n%s\n%s", ex.Status, headerText(ex.RespHeader), clip(ex.RespBody))
		if ex.Err != nil {
			resp += "\n[" + ex.Err.Error() + "]"
		}
	}
	return batchcert.Evidence{Request: r.redact(req), Response: r.redact(resp), Curl: r.redact(curl(ex))}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// curl renders a command that repeats the exchange's request.
func curl(ex *Exchange) string {
	parts := []string{"curl", "-sS", "-i", "-X", ex.Method, shellQuote(ex.URL)}
	keys := make([]string, 0, len(ex.ReqHeader))
	for k := range ex.ReqHeader {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range ex.ReqHeader[k] {
			parts = append(parts, "-H", shellQuote(k+": "+v))
		}
	}
	if len(ex.ReqBody) > 0 {
		parts = append(parts, "--data-binary", shellQuote(clip(ex.ReqBody)))
	}
	return strings.Join(parts, " ")
}
