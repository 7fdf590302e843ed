package contracts

import (
	"testing"
)

// BenchmarkValidateBatchTask is the per-query cost of the contract layers: schema plus
// invariants on a realistic task body.
func BenchmarkValidateBatchTask(b *testing.B) {
	set := mustSchemas(b)
	p := mustProfile(b, "doc-strict")
	body := []byte(validTaskBody)
	sent := sentRequest()
	b.Run("schema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if vs := set.Validate(SchemaBatchTask, body); len(vs) > 0 {
				b.Fatal(vs)
			}
		}
	})
	b.Run("schema+invariants", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = set.Validate(SchemaBatchTask, body)
			task, err := DecodeTask(body)
			if err != nil {
				b.Fatal(err)
			}
			_ = CheckTask(p, Observation{Task: task, Raw: body, Sent: sent, SelectTags: true})
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = set.Validate(SchemaBatchTask, body)
			}
		})
	})
}
