package reports

import "testing"

// BenchmarkWritePlots renders every plot of a 120 s, 40-client run
// (~215k ops, 1061 info, ~40 faults) as PNG and SVG.
func BenchmarkWritePlots(b *testing.B) {
	ops := busyHistory(b, 40)
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := WritePlots(dir, ops, faultySpans(), PlotOptions{Scenario: "busy"}); err != nil {
			b.Fatal(err)
		}
	}
}
