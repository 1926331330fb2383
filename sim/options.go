package sim

import (
	"fmt"
	"io"
	"math"
	"time"
)

// LinkOptions describe one directed link (from one node to another).
type LinkOptions struct {
	// Latency is the one-way delay of a connection chunk or datagram.
	Latency Latency
	// LossProb, DupProb and ReorderProb apply to datagrams only; connections
	// are reliable while they last. A reordered datagram is held back by an
	// extra ReorderDelay draw, so later datagrams overtake it.
	LossProb     float64
	DupProb      float64
	ReorderProb  float64
	ReorderDelay Latency
	_            struct{}
}

// Validate reports unusable link options.
func (o LinkOptions) Validate() error {
	if err := o.Latency.Validate(); err != nil {
		return fmt.Errorf("link latency: %w", err)
	}
	if err := o.ReorderDelay.Validate(); err != nil {
		return fmt.Errorf("link reorder delay: %w", err)
	}
	for _, p := range []struct {
		what string
		p    float64
	}{{"loss", o.LossProb}, {"duplication", o.DupProb}, {"reorder", o.ReorderProb}} {
		if err := checkProb(p.what, p.p); err != nil {
			return err
		}
	}
	return nil
}

// DefaultMaxEvents bounds a world whose Options.MaxEvents is 0.
const DefaultMaxEvents = 1 << 34

// Options configure a World. The zero value is valid: zero latencies,
// immediate break detection, no logging. DefaultOptions is a realistic start.
type Options struct {
	// Link applies to every directed link until SetLink overrides it.
	Link LinkOptions
	// BreakDetect is the delay between a connection breaking (partition,
	// crash of the peer, dial over a cut link) and each surviving end's
	// Closed{Err: proc.ErrConnReset}: the time a real stack needs to time
	// out or receive a reset.
	BreakDetect Latency
	// MaxEvents bounds the events a world executes (0: DefaultMaxEvents);
	// running past it returns ErrEventLimit.
	MaxEvents uint64
	// Log receives Env.Logf lines; nil discards them without formatting.
	Log io.Writer
	// Observers see every executed event, note, lifecycle and fault change
	// (a KindObserver only the kinds it asks for).
	Observers []Observer
	_         struct{}
}

// DefaultOptions is a LAN: 100–500 µs links, a 200 ms–1 s break detection.
func DefaultOptions() Options {
	return Options{
		Link: LinkOptions{
			Latency:      UniformLatency(100*time.Microsecond, 500*time.Microsecond),
			ReorderDelay: UniformLatency(0, 2*time.Millisecond),
		},
		BreakDetect: UniformLatency(200*time.Millisecond, time.Second),
	}
}

// Validate reports unusable options.
func (o Options) Validate() error {
	if err := o.Link.Validate(); err != nil {
		return err
	}
	if err := o.BreakDetect.Validate(); err != nil {
		return fmt.Errorf("break detect: %w", err)
	}
	for i, ob := range o.Observers {
		if ob == nil {
			return fmt.Errorf("sim: observer %d is nil", i)
		}
	}
	return nil
}

// NodeOptions configure one node.
type NodeOptions struct {
	// ClockOffset is added to the node's clock (local = epoch + offset +
	// rate·t at world time t).
	ClockOffset time.Duration
	// ClockRate is local ns per world ns; 0 means 1. 1.0001 runs 100 ppm
	// fast.
	ClockRate float64
	// Disk configures the node's disk.
	Disk DiskOptions
	_    struct{}
}

// Validate reports unusable node options.
func (o NodeOptions) Validate() error {
	if o.ClockRate != 0 {
		if err := validRate(o.ClockRate); err != nil {
			return err
		}
	}
	if o.ClockOffset > time.Duration(math.MaxInt64/4) || o.ClockOffset < -time.Duration(EpochNS) {
		return fmt.Errorf("sim: clock offset %v out of range", o.ClockOffset)
	}
	return o.Disk.Validate()
}
