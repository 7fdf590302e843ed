package scenarios

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestMultiScenariosSkipNamingTheFixture: a profile that declares fewer fixtures than the
// multiplicity scenarios need (one tag name, one device) gets them SKIPPED with a reason that
// names the missing profile field, never a failure; with the fixtures they pass.
func TestMultiScenariosSkipNamingTheFixture(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, reason string
		change       func(f *Fixtures)
		skipped      map[string]string // scenario -> the reason's fixture
	}{
		{"all fixtures", "the reference profile declares every multiplicity fixture", func(*Fixtures) {}, nil},
		{"one tag name", "a platform with one registered tag name to spare", func(f *Fixtures) { f.TagNames = f.TagNames[:1] },
			map[string]string{"multi-tags": "fixtures.tagNames"}},
		{"one device", "a platform with one fast device", func(f *Fixtures) { f.DeviceIDs = f.DeviceIDs[:1] },
			map[string]string{"multi-devices": "fixtures.deviceIds", "multi-apps": "fixtures.deviceIds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := startReference(t)
			tc.change(&tg.Fixtures)
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Run: regexp.MustCompile("^multi-")})
			if err != nil {
				t.Fatal(err)
			}
			ran := map[string]bool{}
			for _, c := range res.Checks {
				if !strings.HasPrefix(c.ID, "multi-") {
					continue
				}
				sc, _, _ := strings.Cut(c.ID, "/")
				ran[sc] = true
				fixture, skip := tc.skipped[sc]
				switch {
				case skip && (c.Outcome != batchcert.Skip || !strings.Contains(c.Message, fixture)):
					t.Errorf("%s (%s): %s %s %q, want SKIP naming %s", tc.name, tc.reason, c.ID, c.Outcome, c.Message, fixture)
				case !skip && c.Outcome != batchcert.Pass:
					t.Errorf("%s (%s): %s %s %q, want PASS", tc.name, tc.reason, c.ID, c.Outcome, c.Message)
				}
			}
			for _, sc := range []string{"multi-tags", "multi-devices", "multi-apps", "multi-groups"} {
				if !ran[sc] {
					t.Errorf("%s: scenario %s made no check", tc.name, sc)
				}
			}
		})
	}
}

// TestMultiFaultsAreCaught: each multiplicity fault fails at least two MUST checks of the
// multi-* scenarios, which is what they are for.
func TestMultiFaultsAreCaught(t *testing.T) {
	t.Parallel()
	for _, fault := range []string{refplatform.FaultTagsFirstOnly, refplatform.FaultDeviceListFirstTwo,
		refplatform.FaultDetailsLastPageDropped, refplatform.FaultTagBindingPerApp, refplatform.FaultDetailsByTaskName,
		refplatform.FaultTagsByTaskName, refplatform.FaultGroupListFirstOnly, refplatform.FaultTagPairNotBound} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			tg := startReference(t, refplatform.WithFaults(fault))
			res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret, Run: regexp.MustCompile("^multi-")})
			if err != nil {
				t.Fatal(err)
			}
			var caught []string
			for _, c := range res.Checks {
				if c.Severity == batchcert.Must && c.Outcome == batchcert.Fail {
					caught = append(caught, c.ID)
				}
			}
			if len(caught) < 2 {
				t.Errorf("fault %s failed %d MUST checks of the multi-* scenarios (%v), want at least 2", fault, len(caught), caught)
			}
		})
	}
}
