package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestMarkdownSuiteConnections: the summary says how the suite's own calls reached the target
// (-conn), and what their TLS handshakes cost; a results file without it says nothing.
func TestMarkdownSuiteConnections(t *testing.T) {
	t.Parallel()
	r := sampleResults()
	r.Connections = &batchcert.Connections{Model: "new-connection", Requests: 412, Dials: 412, Handshakes: 412, HandshakeMean: 1500000}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if want := "- The suite's connections: new-connection, 412 requests, 412 dialed, 412 TLS handshakes (mean 1.5ms)"; !strings.Contains(strings.Join(strings.Fields(b.String()), " "), want) {
		t.Errorf("summary lacks %q:\n%s", want, b.String())
	}
	r.Connections = nil
	b.Reset()
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "The suite's connections") {
		t.Error("a results file without the suite's connections still names them")
	}
}
