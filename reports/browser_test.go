package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumTimeout bounds one headless chromium run.
const chromiumTimeout = 90 * time.Second

// runChromium loads page in headless chromium with mode ("--dump-dom" or "--screenshot=…") and
// returns its stdout and the console lines (page messages and uncaught exceptions) it logged.
func runChromium(t *testing.T, bin, page string, mode ...string) (stdout string, console []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
	}, mode...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", mode, err, errOut.String())
	}
	for _, line := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			console = append(console, line)
		}
	}
	return out.String(), console
}

// TestBrowserRendersReport opens report.html in headless chromium (Debian's package; CI
// installs it) and fails on an empty DOM, a missing verdict or plots, or any console message.
func TestBrowserRendersReport(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("BATCHCERT_REQUIRE_CHROMIUM") != "" || os.Getenv("CI") != "" {
			t.Fatal("chromium is not on PATH, and CI requires the browser check: install it (apt-get install chromium)")
		}
		t.Skip("chromium is not on PATH; install it (apt-get install chromium) to run the browser check")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, sampleResults()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("detector", func(t *testing.T) {
		// The console check must be able to fail: a page that throws is caught.
		bad := filepath.Join(dir, "bad.html")
		if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><p>x</p><script>throw new Error("boom")</script>`), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, console := runChromium(t, bin, bad, "--dump-dom"); len(console) == 0 {
			t.Fatal("an uncaught exception produced no console line: the console check is blind")
		}
	})

	t.Run("dom", func(t *testing.T) {
		dom, console := runChromium(t, bin, page, "--dump-dom")
		if len(console) > 0 {
			t.Errorf("console output:\n%s", strings.Join(console, "\n"))
		}
		if strings.TrimSpace(dom) == "" {
			t.Fatal("empty DOM")
		}
		if !regexp.MustCompile(`<h1>\s*NONCONFORMANT\s*</h1>`).MatchString(dom) {
			t.Error("the verdict is not in the rendered DOM")
		}
		if n := strings.Count(dom, "<svg"); n != 3 {
			t.Errorf("%d plots in the rendered DOM, want 3", n)
		}
		if !strings.Contains(dom, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("escaped evidence did not survive parsing")
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		png := filepath.Join(dir, "report.png")
		_, console := runChromium(t, bin, page, "--screenshot="+png, "--window-size=1280,2400")
		if len(console) > 0 {
			t.Errorf("console output:\n%s", strings.Join(console, "\n"))
		}
		data, err := os.ReadFile(png)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 10000 || !bytes.HasPrefix(data, []byte("\x89PNG")) {
			t.Fatalf("screenshot is %d bytes: the page rendered blank or not at all", len(data))
		}
	})
}
