package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanForSecrets(t *testing.T) {
	t.Parallel()
	const secret = `s3cr3t&"<tok>"`
	cases := []struct {
		name, reason, content, wantForm string
	}{
		{"raw", "the secret as is", "x " + secret + " y", "raw"},
		{"html", "report.html escapes it", "<pre>s3cr3t&amp;&#34;&lt;tok&gt;&#34;</pre>", "html-escaped"},
		{"json", "results.json escapes it", `{"m":"s3cr3t\u0026\"\u003ctok\u003e\""}`, "json-escaped"},
		{"query", "a curl line URL-encodes it", "curl 'https://x/?secret=s3cr3t%26%22%3Ctok%3E%22'", "query-escape"},
		{"clean", "no secret, no error", "nothing to see", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "report.txt"), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			err := ScanForSecrets(dir, []string{"", "unrelated-secret", secret})
			switch {
			case tc.wantForm == "" && err != nil:
				t.Fatalf("%s: %v", tc.reason, err)
			case tc.wantForm != "" && (err == nil || !strings.Contains(err.Error(), tc.wantForm) || !strings.Contains(err.Error(), "secret 2")):
				t.Fatalf("%s: got %v, want secret 2 found in form %s", tc.reason, err, tc.wantForm)
			case err != nil && strings.Contains(err.Error(), "s3cr3t"):
				t.Fatalf("the error repeats the secret: %v", err)
			}
		})
	}
	// html/template writes '+' as &#43;, which html.EscapeString leaves alone.
	plus := t.TempDir()
	if err := writeHTMLFile(t, plus, "Bearer ab+cd/ef=="); err != nil {
		t.Fatal(err)
	}
	if err := ScanForSecrets(plus, []string{"ab+cd/ef=="}); err == nil || !strings.Contains(err.Error(), "html-template") {
		t.Errorf("a secret with '+' in report.html was missed: %v", err)
	}
	if err := ScanForSecrets(t.TempDir(), []string{"abc"}); err == nil {
		t.Error("a secret too short to prove anything was accepted")
	}
}

// TestReportsCarryOnlyResults writes every report and proves that credentials which reached the
// evidence unredacted are removed from all four files, and that a secret never handed to the
// renderers cannot appear.
func TestReportsCarryOnlyResults(t *testing.T) {
	t.Parallel()
	const token, appSecret, never = "eyJhbGciOiJIUzI1NiJ9.leaked", "app-secret-9f8e7d", "never-given-to-reports"
	r := sampleResults()
	r.Checks[2].Evidence[0].Request = "GET /x HTTP/1.1\nAuthorization: Bearer " + token
	r.Checks[2].Evidence[0].Curl = "curl -H 'Authorization: Bearer " + token + "' https://x"
	r.Checks[3].Evidence[0].Request = "POST /iocm/app/sec/v1.1.0/login\n\nappId=app-1&secret=" + appSecret
	r.Checks[3].Evidence[0].Response = `{"accessToken":"` + token + `","refreshToken":"` + appSecret + `"}`
	dir := t.TempDir()
	if _, err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	if err := ScanForSecrets(dir, []string{token, appSecret, never}); err != nil {
		t.Fatal(err)
	}
	// The scanner must be able to fail on these very files: a secret placed in a message (not
	// evidence, so not redacted) is found in every format.
	r.Checks[2].Message = "mentions " + appSecret
	dir2 := t.TempDir()
	if _, err := WriteAll(dir2, r); err != nil {
		t.Fatal(err)
	}
	err := ScanForSecrets(dir2, []string{appSecret})
	for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("scanner missed the secret in %s: %v", f, err)
		}
	}
}

// writeHTMLFile writes report.html into dir for the sample results with msg as a check message.
func writeHTMLFile(t *testing.T, dir, msg string) error {
	t.Helper()
	r := sampleResults()
	r.Checks[2].Message = msg
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		return err
	}
	if err := WriteHTML(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestWithholdRemovesReports: when a written report holds a credential (a token issued during
// the run is one), Withhold removes every report the run wrote, leaves other files alone, and
// says so without repeating the credential (issue 14: "reports withheld" left them on disk).
func TestWithholdRemovesReports(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	dir := t.TempDir()
	var paths []string
	for name, content := range map[string]string{"results.json": `{"m":"token ` + token + `"}`, "junit.xml": "<ok/>"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Withhold(dir, paths, []string{"primary-secret", token})
	if err == nil || !strings.Contains(err.Error(), "secret 1") || !strings.Contains(err.Error(), "removed") {
		t.Fatalf("Withhold: %v, want the token (credential 1) found and the reports removed", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("the error repeats the token")
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still on disk", p)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file the run did not write was removed: %v", err)
	}
	if err := Withhold(t.TempDir(), nil, []string{token}); err != nil {
		t.Errorf("a clean directory: %v", err)
	}
}
