package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current renderers")

// TestGolden renders the realistic results in every format and compares with testdata; run
// `go test ./reports -run Golden -update` after an intended change and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Render(format, sampleResults(), &buf); err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := Render(format, sampleResults(), &again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Fatal("two renderings of the same results differ: output is not deterministic")
			}
			path := filepath.Join("testdata", Files[format]+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s differs from %s; run with -update if the change is intended", format, path)
			}
		})
	}
}
