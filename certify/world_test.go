package certify

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert/refplatform"
)

// TestNoWorldValues guards issue 13's "no world values in the pipeline": no device id, group,
// group id, device type or location of the reference's default world, and no command the
// probes once hard-coded, appears in this package's code (tests included). The pipeline hands
// the probes the target profile's fixtures and knows none of its own.
func TestNoWorldValues(t *testing.T) {
	t.Parallel()
	w := refplatform.DefaultWorld()
	words := map[string]bool{strings.ToUpper("report"): true, "Met" + "er": true}
	for _, d := range w.Devices {
		for _, v := range append(append([]string{d.ID, d.DeviceType, d.Location}, d.Groups...), d.GroupIDs...) {
			if v != "" {
				words[v] = true
			}
		}
	}
	if len(words) < 10 {
		t.Fatalf("only %d world values: the default world did not load", len(words))
	}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for w := range words {
			re := regexp.MustCompile(`(^|[^A-Za-z0-9_-])` + regexp.QuoteMeta(w) + `($|[^A-Za-z0-9_-])`)
			for i, line := range strings.Split(string(src), "\n") {
				if re.MatchString(line) {
					t.Errorf("%s:%d names the reference world's %q: take it from the target profile's fixtures", f, i+1, w)
				}
			}
		}
	}
}
