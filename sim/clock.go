package sim

import (
	"fmt"
	"math"
	"time"
)

// EpochNS is the wall-clock time (ns since the Unix epoch) of world time 0:
// 2026-01-01T00:00:00Z. Simulated clocks never read the real wall clock.
const EpochNS int64 = 1767225600 * int64(time.Second)

// clock is a node's local clock: a piecewise-linear function of world time.
// Since the last change (base) it advances rate local ns per world ns. The
// epoch stays out of the float arithmetic, which only sees differences.
type clock struct {
	baseWorldNS int64
	baseLocalNS int64
	rate        float64
}

func newClock(offsetNS int64, rate float64) clock {
	return clock{baseLocalNS: EpochNS + offsetNS, rate: rate}
}

func (c *clock) local(worldNS int64) int64 {
	d := worldNS - c.baseWorldNS
	if c.rate == 1 {
		return c.baseLocalNS + d
	}
	return c.baseLocalNS + int64(float64(d)*c.rate)
}

// worldAt is the earliest world time at which the local clock reads at least
// localNS. Times the clock has already passed map to the base (the caller
// clamps to now).
func (c *clock) worldAt(localNS int64) int64 {
	d := localNS - c.baseLocalNS
	if d <= 0 {
		return c.baseWorldNS
	}
	if c.rate == 1 {
		return c.baseWorldNS + d
	}
	t := c.baseWorldNS + int64(math.Ceil(float64(d)/c.rate))
	for c.local(t) < localNS { // float rounding
		t++
	}
	for t > c.baseWorldNS && c.local(t-1) >= localNS {
		t--
	}
	return t
}

// rebase keeps the reading at worldNS and starts a new linear piece there.
func (c *clock) rebase(worldNS int64) {
	c.baseLocalNS = c.local(worldNS)
	c.baseWorldNS = worldNS
}

func validRate(rate float64) error {
	if !(rate > 0) || math.IsInf(rate, 0) || rate > 1e3 {
		return fmt.Errorf("sim: clock rate %v must be in (0, 1000]", rate)
	}
	return nil
}
