package apiclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// The API's paths (docs/design.md, operations table).
const (
	PathLogin       = "/iocm/app/sec/v1.1.0/login"
	PathRefresh     = "/iocm/app/sec/v1.1.0/refreshToken"
	PathTasks       = "/iocm/app/batchtask/v1.1.0/tasks"
	PathTaskDetails = "/iocm/app/batchtask/v1.1.0/taskDetails"
)

// Error codes the harness acts on.
const (
	CodeThrottled    = "1010009" // app throttle exceeded (RULE.throttle)
	CodeTaskLimit    = "105001"  // the app already has its unfinished tasks (RULE.tasklimit)
	CodeTokenInvalid = "1010005" // the access token is invalid or superseded
)

// Defaults of the HTTP client, reused as flag defaults.
const (
	// MaxHeaderBytes caps an answer's header block on every client built here.
	MaxHeaderBytes = 64 << 10
	// DefaultTimeout bounds waiting for an answer's headers.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxIdlePerHost is how many idle keep-alive connections a client keeps.
	DefaultMaxIdlePerHost = 64
)

// TLS says how to reach a target over TLS; the zero value trusts the system roots.
type TLS struct {
	CAFile   string // PEM bundle of the CAs to trust instead of the system's
	CertFile string // client certificate (PEM), with KeyFile
	KeyFile  string
	Insecure bool // skip verifying the server's certificate
}

// ConnModel is how a client uses connections.
type ConnModel string

// The connection models.
const (
	// KeepAlive reuses connections (the default).
	KeepAlive ConnModel = "keep-alive"
	// NewConnection opens a connection, and over TLS does a full handshake, for every
	// request, as the vendor's Java SDK does when the server asks for a client certificate
	// (Apache HttpClient keeps such stateful connections per user, so each call dials anew).
	NewConnection ConnModel = "new-connection"
)

// ParseConnModel reads a -conn flag value.
func ParseConnModel(s string) (ConnModel, error) {
	switch ConnModel(s) {
	case KeepAlive, NewConnection:
		return ConnModel(s), nil
	case "":
		return KeepAlive, nil
	}
	return "", fmt.Errorf("connection model %q: want %s or %s", s, KeepAlive, NewConnection)
}

// ConnStats counts what a client's connections cost. Read it with Snapshot.
type ConnStats struct {
	dials      atomic.Int64
	handshakes atomic.Int64
	handshakeT atomic.Int64 // nanoseconds
	failed     atomic.Int64
}

// ConnSnapshot is ConnStats at one moment.
type ConnSnapshot struct {
	Model      ConnModel     `json:"model"`
	Dials      int64         `json:"dials"`
	Handshakes int64         `json:"tlsHandshakes"`
	Handshake  time.Duration `json:"tlsHandshakeTotalNs"`
	Failed     int64         `json:"tlsHandshakesFailed"`
}

// MeanHandshake is the mean duration of one TLS handshake, 0 when there was none.
func (s ConnSnapshot) MeanHandshake() time.Duration {
	if s.Handshakes == 0 {
		return 0
	}
	return s.Handshake / time.Duration(s.Handshakes)
}

// Options of NewHTTPClient.
type Options struct {
	TLS   TLS
	Model ConnModel
	// Stats, when set, counts dials and TLS handshakes.
	Stats *ConnStats
	// MaxIdlePerHost overrides DefaultMaxIdlePerHost for KeepAlive.
	MaxIdlePerHost int
}

// NewHTTPClient builds the HTTP client every part of batchcert uses to reach a target: TLS as
// configured, headers capped at MaxHeaderBytes and awaited at most DefaultTimeout, redirects
// not followed (a redirect is an answer to judge), connections per the model. Errors name the
// TLS file that could not be used.
func NewHTTPClient(o Options) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = DefaultMaxIdlePerHost
	if o.MaxIdlePerHost > 0 {
		tr.MaxIdleConnsPerHost = o.MaxIdlePerHost
	}
	tr.MaxResponseHeaderBytes = MaxHeaderBytes
	tr.ResponseHeaderTimeout = DefaultTimeout
	cfg, err := tlsConfig(o.TLS)
	if err != nil {
		return nil, err
	}
	tr.TLSClientConfig = cfg
	if err := applyModel(tr, o.Model, o.Stats); err != nil {
		return nil, err
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, nil
}

// WithModel returns a copy of c whose transport, a clone of c's, uses model and counts its
// dials and TLS handshakes in st when st is non-nil; c itself is not changed. c's transport
// must be an *http.Transport (nil: http.DefaultTransport), as NewHTTPClient's is.
func WithModel(c *http.Client, model ConnModel, st *ConnStats) (*http.Client, error) {
	cc := *c
	rt := cc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return nil, fmt.Errorf("connection model %s: the client's transport is a %T, not an *http.Transport", model, rt)
	}
	tr = tr.Clone()
	if err := applyModel(tr, model, st); err != nil {
		return nil, err
	}
	cc.Transport = tr
	return &cc, nil
}

func applyModel(tr *http.Transport, model ConnModel, st *ConnStats) error {
	switch model {
	case "", KeepAlive:
	case NewConnection:
		tr.DisableKeepAlives = true
	default:
		return fmt.Errorf("connection model %q: want %s or %s", model, KeepAlive, NewConnection)
	}
	if st != nil {
		instrument(tr, tr.TLSClientConfig, st)
	}
	return nil
}

func tlsConfig(t TLS) (*tls.Config, error) {
	if t == (TLS{}) {
		return nil, nil
	}
	cfg := &tls.Config{InsecureSkipVerify: t.Insecure} //nolint:gosec // the profile asks for it
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read tls.caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.caFile %s: no certificate found", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load tls client certificate (tls.certFile %s, tls.keyFile %s): %w", t.CertFile, t.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// instrument counts the transport's dials and times its TLS handshakes, which it then does
// itself (with the same configuration the transport would use).
func instrument(tr *http.Transport, cfg *tls.Config, st *ConnStats) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		st.dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		st.dials.Add(1)
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := cfg.Clone()
		if c == nil {
			c = &tls.Config{}
		}
		if c.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			c.ServerName = host
		}
		conn := tls.Client(raw, c)
		start := time.Now()
		err = conn.HandshakeContext(ctx)
		st.handshakes.Add(1)
		st.handshakeT.Add(int64(time.Since(start)))
		if err != nil {
			st.failed.Add(1)
			_ = raw.Close()
			return nil, err
		}
		return conn, nil
	}
}

// Snapshot reads the counters; model is recorded with them.
func (s *ConnStats) Snapshot(model ConnModel) ConnSnapshot {
	if model == "" {
		model = KeepAlive
	}
	return ConnSnapshot{Model: model, Dials: s.dials.Load(), Handshakes: s.handshakes.Load(),
		Handshake: time.Duration(s.handshakeT.Load()), Failed: s.failed.Load()}
}

// ErrNoApp is returned for an alias the target does not name.
var ErrNoApp = errors.New("no such application in the target profile")
