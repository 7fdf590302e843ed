package loadtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzMergeShards feeds hostile shard files to the merge: it must never panic, and whatever it
// merges must be a shard set it could account for (a step per rate, a status per shard).
func FuzzMergeShards(f *testing.F) {
	man := `{"format":"batchcert-shard/1","runId":"cap-x","index":0,"count":1,"startAt":"2026-12-01T12:00:00Z",
"target":{"name":"","url":"","transport":"rest","reference":false},"status":"ok","plan":{"operation":"query","rates":[10],
"stepDurationNs":1000000000,"stepGapNs":1000000000,"sloP99Ns":500000000,"maxErrorRate":0.01},"apps":[{"alias":"a","share":1}],
"share":1,"results":"r.gob","histograms":"h.json","steps":[{"attack":"capacity@10","rate":10,"shardRate":10,"step":{"rate":10,"achieved":0,"requests":0,"errorRate":0,"p50Ns":0,"p90Ns":0,"p99Ns":0,"maxNs":0,"ok":false},"errors":0,"violations":0}]}`
	hist := `{"format":"batchcert-shard/1","unit":"us","steps":[{"LowestTrackableValue":1,"HighestTrackableValue":300000000,"SignificantFigures":3,"Counts":[]}]}`
	f.Add(man, hist, "")
	f.Add(strings.Replace(man, `"count":1`, `"count":1000000`, 1), hist, "")
	f.Add(man, strings.Replace(hist, `"Counts":[]`, `"Counts":[-1,5]`, 1), "")
	f.Add(man, strings.Replace(hist, `"SignificantFigures":3`, `"SignificantFigures":9`, 1), "x")
	f.Add(strings.Replace(man, `"rates":[10]`, `"rates":[]`, 1), hist, "")
	f.Fuzz(func(t *testing.T, manifest, histograms, results string) {
		d := t.TempDir()
		for name, body := range map[string]string{"shard-0000.json": manifest, "h.json": histograms, "r.gob": results} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sm, err := MergeShards(d)
		if err != nil {
			return
		}
		if len(sm.Capacity.Steps) != len(sm.Plan.Rates) || len(sm.Capacity.Shards) != sm.Count {
			t.Errorf("merged %d steps of %d rates, %d shards of %d", len(sm.Capacity.Steps), len(sm.Plan.Rates), len(sm.Capacity.Shards), sm.Count)
		}
	})
}

// TestWaitForShardsIsBounded: the merge's wait ends when every shard has finished, or at its
// deadline with what there is; it never waits past it.
func TestWaitForShardsIsBounded(t *testing.T) {
	t.Parallel()
	tgt := liftedReference(t)
	dir := t.TempDir()
	runShards(t, tgt, dir, 3, 0, 2)
	clock := NewManualClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	until := clock.Now().Add(time.Minute)
	n, err := WaitForShards(context.Background(), clock, 3, until, 2*time.Second, dir)
	if err != nil || n != 2 || !clock.Now().Equal(until) {
		t.Fatalf("waited until %s for %d shards (%v); want 2 at %s", clock.Now(), n, err, until)
	}
	start := clock.Now()
	if n, _ := WaitForShards(context.Background(), clock, 2, until.Add(time.Hour), 2*time.Second, dir); n != 2 || !clock.Now().Equal(start) {
		t.Errorf("with every shard there it waited %s", clock.Now().Sub(start))
	}
}
