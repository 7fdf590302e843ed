package openapi

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// Tests that the spec is fit for the tools people generate tests and mocks from (issue 17):
// Dredd and Schemathesis need an example for every parameter they must fill in, and Dredd
// must accept the document and name its transactions.

// TestEveryParameterHasAnExample guards Dredd's "No example value for required parameter":
// every path and query parameter, and every request body, carries an example that its own
// schema accepts (a wrong example would make the generated request invalid).
func TestEveryParameterHasAnExample(t *testing.T) {
	t.Parallel()
	doc := mustLoad(t)
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			for _, ref := range op.Parameters {
				p := ref.Value
				if p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery {
					continue
				}
				ex, ok := parameterExample(p)
				if !ok {
					t.Errorf("%s %s: %s parameter %q has no example", method, path, p.In, p.Name)
					continue
				}
				if err := p.Schema.Value.VisitJSON(ex); err != nil {
					t.Errorf("%s %s: the example of %q does not fit its schema: %v", method, path, p.Name, err)
				}
			}
			if op.RequestBody == nil {
				continue
			}
			for mt, m := range op.RequestBody.Value.Content {
				if m.Example == nil && len(m.Examples) == 0 {
					t.Errorf("%s %s: request body %s has no example", method, path, mt)
				}
			}
		}
	}
}

func parameterExample(p *openapi3.Parameter) (any, bool) {
	switch {
	case p.Example != nil:
		return p.Example, true
	case len(p.Examples) > 0:
		for _, e := range p.Examples {
			return e.Value.Value, true
		}
	case p.Schema != nil && p.Schema.Value.Example != nil:
		return p.Schema.Value.Example, true
	}
	return nil, false
}

func mustLoad(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// dreddBinary finds Dredd: $BATCHCERT_DREDD, else dredd on PATH. .ci/run installs it from npm
// and sets BATCHCERT_REQUIRE_DREDD=1, so CI cannot skip this test.
func dreddBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BATCHCERT_DREDD"); p != "" {
		return p
	}
	p, err := exec.LookPath("dredd")
	if err != nil {
		if os.Getenv("BATCHCERT_REQUIRE_DREDD") == "1" {
			t.Fatal("BATCHCERT_REQUIRE_DREDD=1 but neither $BATCHCERT_DREDD nor dredd on PATH is set")
		}
		t.Skip("dredd is not installed (npm install dredd@14; .ci/run does): skipping its parse of the spec")
	}
	return p
}

var (
	ansi     = regexp.MustCompile(`\x1b\[[0-9;]*m`)
	dreddTxn = regexp.MustCompile(`(?m)^skip: ([A-Z]+) \((\d{3})\) (\S+)$`)
	dreddEnd = regexp.MustCompile(`(?m)^complete: 0 passing, 0 failing, 0 errors, (\d+) skipped, (\d+) total$`)
)

// TestDreddAcceptsSpec runs Dredd's own parser over the spec with --names (it lists the
// transactions and sends nothing; the URL is a closed loopback port all the same) and wants one
// transaction per documented response of every operation, on the path the examples expand to.
func TestDreddAcceptsSpec(t *testing.T) {
	t.Parallel()
	dredd := dreddBinary(t)
	spec, err := filepath.Abs("batchtask.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dredd, spec, "http://127.0.0.1:9", "--names", "--loglevel=warning")
	cmd.Dir = t.TempDir() // no dredd.yml of anyone else's
	out, err := cmd.CombinedOutput()
	text := ansi.ReplaceAllString(string(out), "")
	if err != nil {
		t.Fatalf("dredd refused the spec: %v\n%s", err, text)
	}
	if strings.Contains(text, "error:") {
		t.Fatalf("dredd reported errors:\n%s", text)
	}
	var got []string
	for _, m := range dreddTxn.FindAllStringSubmatch(text, -1) {
		path, _, _ := strings.Cut(m[3], "?")
		got = append(got, fmt.Sprintf("%s (%s) %s", m[1], m[2], path))
	}
	sort.Strings(got)
	want := wantTransactions(t, mustLoad(t))
	if !slices.Equal(got, want) {
		t.Errorf("dredd's transactions differ from the spec's responses\n got: %q\nwant: %q\n%s", got, want, text)
	}
	if m := dreddEnd.FindStringSubmatch(text); m == nil || m[2] != fmt.Sprint(len(want)) {
		t.Errorf("dredd's summary does not count %d transactions:\n%s", len(want), text)
	}
}

// wantTransactions are "METHOD (status) path" for every response with a body of every
// operation, path parameters replaced by their examples: what Dredd should compile.
func wantTransactions(t *testing.T, doc *openapi3.T) []string {
	t.Helper()
	var want []string
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			expanded := path
			for _, ref := range op.Parameters {
				if p := ref.Value; p.In == openapi3.ParameterInPath {
					ex, _ := parameterExample(p)
					expanded = strings.ReplaceAll(expanded, "{"+p.Name+"}", fmt.Sprint(ex))
				}
			}
			for status, r := range op.Responses.Map() {
				if len(r.Value.Content) == 0 {
					continue
				}
				want = append(want, fmt.Sprintf("%s (%s) %s", strings.ToUpper(method), status, expanded))
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the spec has no responses with a body")
	}
	sort.Strings(want)
	return want
}
