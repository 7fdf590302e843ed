package refplatform

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestTLSCertificateReused: a restart with the same TLS directory serves the certificate a
// strictly verifying client imported the first time; a broken one is replaced.
func TestTLSCertificateReused(t *testing.T) {
	dir := t.TempDir()
	start := func() (*Server, []byte) {
		t.Helper()
		s, err := New(WithTLS(dir), WithControlAddr(""))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Open(); err != nil {
			t.Fatal(err)
		}
		pem, err := os.ReadFile(s.CertFile())
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		return s, pem
	}
	first, pem1 := start()
	if first.CertReused() {
		t.Error("the first start says it reused a certificate from an empty directory")
	}
	second, pem2 := start()
	if !second.CertReused() || !bytes.Equal(pem1, pem2) {
		t.Fatal("a restart with the same -tls directory minted a new certificate")
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	third, pem3 := start()
	if third.CertReused() || bytes.Equal(pem1, pem3) {
		t.Fatal("a certificate whose key is broken was reused")
	}
}
