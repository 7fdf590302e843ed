package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// referenceToken matches an access or refresh token of the reference platform: 32 lower-case
// hex digits (refplatform's randomHex(16)), not part of a longer hex string such as a hash.
var referenceToken = regexp.MustCompile(`(^|[^0-9a-f])[0-9a-f]{32}([^0-9a-f]|$)`)

// commandIDValue matches a subtask's commandId in an answer quoted as evidence (raw, or
// JSON-escaped inside results.json): the reference's commandIds are 32 hex digits too, and
// are no credential.
var commandIDValue = regexp.MustCompile(`commandId\\*"\s*:\s*\\*"[0-9a-f]{32}`)

// TestNoTokenInAnyOutput: with two login faults the failing checks would quote live tokens
// (issue 14: one access token was written 7 times into results.json, junit.xml, report.html
// and summary.md); every token issued during the run is redacted from stdout, stderr and every
// report, and the messages show where one was.
func TestNoTokenInAnyOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"check", "-fault", "login-token-reused", "-fault", "token-not-superseded",
		"-run", "^(security|tokens)$", "-out", dir}, strings.NewReader(""), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != batchcert.ExitNonconformant {
		t.Fatalf("exit %d, want 1: the faults must fail checks\n%s", code, stderr.String())
	}
	outputs := map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes()}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		outputs[e.Name()] = b
	}
	for _, name := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("%s was not written", name)
		}
	}
	for name, b := range outputs {
		if m := referenceToken.Find(commandIDValue.ReplaceAll(b, []byte("commandId"))); m != nil {
			t.Errorf("%s holds a token: %q", name, m)
		}
	}
	f, err := os.Open(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	quoted := false
	for _, c := range res.Checks {
		if c.Outcome == batchcert.Fail && strings.Contains(c.Message, "***") {
			quoted = true
		}
	}
	if !quoted {
		t.Error("no failed check shows a redacted token: the faults no longer make a message quote one")
	}
}

// TestRedactingWriter: a token learned mid-run is redacted from what is written afterwards,
// and the error a command returns keeps its exit code but not the token.
func TestRedactingWriter(t *testing.T) {
	t.Parallel()
	creds := newCredentials()
	var b bytes.Buffer
	w := creds.writer(&b)
	const tok = "0123456789abcdef0123456789abcdef"
	creds.add(tok)
	creds.add("short") // shorter than reports.MinSecretLen: ignored
	if n, err := w.Write([]byte("token " + tok + " short\n")); err != nil || n != len("token "+tok+" short\n") {
		t.Fatalf("write: %d, %v", n, err)
	}
	if got := b.String(); got != "token *** short\n" {
		t.Errorf("wrote %q", got)
	}
	err := creds.redactErr(batchcert.Usagef("bad %s", tok))
	var ee *batchcert.ExitError
	if !errors.As(err, &ee) || ee.Code != batchcert.ExitUsage || strings.Contains(err.Error(), tok) {
		t.Errorf("redactErr: %v", err)
	}
}
