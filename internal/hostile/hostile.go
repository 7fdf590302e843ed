// Package hostile is a test server that misbehaves the ways a broken platform can: a giant
// header, a hang, a slow drip, a huge body, a gzip bomb, a reset, a garbage status line and a
// wrong Content-Length. batchcert's tests point every command at it and demand that each ends
// within its deadline with a clear message, bounded memory and no panic.
//
// It speaks raw TCP, not net/http, so that it can say what net/http would never let a server
// say. Logins are answered properly unless HostileLogin is set, so that the behaviour reaches
// the batch-task calls the suite and the probes make after logging in.
package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Behaviour is one way the server misbehaves.
type Behaviour string

// The behaviours.
const (
	// GiantHeader answers 200 with a 2 MiB header value.
	GiantHeader Behaviour = "giant-header"
	// Hang reads the request and never answers.
	Hang Behaviour = "hang"
	// SlowDrip sends the status line and headers, then one body byte every 100 ms.
	SlowDrip Behaviour = "slow-drip"
	// HugeBody answers 200 with a JSON body of 256 MiB, streamed.
	HugeBody Behaviour = "huge-body"
	// GzipBomb answers 200 with a gzip body of about 64 KB that inflates to 64 MiB of zeros.
	GzipBomb Behaviour = "gzip-bomb"
	// Reset closes the connection with a TCP reset as soon as the request arrived.
	Reset Behaviour = "reset"
	// GarbageStatus answers a line that is no HTTP status line.
	GarbageStatus Behaviour = "garbage-status"
	// WrongLength announces a Content-Length of 4096 and sends 20 bytes, then closes.
	WrongLength Behaviour = "wrong-content-length"
)

// Behaviours lists every behaviour.
func Behaviours() []Behaviour {
	return []Behaviour{GiantHeader, Hang, SlowDrip, HugeBody, GzipBomb, Reset, GarbageStatus, WrongLength}
}

// Token is the access token a proper login answers; tests check that no output quotes it.
const Token = "hostile-access-token-0123456789"

// RefreshToken is the refresh token a proper login answers.
const RefreshToken = "hostile-refresh-token-9876543210"

// Server is a hostile platform on loopback.
type Server struct {
	b            Behaviour
	hostileLogin bool
	ln           net.Listener
	done         chan struct{}
	mu           sync.Mutex
	conns        map[net.Conn]bool
	wg           sync.WaitGroup
}

// Option configures a Server.
type Option func(*Server)

// HostileLogin makes logins misbehave too.
func HostileLogin() Option { return func(s *Server) { s.hostileLogin = true } }

// Start listens on 127.0.0.1 and serves b.
func Start(b Behaviour, opts ...Option) (*Server, error) {
	known := false
	for _, k := range Behaviours() {
		known = known || k == b
	}
	if !known {
		return nil, fmt.Errorf("hostile: unknown behaviour %q", b)
	}
	if b == GzipBomb {
		gzipBomb()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("hostile: listen: %w", err)
	}
	s := &Server{b: b, ln: ln, done: make(chan struct{}), conns: map[net.Conn]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Close stops the server and closes every connection, hanging ones included.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.done)
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			_ = c.Close()
		}()
	}
}

// maxRequestBody bounds what the server reads of a request body.
const maxRequestBody = 1 << 20

func (s *Server) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, maxRequestBody))
		_ = req.Body.Close()
		if strings.HasPrefix(req.URL.Path, "/iocm/app/sec/") && !s.hostileLogin {
			body := fmt.Sprintf(`{"scope":"default","tokenType":"bearer","expiresIn":3600,"accessToken":%q,"refreshToken":%q}`, Token, RefreshToken)
			if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body); err != nil {
				return
			}
			continue
		}
		s.misbehave(c)
		return
	}
}

func (s *Server) misbehave(c net.Conn) {
	switch s.b {
	case GiantHeader:
		_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Junk: %s\r\nContent-Length: 2\r\n\r\n{}",
			strings.Repeat("j", 2<<20))
	case Hang:
		<-s.done
	case SlowDrip:
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{"); err != nil {
			return
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	case HugeBody:
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 268435460\r\n\r\n{\"taskID\":\""); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for range 4096 { // 256 MiB
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(c, "\"}")
	case GzipBomb:
		bomb := gzipBomb()
		if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", len(bomb)); err != nil {
			return
		}
		_, _ = c.Write(bomb)
	case Reset:
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	case GarbageStatus:
		_, _ = io.WriteString(c, "HTCPCP/1.0 418 I'm a teapot, short and stout\r\n\x00\x01\x02garbage\r\n\r\n")
	case WrongLength:
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"taskID\":\"t-1\"")
	}
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// gzipBomb is 64 MiB of zeros, gzipped, made once (before the server listens).
func gzipBomb() []byte {
	bombOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zeros := make([]byte, 1<<20)
		for range 64 {
			_, _ = zw.Write(zeros)
		}
		_ = zw.Close()
		bomb = b.Bytes()
	})
	return bomb
}

// Profile writes a target profile for s into dir and returns its path. Every app's secret is
// the reference ${secretVar}; the fixtures are plausible, the limits the docs'.
func (s *Server) Profile(dir, secretVar string) (string, error) {
	if secretVar == "" {
		return "", errors.New("hostile: no secret variable")
	}
	yaml := fmt.Sprintf(`name: hostile-%s
baseURL: %s
transport: rest
apps:
  primary: {appId: app-primary, secret: "${%s}"}
  secondary: {appId: app-secondary, secret: "${%s}"}
fixtures:
  deviceIds: [dev-1, dev-2]
  serviceId: Switch
  method: SET
limits:
  throttle: {limit: 100, window: 60s}
  taskLimit: 10
profile: doc-strict
`, s.b, s.URL(), secretVar, secretVar)
	path := filepath.Join(dir, "hostile-"+string(s.b)+".yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return "", fmt.Errorf("hostile: write profile: %w", err)
	}
	return path, nil
}
