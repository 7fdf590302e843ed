package loadtest

import (
	"bufio"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
)

var (
	benchShards  = flag.Int("merge-shards", 10, "BenchmarkMergeShards: shards to generate")
	benchResults = flag.Int("merge-results", 20000, "BenchmarkMergeShards: results per shard (the issue's figure: 1000000)")
)

// BenchmarkMergeShards merges generated shard files: -merge-shards shards of -merge-results
// results each, over two steps, with query-sized answer bodies. The figure is
//
//	go test -run - -bench MergeShards -benchtime 1x ./loadtest -args -merge-results 1000000
//
// which reports the merge's time, results per second, bytes allocated and peak heap.
func BenchmarkMergeShards(b *testing.B) {
	dir := b.TempDir()
	n, per := *benchShards, *benchResults
	var bytesOnDisk int64
	for i := range n {
		bytesOnDisk += writeBenchShard(b, dir, i, n, per)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		start := time.Now()
		sm, err := MergeShards(dir)
		took := time.Since(start)
		close(stop)
		<-done
		if err != nil {
			b.Fatal(err)
		}
		if len(sm.Incomplete) > 0 || sm.Capacity.Steps[0].Requests+sm.Capacity.Steps[1].Requests != n*per {
			b.Fatalf("merge: %v, %d requests", sm.Incomplete, sm.Capacity.Steps[0].Requests+sm.Capacity.Steps[1].Requests)
		}
		b.ReportMetric(float64(n*per)/took.Seconds(), "results/s")
		b.ReportMetric(float64(peak.Load())/float64(1<<20), "peak-heap-MiB")
	}
	b.ReportMetric(float64(bytesOnDisk)/float64(1<<20), "MiB-on-disk")
}

// writeBenchShard writes shard i's files as RunShard would: per results split over two steps.
func writeBenchShard(b *testing.B, dir string, i, n, per int) int64 {
	b.Helper()
	man, resName, histName := ShardFiles(i)
	f, err := os.Create(filepath.Join(dir, resName))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := vegeta.NewEncoder(w)
	rates := []float64{1000, 2000}
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"appId":"app-primary","taskId":"5f1e0c2a9b7d4e3f8a6b1c0d","taskName":"batchcert-cap","operator":"app-primary","taskFrom":"Portal","taskType":"DeviceCmd","status":"Complete","startTime":"20261201T120000Z","timeout":10,"progress":1000,"totalCnt":1,"successCnt":1,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":1,"successRate":1000}`)
	m := &ShardManifest{Format: ShardFormat, RunID: DefaultRunID(start), Index: i, Count: n, StartAt: start, Status: ShardOK,
		Apps: []ShardApp{{Alias: "app" + strconv.Itoa(i), Share: 1 / float64(n)}}, Share: 1 / float64(n), Results: resName, Histograms: histName,
		Plan: ShardPlan{Operation: OpQuery, Rates: rates, StepDuration: 10 * time.Second, StepGap: time.Second, SLOp99: 500 * time.Millisecond, MaxErrorRate: 0.01}}
	hists := &ShardHistograms{Format: ShardFormat, Unit: "us"}
	for k, rate := range rates {
		count := per / 2
		if k == 1 {
			count = per - per/2
		}
		shardRate := rate / float64(n)
		attack := attackPrefix + strconv.FormatFloat(shardRate, 'g', -1, 64)
		h := hdrhistogram.New(1, histMax, 3)
		stepStart := start.Add(time.Duration(k) * 11 * time.Second)
		for s := range count {
			intended := stepStart.Add(time.Duration(float64(s) / shardRate * float64(time.Second)))
			r := vegeta.Result{Attack: attack, Seq: uint64(s), Code: 200, Timestamp: intended.Add(50 * time.Microsecond),
				Latency: time.Duration(800+(s*7919)%4000) * time.Microsecond, BytesIn: uint64(len(body)), Body: body,
				Method: http.MethodGet, URL: "http://127.0.0.1:8743/iocm/app/batchtask/v1.1.0/tasks/5f1e0c2a9b7d4e3f8a6b1c0d",
				Headers: http.Header{"Content-Type": {"application/json"}, "Date": {intended.Format(http.TimeFormat)},
					IntendedHeader: {strconv.FormatInt(intended.UnixNano(), 10)}}}
			_ = h.RecordValue(latencyMicros(&r, intended))
			if err := enc.Encode(&r); err != nil {
				b.Fatal(err)
			}
		}
		hists.Steps = append(hists.Steps, h.Export())
		m.Steps = append(m.Steps, ShardStep{Attack: attack, Rate: rate, ShardRate: shardRate,
			Step: batchcert.CapacityStep{Rate: shardRate, Requests: count}})
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	_ = f.Close()
	if err := writeJSONFile(filepath.Join(dir, histName), hists); err != nil {
		b.Fatal(err)
	}
	if err := writeJSONFile(filepath.Join(dir, man), m); err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
