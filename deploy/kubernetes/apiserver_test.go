package kubernetes

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"
)

// TestRealAPIServerAdmitsTheJob creates the objects against a real kube-apiserver with a
// server-side dry run (admission runs, nothing is stored or scheduled). None is built here: a
// kube-apiserver from k8s.io/kubernetes with kine or etcd is a build of several minutes and
// gigabytes on this project's two cores, past `go test ./...`'s budget. Point it at one on
// loopback to run it:
//
//	BATCHCERT_KUBE_APISERVER=https://127.0.0.1:6443 BATCHCERT_KUBE_TOKEN=... [BATCHCERT_KUBE_CA=ca.crt] \
//	  go test -run RealAPIServer ./deploy/kubernetes
func TestRealAPIServerAdmitsTheJob(t *testing.T) {
	base := os.Getenv("BATCHCERT_KUBE_APISERVER")
	if base == "" {
		t.Skip("no kube-apiserver here (building one from k8s.io/kubernetes with kine or etcd takes minutes and GBs on 2 cores); set BATCHCERT_KUBE_APISERVER to a loopback one")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		t.Fatalf("BATCHCERT_KUBE_APISERVER %s: only a loopback API server (127.0.0.1, [::1])", base)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca := os.Getenv("BATCHCERT_KUBE_CA"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		tlsCfg.RootCAs = x509.NewCertPool()
		tlsCfg.RootCAs.AppendCertsFromPEM(pem)
	} else {
		tlsCfg.InsecureSkipVerify = true // loopback only, checked above
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	cm, pvc, shards, merge, err := Objects(exampleSpec())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		path string
		obj  any
	}{
		{"/api/v1/namespaces/default/configmaps", cm},
		{"/api/v1/namespaces/default/persistentvolumeclaims", pvc},
		{"/apis/batch/v1/namespaces/default/jobs", shards},
		{"/apis/batch/v1/namespaces/default/jobs", merge},
	} {
		body, _ := json.Marshal(o.obj)
		req, _ := http.NewRequest(http.MethodPost, base+o.path+"?dryRun=All&fieldValidation=Strict", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tok := os.Getenv("BATCHCERT_KUBE_TOKEN"); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			t.Errorf("POST %s: %s", o.path, fmt.Sprintf("%d %s", resp.StatusCode, msg))
		}
	}
}
