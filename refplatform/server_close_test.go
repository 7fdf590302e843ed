package refplatform

import (
	"net"
	"net/http"
	"testing"
)

// TestServerTimeouts: both listeners cut off a peer that stalls its headers, its body or an
// idle connection (issue 14: a stalled body held a connection open indefinitely).
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, srv := range map[string]*http.Server{"api": s.srv, "control": s.csrv} {
		if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 {
			t.Errorf("%s listener: read-header %s, read %s, idle %s: every one must be set", name,
				srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout)
		}
	}
}

// TestCloseClosesUnusedConnections: a connection opened and never used (as load generators
// leave them) is closed by Close, which returns.
func TestCloseClosesUnusedConnections(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("the unused connection is still open after Close")
	}
}

// BenchmarkCloseWithUnusedConnection measures Close while a client holds a connection it never
// sent a request on; http.Server.Shutdown alone waits 5 s on such a connection.
func BenchmarkCloseWithUnusedConnection(b *testing.B) {
	for b.Loop() {
		s, err := New()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Open(); err != nil {
			b.Fatal(err)
		}
		conn, err := net.Dial("tcp", s.ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		conn.Close()
	}
}
