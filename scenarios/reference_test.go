package scenarios

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// referenceSecrets are the default world's secrets (refplatform/world.yaml), as the cmd layer
// supplies them through the environment.
var referenceSecrets = map[string]string{
	"BATCHCERT_SECRET_PRIMARY": "primary-secret", "BATCHCERT_SECRET_SECONDARY": "secondary-secret",
	"BATCHCERT_SECRET_OTHER": "other-secret", "BATCHCERT_SECRET_NORIGHTS": "norights-secret",
	"BATCHCERT_SECRET_FROZEN": "frozen-secret",
}

func lookupSecret(name string) (string, bool) {
	s, ok := referenceSecrets[name]
	return s, ok
}

// startReference runs the reference platform on loopback with a clock that only moves when
// the suite advances it, and returns its target profile.
func startReference(t testing.TB, opts ...refplatform.Option) *Target {
	t.Helper()
	opts = append([]refplatform.Option{refplatform.WithClock(refplatform.NewManualClock(
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))}, opts...)
	srv, err := refplatform.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	tg := ReferenceTarget()
	tg.BaseURL = srv.URL()
	tg.Control = &Control{URL: srv.ControlURL()}
	return tg
}

func TestReferencePassesEverything(t *testing.T) {
	tg := startReference(t)
	start := time.Now()
	res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	n := map[batchcert.Outcome]int{}
	for _, c := range res.Checks {
		n[c.Outcome]++
		if c.Outcome != batchcert.Pass {
			t.Errorf("%s: %s: %s %v", c.ID, c.Outcome, c.Message, c.Violations)
			for _, e := range c.Evidence {
				t.Logf("  request: %s\n  response: %s", e.Request, e.Response)
			}
		}
	}
	// How long the run takes is a speed goal, not a correctness one: it lives in
	// BenchmarkReferenceSuite (go test -run - -bench ReferenceSuite ./scenarios).
	t.Logf("%d checks %v in %s", len(res.Checks), n, took)
	if res.Verdict != "CONFORMANT" {
		t.Errorf("verdict %s", res.Verdict)
	}
	codes := map[string]bool{}
	for _, cc := range res.Coverage.ErrorCodes {
		if cc.Exercised {
			codes[cc.Code] = true
		} else {
			t.Logf("context not exercised: %s %d %s", cc.Operation, cc.Status, cc.Code)
		}
	}
	batch := strings.Fields("100019 100022 100028 100203 100217 101001 105001 105002 105005 105201 105202 1010005 1010009 50252 50400")
	for _, c := range batch {
		if !codes[c] {
			t.Errorf("error code %s never exercised", c)
		}
	}
}

// TestReferenceDeterministic: 20 runs against fresh references give the same checks with the
// same outcomes, so CI never sees a flaky verdict.
func TestReferenceDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the whole suite 20 times")
	}
	var first []string
	for i := 0; i < 20; i++ {
		res, err := Check(context.Background(), Config{Target: startReference(t), Secrets: lookupSecret})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(res.Checks))
		for j, c := range res.Checks {
			got[j] = c.ID + " " + string(c.Outcome)
		}
		if i == 0 {
			first = got
			continue
		}
		if strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Fatalf("run %d differs from run 1: %d checks vs %d (%s)", i+1, len(got), len(first), res.Verdict)
		}
	}
}

// BenchmarkReferenceSuite measures one full certification of the reference platform: the goal
// is well under 15 s a run on 2 cores (go test -run - -bench ReferenceSuite -benchtime 3x ./scenarios).
func BenchmarkReferenceSuite(b *testing.B) {
	tg := startReference(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		res, err := Check(context.Background(), Config{Target: tg, Secrets: lookupSecret})
		if err != nil {
			b.Fatal(err)
		}
		if res.Verdict != batchcert.Conformant {
			b.Fatalf("verdict %s: %v", res.Verdict, res.VerdictReasons)
		}
	}
}
