package scenarios

import (
	"strings"
	"testing"
)

func TestSuiteLoads(t *testing.T) {
	scs, err := SuiteScenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) == 0 {
		t.Fatal("no scenarios")
	}
	for _, sc := range scs {
		if sc.File == "" || !strings.HasPrefix(sc.File, "suite/") {
			t.Errorf("%s: file %q", sc.Name, sc.File)
		}
	}
}
