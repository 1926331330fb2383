package live

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// ClockOffsetEnv names the environment variable that points a zabsim
// process's wall clock at an offset file: the live tier's clock nemesis for
// zabsim nodes (Apache ZooKeeper JVMs get libfaketime instead). The file
// holds a Go duration ("-1.5s"); the runtime adds it to time.Now in Env.Now.
// Timers keep running on the real monotonic clock, as the simulator's timers
// run on a node's monotonic clock: a skew moves timestamps, not timeouts.
const ClockOffsetEnv = "ZABSIM_CLOCK_OFFSET_FILE"

// clockRereadEvery bounds how stale the offset may be: a strobe flips it
// every few hundred milliseconds, and reading a file on every Now would cost
// a syscall per request.
const clockRereadEvery = 50 * time.Millisecond

// offsetClock is a wall clock shifted by the duration in a file. It is used
// from one goroutine only (the node's loop). A nil *offsetClock is the plain
// wall clock.
type offsetClock struct {
	path   string
	offset time.Duration
	readAt time.Time // real time of the last read; zero before the first
}

// newOffsetClock returns nil for an empty path: no offset, no file reads.
func newOffsetClock(path string) *offsetClock {
	if path == "" {
		return nil
	}
	return &offsetClock{path: path}
}

func (c *offsetClock) now() time.Time {
	real := time.Now()
	if c == nil {
		return real
	}
	if c.readAt.IsZero() || real.Sub(c.readAt) >= clockRereadEvery {
		c.readAt = real
		// A missing or unreadable file keeps the last offset: the nemesis
		// replaces the file atomically, so a read never sees half of one.
		if d, err := ReadClockOffset(c.path); err == nil {
			c.offset = d
		}
	}
	return real.Add(c.offset)
}

// ReadClockOffset parses an offset file (ClockOffsetEnv) as the runtime
// reads it; an empty file is no offset.
func ReadClockOffset(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	text := strings.TrimSpace(string(b))
	if text == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("live: clock offset file %s: %w", path, err)
	}
	return d, nil
}
