package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/reports"
)

// The nemesis.Host methods. Each takes the cluster's lock, so faults apply
// one at a time and never race Stop.

// locked runs f on node name under the lock; a stopped cluster refuses.
func (c *Cluster) locked(name string, f func(nd *clusterNode) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errStopped
	}
	nd, err := c.node(name)
	if err != nil {
		return err
	}
	return f(nd)
}

// Kill sends SIGKILL to node's process group. mode is recorded by the
// executor but cannot be honoured: a real kernel keeps every byte the
// process wrote (its page cache survives the process), so a live kill
// always behaves like CrashKeepAll would; losing or tearing unsynced writes
// needs the simulator.
func (c *Cluster) Kill(node string, mode nemesis.CrashMode) error {
	return c.locked(node, func(nd *clusterNode) error {
		if nd.down {
			return fmt.Errorf("live: kill %s: already down", node)
		}
		c.opts.Logf("live: kill -9 %s (crash mode %v recorded; the kernel keeps written bytes)", node, mode)
		return nd.kill()
	})
}

// Restart starts a killed node again from its data directory.
func (c *Cluster) Restart(node string) error {
	return c.locked(node, func(nd *clusterNode) error {
		if !nd.down {
			return fmt.Errorf("live: restart %s: it is running", node)
		}
		return c.startNode(nd)
	})
}

// Pause freezes node's process group with SIGSTOP.
func (c *Cluster) Pause(node string) error {
	return c.locked(node, func(nd *clusterNode) error {
		if nd.down || nd.paused {
			return fmt.Errorf("live: pause %s: down or already paused", node)
		}
		if err := nd.signal(syscall.SIGSTOP); err != nil {
			return err
		}
		nd.paused = true
		c.opts.Logf("live: SIGSTOP %s", node)
		return nil
	})
}

// Resume continues node's process group with SIGCONT.
func (c *Cluster) Resume(node string) error {
	return c.locked(node, func(nd *clusterNode) error {
		if !nd.paused {
			return fmt.Errorf("live: resume %s: not paused", node)
		}
		if err := nd.signal(syscall.SIGCONT); err != nil {
			return err
		}
		nd.paused = false
		c.opts.Logf("live: SIGCONT %s", node)
		return nil
	})
}

// Partition replaces the cut set. A pair of nodes whose link is cut in
// either direction loses its connections on both the quorum and the
// election port, and new ones are refused until healed: a TCP connection
// needs both directions, as in the simulator (where a one-way cut also
// breaks the pair's connections; only datagrams, which the server does not
// use, see one-way cuts). Nil heals everything.
func (c *Cluster) Partition(cuts []nemesis.Link) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errStopped
	}
	if c.proxies == nil && len(cuts) > 0 {
		return fmt.Errorf("live: partition %v: %w", cuts, c.noLinks())
	}
	cut := make([][]bool, len(c.nodes))
	for i := range cut {
		cut[i] = make([]bool, len(c.nodes))
	}
	for _, l := range cuts {
		i, j := c.nodeIndex(l.From), c.nodeIndex(l.To)
		if i < 0 || j < 0 || i == j {
			return fmt.Errorf("live: cannot cut link %v", l)
		}
		cut[i][j], cut[j][i] = true, true
	}
	for i, row := range c.proxies {
		for j, p := range row {
			if p == nil {
				continue
			}
			p.quorum.setCut(cut[i][j])
			if p.election != nil {
				p.election.setCut(cut[i][j])
			}
		}
	}
	c.cuts = slices.Clone(cuts)
	c.opts.Logf("live: partition %v", cuts)
	return nil
}

// Degrade sets the added latency and jitter of every link's proxies. Loss,
// duplication and reordering apply to datagrams in the simulator and have
// no meaning for the TCP streams the servers use; they are ignored here
// too.
func (c *Cluster) Degrade(f nemesis.LinkFaults) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return errStopped
	}
	if f.Latency < 0 || f.Jitter < 0 {
		return fmt.Errorf("live: negative latency or jitter in %v", f)
	}
	if c.proxies == nil && (f.Latency > 0 || f.Jitter > 0) {
		return fmt.Errorf("live: degrade %v: %w", f, c.noLinks())
	}
	for _, row := range c.proxies {
		for _, p := range row {
			if p == nil {
				continue
			}
			p.quorum.setDelay(f.Latency, f.Jitter)
			if p.election != nil {
				p.election.setDelay(f.Latency, f.Jitter)
			}
		}
	}
	c.opts.Logf("live: degrade %v", f)
	return nil
}

// noLinks explains why a cluster without proxies cannot act on links.
func (c *Cluster) noLinks() error {
	why := "a single node has no links"
	if c.opts.DirectLinks {
		why = "the cluster was started with DirectLinks (no link proxies)"
	}
	return fmt.Errorf("%s: %w", why, nemesis.ErrUnsupported)
}

// DiskFault is not supported live: fsync errors and slow syncs need a
// fault-injecting filesystem (or the simulator).
func (c *Cluster) DiskFault(node string, f nemesis.DiskFault) error {
	return fmt.Errorf("live: disk fault %+v on %s: real disks cannot fail fsync on demand: %w", f, node, nemesis.ErrUnsupported)
}

// CorruptRecord is not supported live: the two targets' log formats differ
// and a running process may hold the file open.
func (c *Cluster) CorruptRecord(node string, pick uint64) error {
	return fmt.Errorf("live: corrupting a log record on %s: %w", node, nemesis.ErrUnsupported)
}

// ClockSkew sets node's wall clock offset and ends any strobe.
func (c *Cluster) ClockSkew(node string, offset time.Duration) error {
	return c.locked(node, func(nd *clusterNode) error {
		if err := c.clockSupported(node); err != nil {
			return err
		}
		nd.stopStrobe()
		return nd.writeClock(c.opts.Target, offset)
	})
}

// ClockJump moves node's wall clock by delta from its current offset.
func (c *Cluster) ClockJump(node string, delta time.Duration) error {
	return c.locked(node, func(nd *clusterNode) error {
		if err := c.clockSupported(node); err != nil {
			return err
		}
		nd.stopStrobe()
		return nd.writeClock(c.opts.Target, nd.offset+delta)
	})
}

// ClockStrobe flips node's offset between high and low every period until
// the next skew or jump.
func (c *Cluster) ClockStrobe(node string, low, high, period time.Duration) error {
	if period <= 0 {
		return fmt.Errorf("live: strobe period %v must be positive", period)
	}
	return c.locked(node, func(nd *clusterNode) error {
		if err := c.clockSupported(node); err != nil {
			return err
		}
		nd.stopStrobe()
		if err := nd.writeClock(c.opts.Target, high); err != nil {
			return err
		}
		nd.strobe = startStrobe(nd, c.opts.Target, low, high, period)
		return nil
	})
}

// ClockRate is not supported live for rates other than 1: the simulator's
// rate moves a node's timers too, which the zabsim offset file cannot do.
// (libfaketime's "xRATE" could for ZooKeeper JVMs; not wired up yet.) Rate
// 1 is the real rate, so restoring it always succeeds.
func (c *Cluster) ClockRate(node string, rate float64) error {
	return c.locked(node, func(nd *clusterNode) error {
		if rate == 1 {
			return nil
		}
		return fmt.Errorf("live: clock rate %v on %s: real timers cannot be slowed: %w", rate, node, nemesis.ErrUnsupported)
	})
}

func (c *Cluster) clockSupported(node string) error {
	if c.opts.Target == TargetZooKeeper && c.faketime == "" {
		why := "libfaketime not installed (apt-get install faketime)"
		if c.opts.NoClockFaults {
			why = "the cluster was started with NoClockFaults"
		}
		return fmt.Errorf("live: clock fault on zookeeper node %s: %s: %w", node, why, nemesis.ErrUnsupported)
	}
	return nil
}

// writeClock replaces the node's offset file: a Go duration for zabsim
// (read by the live runtime, see live.ClockOffsetEnv), libfaketime's relative
// "+seconds" form for ZooKeeper.
func (nd *clusterNode) writeClock(target Target, offset time.Duration) error {
	text := offset.String()
	if target == TargetZooKeeper {
		text = fmt.Sprintf("%+.6f", offset.Seconds())
	}
	if err := reports.WriteFileAtomic(nd.clockPath, []byte(text+"\n")); err != nil {
		return fmt.Errorf("live: clock of %s: %w", nd.name, err)
	}
	nd.offset = offset
	return nil
}

// strobe is a goroutine flipping one node's clock offset file.
type strobe struct {
	stop chan struct{}
	done chan struct{}
}

// startStrobe flips between low and high every period, starting from high
// (already written), the way the simulator's host does.
func startStrobe(nd *clusterNode, target Target, low, high, period time.Duration) *strobe {
	s := &strobe{stop: make(chan struct{}), done: make(chan struct{})}
	path := nd.clockPath
	go func() {
		defer close(s.done)
		t := time.NewTicker(period)
		defer t.Stop()
		toHigh := false
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				off := low
				if toHigh {
					off = high
				}
				text := off.String()
				if target == TargetZooKeeper {
					text = fmt.Sprintf("%+.6f", off.Seconds())
				}
				_ = reports.WriteFileAtomic(path, []byte(text+"\n"))
				toHigh = !toHigh
			}
		}
	}()
	return s
}

// stopStrobe ends a strobe; the offset file keeps the last value written
// until the caller writes a new one.
func (nd *clusterNode) stopStrobe() {
	if nd.strobe == nil {
		return
	}
	close(nd.strobe.stop)
	<-nd.strobe.done
	nd.strobe = nil
}

// FaketimeLibrary returns the path of libfaketime's preload library, or ""
// when it is not installed. ZABSIM_LIBFAKETIME overrides the search.
func FaketimeLibrary() string {
	if p := os.Getenv("ZABSIM_LIBFAKETIME"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	// Debian's faketime package: /usr/lib/<multiarch>/faketime/libfaketime.so.1.
	for _, pattern := range []string{"/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1", "/usr/local/lib/faketime/libfaketime.so.1"} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	return ""
}

// Member is not applied to live clusters yet: the ensembles start without
// reconfigEnabled, spares or the super user's digest. The step is recorded
// as unsupported and the run goes on.
func (c *Cluster) Member(ch nemesis.MemberChange) error {
	return fmt.Errorf("live: %v: membership changes on live clusters: %w", ch, nemesis.ErrUnsupported)
}
