package loadtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
)

// writeClientCert writes a self-signed client certificate (its own CA) and its key to dir and
// returns the files: the certificate is also the CA bundle the server verifies clients by.
func writeClientCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(13), Subject: pkix.Name{CommonName: "batchcert load"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certFile, keyFile
}

// startTLSReference serves the reference over TLS on 127.0.0.1, refusing any client without a
// certificate of the returned client's (two-way TLS, as a platform that asks the vendor SDK
// for one), and returns a target whose client trusts the server and presents that certificate.
func startTLSReference(t *testing.T, model apiclient.ConnModel, opts ...refplatform.Option) (Target, apiclient.Clock) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := writeClientCert(t, dir)
	opts = append([]refplatform.Option{refplatform.WithTLS(filepath.Join(dir, "server")), refplatform.WithClientCA(certFile, true)}, opts...)
	srv, tgt, clock := startReference(t, opts...)
	c, err := apiclient.NewHTTPClient(apiclient.Options{TLS: apiclient.TLS{CAFile: srv.CertFile(), CertFile: certFile, KeyFile: keyFile}})
	require.NoError(t, err)
	c.Timeout = DefaultHTTPTimeout
	t.Cleanup(c.CloseIdleConnections)
	tgt.Client, tgt.Conn = c, model
	return tgt, clock
}

// TestConnModelsCapacity: over two-way TLS, new-connection does one full handshake (with the
// client certificate, or the server would refuse it) per request, every request of the
// capacity step included; keep-alive does about one per connection, bounded by the step's
// connection cap. The results record the model and the handshakes' cost.
func TestConnModelsCapacity(t *testing.T) {
	t.Parallel()
	const workers = 3
	for _, model := range []apiclient.ConnModel{apiclient.KeepAlive, apiclient.NewConnection} {
		t.Run(string(model), func(t *testing.T) {
			t.Parallel()
			tgt, _ := startTLSReference(t, model, refplatform.WithThrottle(refplatform.ThrottleConfig{Limit: 1 << 20, Window: time.Minute, Type: refplatform.ThrottleFixed}))
			res, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{Rates: []float64{100}, StepDuration: 400 * time.Millisecond,
				SLOp99: 10 * time.Second, Workers: workers, MaxWorkers: workers})
			require.NoError(t, err)
			require.Len(t, res.Steps, 1)
			c := res.Connections
			require.NotNil(t, c, "the capacity result records its connections")
			assert.Equal(t, string(model), c.Model)
			step := int64(res.Steps[0].Requests)
			require.Positive(t, step, "the step sent nothing")
			// Login and the create of the queried task, then the step's queries.
			assert.Equal(t, step+2, c.Requests, "requests: login, create and the step's")
			assert.Zero(t, c.Failed, "failed handshakes")
			assert.Equal(t, c.Dials, c.Handshakes, "every connection to an https target is a TLS handshake")
			switch model {
			case apiclient.NewConnection:
				assert.Equal(t, c.Requests, c.Handshakes, "new-connection: one handshake per request")
			case apiclient.KeepAlive:
				// The session's own connection, and at most the step's connection cap.
				assert.LessOrEqual(t, c.Handshakes, int64(1+workers), "keep-alive: handshakes bounded by the connections")
				assert.Less(t, c.Handshakes, c.Requests, "keep-alive reused no connection")
			}
			assert.Positive(t, c.HandshakeMean)
			assert.Equal(t, c.HandshakeTime/time.Duration(c.Handshakes), c.HandshakeMean)
		})
	}
}

// TestConnModelsProbes: the throttle probe and the task-limit race use the chosen model too,
// and record it; their control calls (the reference's clock and reset) are not counted.
func TestConnModelsProbes(t *testing.T) {
	t.Parallel()
	tgt, clock := startTLSReference(t, apiclient.NewConnection, refplatform.WithTaskLimit(3))
	race, _, err := RaceTaskLimit(context.Background(), tgt, TaskLimitConfig{Limit: 3, Concurrency: 5, Runs: 1, Clock: clock})
	require.NoError(t, err)
	require.NotNil(t, race.Connections)
	assert.Equal(t, string(apiclient.NewConnection), race.Connections.Model)
	assert.Equal(t, race.Connections.Requests, race.Connections.Handshakes, "race: one handshake per request")
	assert.GreaterOrEqual(t, race.Connections.Requests, int64(1+5), "race: a login and 5 creates at least")

	tgt, clock = startTLSReference(t, apiclient.NewConnection, refplatform.WithThrottle(
		refplatform.ThrottleConfig{Limit: 20, Window: 2 * time.Second, Type: refplatform.ThrottleFixed}))
	thr, _, err := ProbeThrottle(context.Background(), tgt, ThrottleConfig{DeclaredLimit: 20, DeclaredWindow: 2 * time.Second,
		DeclaredType: WindowFixed, Clock: clock})
	require.NoError(t, err)
	require.NotNil(t, thr.Connections)
	assert.Equal(t, thr.Connections.Requests, thr.Connections.Handshakes, "throttle: one handshake per request")
	assert.Greater(t, thr.Connections.Requests, int64(20), "throttle: more calls than the limit")
}

// TestConnModelRefused: a model that cannot be applied to the target's client is a usage
// error, not a probe run on another model.
func TestConnModelRefused(t *testing.T) {
	t.Parallel()
	tgt := Target{BaseURL: "http://127.0.0.1:1", Apps: testApps, Conn: "pooled"}
	_, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{Rates: []float64{1}})
	var ee *batchcert.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, batchcert.ExitUsage, ee.Code)
	assert.ErrorContains(t, err, "pooled")
}

// TestKeepAliveKeepsEveryConnection: a keep-alive step keeps every connection it opened between
// requests, more than net/http's default total of 100 idle ones included: it dials no more
// than its connection cap, however many requests it sends (the profile's client is a clone of
// http.DefaultTransport, whose idle cap of 100 would close the rest whenever they wait). The
// target answers its first and last third slowly, the middle third at once: the connections
// of the slow start go idle together in the middle, and the slow end needs them again.
func TestKeepAliveKeepsEveryConnection(t *testing.T) {
	t.Parallel()
	const rate, conns = 1500, 250
	var n atomic.Int64
	tgt := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if login(w, r) {
			return
		}
		if k := n.Add(1); k <= rate/3 || k > 2*rate/3 {
			time.Sleep(150 * time.Millisecond)
		}
		writeJSON(w, 200, map[string]string{"taskId": "task-1", "status": "Running"})
	}))
	c, err := apiclient.NewHTTPClient(apiclient.Options{})
	require.NoError(t, err)
	tgt.Client = c
	res, _, err := SearchCapacity(context.Background(), tgt, CapacityConfig{TaskID: "task-1", Rates: []float64{rate}, StepDuration: time.Second,
		SLOp99: time.Minute, MaxErrorRate: 1, Workers: conns, MaxWorkers: conns})
	require.NoError(t, err)
	cs := res.Connections
	t.Logf("%d requests, %d dials", cs.Requests, cs.Dials)
	assert.LessOrEqual(t, cs.Dials, int64(conns+1), "dials: the step's connection cap and the session's own")
}
