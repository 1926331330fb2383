package reports

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// niceTicks labels a linear axis at round steps (1, 2 or 5 times a power
// of ten) chosen so that at most maxLabels labels fit, and marks the steps
// between them unlabelled: gonum's default labels only three or four
// values, too few to read a time off a 60 s run.
type niceTicks struct{ maxLabels int }

// Ticks implements plot.Ticker.
func (n niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return []plot.Tick{{Value: lo, Label: formatTick(lo, 1)}}
	}
	step, minor := niceStep(hi-lo, max(n.maxLabels, 2))
	var ticks []plot.Tick
	first := math.Ceil(lo/minor-1e-9) * minor
	for i := 0; i < 10000; i++ {
		v := first + float64(i)*minor
		if v > hi+minor*1e-9 {
			break
		}
		t := plot.Tick{Value: v}
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			t.Label = formatTick(v, step)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// niceStep is the smallest labelled step in the 1-2-5 series that puts at
// most maxLabels labels on a span, and the minor step between them.
func niceStep(span float64, maxLabels int) (step, minor float64) {
	p := math.Pow(10, math.Floor(math.Log10(span/float64(maxLabels))))
	for _, m := range []float64{1, 2, 5, 10, 20, 50} {
		step = m * p
		if span/step <= float64(maxLabels) {
			break
		}
	}
	switch lead := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9)); {
	case math.Abs(lead-2) < 1e-6:
		minor = step / 4
	default:
		minor = step / 5
	}
	return step, minor
}

// formatTick prints v with as many decimals as step needs.
func formatTick(v, step float64) string {
	decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
	if math.Abs(v) < step*1e-9 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}
