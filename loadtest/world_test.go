package loadtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert/refplatform"
)

// TestNoWorldValues guards issue 13's "no world values in the probes or in the pipeline": no
// device id, group, group id, device type or location of the reference's default world, and
// no command the probes once hard-coded, appears in this package's code or the pipeline's
// (certify), tests included (they take the reference's fixture from refplatform.DefaultWorld()). A probe that named one would
// work on the reference and fail on every other platform.
func TestNoWorldValues(t *testing.T) {
	t.Parallel()
	w := refplatform.DefaultWorld()
	// The command the race and the capacity search once sent, spelled so this file does not
	// name it.
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
	// The probes' package and the pipeline's (certify), which hands them the profile.
	files, err := filepath.Glob("*.go")
	pipeline, perr := filepath.Glob(filepath.Join("..", "certify", "*.go"))
	if err != nil || perr != nil || len(files) == 0 || len(pipeline) == 0 {
		t.Fatalf("no Go files: %v %v", err, perr)
	}
	files = append(files, pipeline...)
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
