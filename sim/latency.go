package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Dist names a latency distribution.
type Dist uint8

const (
	// Constant always yields Min.
	Constant Dist = iota
	// Uniform yields a value uniformly in [Min, Max].
	Uniform
	// Exponential yields Min plus an exponential variate with mean Mean,
	// capped at Max (a long tail that stays bounded).
	Exponential
	// Pareto yields Min·U^(-1/Alpha) capped at Max: a heavy tail whose
	// shape Alpha (> 0; smaller is heavier) is set by the caller.
	Pareto
)

func (d Dist) String() string {
	switch d {
	case Constant:
		return "constant"
	case Uniform:
		return "uniform"
	case Exponential:
		return "exponential"
	case Pareto:
		return "pareto"
	}
	return fmt.Sprintf("Dist(%d)", uint8(d))
}

// Latency is a distribution of delays. The zero value is a constant zero
// delay.
type Latency struct {
	Dist  Dist
	Min   time.Duration // the constant value, or the lower bound
	Max   time.Duration // upper bound (Uniform) or cap (Exponential, Pareto)
	Mean  time.Duration // Exponential: mean of the part above Min
	Alpha float64       // Pareto: shape, > 0
	_     struct{}
}

// ConstantLatency is a fixed delay d.
func ConstantLatency(d time.Duration) Latency { return Latency{Dist: Constant, Min: d} }

// UniformLatency is a delay uniform in [lo, hi].
func UniformLatency(lo, hi time.Duration) Latency { return Latency{Dist: Uniform, Min: lo, Max: hi} }

// ExponentialLatency is lo plus an exponential variate of the given mean,
// capped at maxD.
func ExponentialLatency(lo, mean, maxD time.Duration) Latency {
	return Latency{Dist: Exponential, Min: lo, Mean: mean, Max: maxD}
}

// MaxLatency bounds every configured delay (a year), so that sums of
// delays and times can never overflow.
const MaxLatency = 365 * 24 * time.Hour

// Validate reports a distribution that cannot be sampled.
func (l Latency) Validate() error {
	if l.Min < 0 || l.Max < 0 || l.Mean < 0 {
		return fmt.Errorf("sim: negative latency in %+v", l)
	}
	if l.Min > MaxLatency || l.Max > MaxLatency || l.Mean > MaxLatency {
		return fmt.Errorf("sim: latency above %v in %+v", MaxLatency, l)
	}
	switch l.Dist {
	case Constant:
		return nil
	case Uniform:
		if l.Max < l.Min {
			return fmt.Errorf("sim: uniform latency max %v < min %v", l.Max, l.Min)
		}
	case Exponential:
		if l.Max < l.Min {
			return fmt.Errorf("sim: exponential latency cap %v < min %v", l.Max, l.Min)
		}
	case Pareto:
		if !(l.Alpha > 0) || math.IsInf(l.Alpha, 0) {
			return fmt.Errorf("sim: pareto alpha %v must be a positive number", l.Alpha)
		}
		if l.Max < l.Min {
			return fmt.Errorf("sim: pareto latency cap %v < min %v", l.Max, l.Min)
		}
	default:
		return fmt.Errorf("sim: unknown latency distribution %v", l.Dist)
	}
	return nil
}

// sampleNS draws one delay in nanoseconds. l must be valid.
func (l Latency) sampleNS(rng *rand.Rand) int64 {
	lo := int64(l.Min)
	switch l.Dist {
	case Uniform:
		if l.Max == l.Min {
			return lo
		}
		return lo + rng.Int64N(int64(l.Max)-lo+1)
	case Exponential:
		v := lo + int64(rng.ExpFloat64()*float64(l.Mean))
		return min(v, int64(l.Max))
	case Pareto:
		u := 1 - rng.Float64() // (0, 1]
		v := float64(lo) * math.Pow(u, -1/l.Alpha)
		if v >= float64(l.Max) {
			return int64(l.Max)
		}
		return int64(v)
	}
	return lo
}
