package refplatform

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert/refplatform/gqlfacade"
)

// Defaults of the server's options, reused as flag defaults by cmd/batchcert.
const (
	DefaultAddr        = "127.0.0.1:0"
	DefaultControlAddr = "127.0.0.1:0"
	DefaultTimeScale   = 1.0
)

// Timeouts of both listeners: a client that stalls its headers, its body or an idle
// connection is cut off, so no peer holds the platform's connections open indefinitely.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	IdleTimeout       = 60 * time.Second
	// CloseGrace is how long Close lets in-flight requests finish before it closes them.
	CloseGrace = 200 * time.Millisecond
)

// Server is the reference platform with its two listeners: the platform API and the control
// API (never on the platform's port).
type Server struct {
	p *platform

	addr, controlAddr string
	timeScale         float64
	// callbackAnyHost lets callbacks leave the machine (WithCallbackAnyHost).
	callbackAnyHost   bool
	certDir           string
	clientCA          string
	requireClientCert bool
	faultNames        []string

	ln, cln        net.Listener
	srv, csrv      *http.Server
	certFile       string
	certReused     bool
	tlsConf        *tls.Config
	stopPump, pump chan struct{}
	closed         atomic.Bool
}

// Option configures a Server.
type Option func(*Server) error

// WithWorld sets the world (default: DefaultWorld()).
func WithWorld(w *World) Option {
	return func(s *Server) error {
		if w == nil {
			return errors.New("world is nil")
		}
		s.p.world = w
		return nil
	}
}

// WithClock sets the clock; it wins over WithTimeScale.
func WithClock(c Clock) Option {
	return func(s *Server) error {
		if c == nil {
			return errors.New("clock is nil")
		}
		s.p.clock = c
		return nil
	}
}

// WithTimeScale runs the default ScaledClock scale times faster than real time (600: a
// platform minute in 0.1 s).
func WithTimeScale(scale float64) Option {
	return func(s *Server) error {
		if !(scale > 0 && scale <= 1e6) {
			return fmt.Errorf("time scale %v: want 0 < scale <= 1e6", scale)
		}
		s.timeScale = scale
		return nil
	}
}

// WithThrottle sets the per-application throttle (default DefaultThrottle).
func WithThrottle(c ThrottleConfig) Option {
	return func(s *Server) error {
		if err := c.validate(); err != nil {
			return err
		}
		s.p.throttle = c
		return nil
	}
}

// WithTaskLimit sets the unfinished-task limit per application (default DefaultTaskLimit).
func WithTaskLimit(n int) Option {
	return func(s *Server) error {
		if n < 1 {
			return fmt.Errorf("task limit %d: must be >= 1", n)
		}
		s.p.taskLimit = n
		return nil
	}
}

// WithTokenLifetime sets the access token's lifetime (default AccessTokenLifetime, the
// documented 3600 s), which login answers as expiresIn: a platform may configure another, and a
// real-time certification then need not wait an hour for RULE.token-expiry.
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Server) error {
		if d < time.Second || d > RefreshTokenLifetime {
			return fmt.Errorf("token lifetime %s: want 1s..%s", d, RefreshTokenLifetime)
		}
		s.p.tokenLife = d
		return nil
	}
}

// WithAddr sets the platform's listen address (default DefaultAddr).
func WithAddr(addr string) Option {
	return func(s *Server) error { s.addr = addr; return nil }
}

// WithControlAddr sets the control API's listen address (default DefaultControlAddr); ""
// disables the control listener (ControlHandler still works).
func WithControlAddr(addr string) Option {
	return func(s *Server) error { s.controlAddr = addr; return nil }
}

// WithTLS serves the platform over HTTPS with a self-signed ECDSA certificate for 127.0.0.1,
// ::1 and localhost in certDir/cert.pem (key.pem beside it), so clients can trust it: the one
// already there when it is valid, else a fresh one written there.
func WithTLS(certDir string) Option {
	return func(s *Server) error {
		if certDir == "" {
			return errors.New("tls: empty certificate directory")
		}
		s.certDir = certDir
		return nil
	}
}

// WithClientCA verifies client certificates against the CA bundle in pemPath (two-way TLS);
// require makes a certificate mandatory. It needs WithTLS.
func WithClientCA(pemPath string, require bool) Option {
	return func(s *Server) error {
		s.clientCA, s.requireClientCert = pemPath, require
		return nil
	}
}

// WithFaults switches named faults on (see Faults).
func WithFaults(names ...string) Option {
	return func(s *Server) error {
		s.faultNames = append(s.faultNames, names...)
		return nil
	}
}

// WithCallbackAnyHost lets callbacks go to any host. By default the reference calls back only
// to loopback addresses, so a task never makes it send traffic off the machine.
func WithCallbackAnyHost() Option {
	return func(s *Server) error {
		s.callbackAnyHost = true
		return nil
	}
}

// WithLogger sets the logger (default: discard). Secrets and tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *Server) error {
		if l == nil {
			return errors.New("logger is nil")
		}
		s.p.log = l
		return nil
	}
}

// New builds a reference platform. It does not listen until Open.
func New(opts ...Option) (*Server, error) {
	s := &Server{
		addr: DefaultAddr, controlAddr: DefaultControlAddr, timeScale: DefaultTimeScale,
		p: &platform{throttle: DefaultThrottle, taskLimit: DefaultTaskLimit,
			log: slog.New(slog.NewTextHandler(io.Discard, nil)), calls: map[string]*atomic.Int64{}},
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, fmt.Errorf("refplatform: %w", err)
		}
	}
	var err error
	if s.p.faults, err = newFaultSet(s.faultNames); err != nil {
		return nil, fmt.Errorf("reference platform: %w", err)
	}
	if s.p.gql, err = gqlfacade.New(gqlfacade.Options{REST: s.p, TasksPath: PathTasks, DetailsPath: PathDetails,
		Faults: gqlfacade.FaultsFor(s.p.faults), Logger: s.p.log}); err != nil {
		return nil, fmt.Errorf("refplatform: %w", err)
	}
	if s.clientCA != "" && s.certDir == "" {
		return nil, errors.New("refplatform: WithClientCA needs WithTLS")
	}
	if s.p.world == nil {
		s.p.world = DefaultWorld()
	}
	if s.p.clock == nil {
		s.p.clock = NewScaledClock(time.Now().UTC(), s.timeScale)
	}
	for _, op := range Operations {
		s.p.calls[op] = &atomic.Int64{}
	}
	s.p.cb = newCallbackSender(func(ok bool) {
		if ok {
			s.p.callbacksSent.Add(1)
		} else {
			s.p.callbacksFailed.Add(1)
		}
	}, s.callbackAnyHost)
	s.p.reset()
	return s, nil
}

// Open binds the listeners synchronously (a busy port is reported at once) and serves.
func (s *Server) Open() error {
	if s.certDir != "" {
		if err := s.setupTLS(); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("refplatform: listen %s: %w", s.addr, err)
	}
	if s.controlAddr != "" {
		if s.cln, err = net.Listen("tcp", s.controlAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("refplatform: control listen %s: %w", s.controlAddr, err)
		}
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.p, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		IdleTimeout: IdleTimeout, ErrorLog: slog.NewLogLogger(s.p.log.Handler(), slog.LevelDebug)}
	if s.tlsConf != nil {
		s.srv.TLSConfig = s.tlsConf
		ln = tls.NewListener(ln, s.tlsConf)
	}
	go func() { _ = s.srv.Serve(ln) }()
	if s.cln != nil {
		s.csrv = &http.Server{Handler: s.ControlHandler(), ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
			IdleTimeout: IdleTimeout}
		go func() { _ = s.csrv.Serve(s.cln) }()
	}
	s.stopPump, s.pump = make(chan struct{}), make(chan struct{})
	go s.runPump()
	return nil
}

// runPump pushes due callbacks while the server runs: callbacks are the only thing that
// must happen without a request.
func (s *Server) runPump() {
	defer close(s.pump)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.stopPump:
			return
		case <-tick.C:
			s.p.sweep(s.p.st.Load())
		}
	}
}

func (s *Server) setupTLS() error {
	cert, certFile, reused, err := loadOrWriteSelfSigned(s.certDir)
	if err != nil {
		return fmt.Errorf("refplatform: %w", err)
	}
	s.certFile, s.certReused = certFile, reused
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if s.clientCA != "" {
		pem, err := os.ReadFile(s.clientCA)
		if err != nil {
			return fmt.Errorf("refplatform: read client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("refplatform: client CA %s: no PEM certificate", s.clientCA)
		}
		conf.ClientCAs = pool
		conf.ClientAuth = tls.VerifyClientCertIfGiven
		if s.requireClientCert {
			conf.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	s.tlsConf = conf
	return nil
}

// URL is the platform's base URL (https when WithTLS), valid after Open.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	scheme := "http"
	if s.tlsConf != nil {
		scheme = "https"
	}
	return scheme + "://" + s.ln.Addr().String()
}

// ControlURL is the control API's base URL, valid after Open ("" when disabled).
func (s *Server) ControlURL() string {
	if s.cln == nil {
		return ""
	}
	return "http://" + s.cln.Addr().String()
}

// CertFile is the PEM file of the server certificate clients should trust ("" without TLS).
func (s *Server) CertFile() string { return s.certFile }

// CertReused reports whether the certificate was already in the TLS directory (not minted at
// this start).
func (s *Server) CertReused() bool { return s.certReused }

// Handler is the platform API's handler, for use without Open (httptest, fuzzing).
func (s *Server) Handler() http.Handler { return s.p }

// Close stops both listeners, gives in-flight requests CloseGrace to finish, then closes every
// connection that is left, and waits for callbacks. http.Server.Shutdown alone would wait 5 s
// on a connection that was opened but never sent a request (as load generators leave them).
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), CloseGrace)
	defer cancel()
	for _, srv := range []*http.Server{s.srv, s.csrv} {
		if srv == nil {
			continue
		}
		if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			err = srv.Close()
		} else if err != nil {
			errs = append(errs, err)
		}
	}
	if s.stopPump != nil {
		close(s.stopPump)
		<-s.pump
	}
	s.p.cb.close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("refplatform: close: %w", err)
	}
	return nil
}

// Clock is the platform's clock.
func (s *Server) Clock() Clock { return s.p.clock }

// Now is the platform's time.
func (s *Server) Now() time.Time { return s.p.clock.Now() }

// Advance moves the platform's clock forward and pushes callbacks that became due. It fails
// when the clock cannot be advanced.
func (s *Server) Advance(d time.Duration) error {
	a, ok := s.p.clock.(Advancer)
	if !ok {
		return errors.New("refplatform: the clock cannot be advanced")
	}
	a.Advance(d)
	s.p.sweep(s.p.st.Load())
	return nil
}

// Reset gives the platform a fresh state: no tasks, tokens, throttle counts, injected faults
// or counters. The world, clock and named faults stay.
func (s *Server) Reset() { s.p.reset() }

// SetFault makes the next count calls of operation op answer status with error code code
// (count 0 clears it).
func (s *Server) SetFault(op string, count, status int, code string) error {
	if _, ok := s.p.calls[op]; !ok {
		return fmt.Errorf("refplatform: unknown operation %q", op)
	}
	if status < 100 || status > 599 {
		return fmt.Errorf("refplatform: status %d out of 100..599", status)
	}
	if code == "" {
		return errors.New("refplatform: empty error code")
	}
	s.p.ctl.set(op, injected{count: count, status: status, code: code})
	return nil
}

// Counters is what GET /control/counters answers.
type Counters struct {
	Calls           map[string]int64 `json:"calls"`
	Tasks           int              `json:"tasks"`
	Throttled       int64            `json:"throttled"`
	InjectedFaults  int64            `json:"injectedFaults"`
	CallbacksSent   int64            `json:"callbacksSent"`
	CallbacksFailed int64            `json:"callbacksFailed"`
}

// Counters returns the platform's counters since the last reset.
func (s *Server) Counters() Counters {
	c := Counters{Calls: map[string]int64{}, Tasks: s.p.st.Load().engine.taskCount(),
		Throttled: s.p.throttled.Load(), InjectedFaults: s.p.injectedN.Load(),
		CallbacksSent: s.p.callbacksSent.Load(), CallbacksFailed: s.p.callbacksFailed.Load()}
	for op, n := range s.p.calls {
		c.Calls[op] = n.Load()
	}
	return c
}
