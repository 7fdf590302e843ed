package refplatform

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// clientCert makes a self-signed client certificate; it is its own CA, written to caFile.
func clientCert(t *testing.T, caFile string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "harness"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestTLS: the platform serves HTTPS with a certificate clients can trust from CertFile, and
// with WithClientCA(…, true) refuses clients without a certificate (two-way TLS).
func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "client-ca.pem")
	cert := clientCert(t, caFile)
	srv, err := New(WithTLS(filepath.Join(dir, "server")), WithClientCA(caFile, true))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pemBytes, err := os.ReadFile(srv.CertFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemBytes) {
		t.Fatal("cert.pem holds no certificate")
	}
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}}}
	}
	get := func(c *http.Client) (int, error) {
		resp, err := c.Get(srv.URL() + PathTasks + "/x")
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if st, err := get(client(cert)); err != nil || st != http.StatusBadRequest {
		t.Fatalf("with a client certificate: %d %v (want 400/100019: no app_key)", st, err)
	}
	if _, err := get(client()); err == nil {
		t.Fatal("a client without a certificate was served")
	}
	if _, err := New(WithClientCA(caFile, true)); err == nil {
		t.Fatal("WithClientCA without WithTLS accepted")
	}
}
