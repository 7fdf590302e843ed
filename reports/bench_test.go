package reports

import (
	"bytes"
	"io"
	"testing"
)

func BenchmarkRender(b *testing.B) {
	var js bytes.Buffer
	if err := WriteJSON(&js, sampleResults()); err != nil {
		b.Fatal(err)
	}
	b.Run("read-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ReadJSON(bytes.NewReader(js.Bytes())); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			r := sampleResults()
			for b.Loop() {
				if err := Render(format, r, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
