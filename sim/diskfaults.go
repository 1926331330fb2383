package sim

import (
	"fmt"
	"time"
)

// Disk faults through the world: unlike calling the Disk's methods
// directly, these are recorded in the trace hash and shown to observers.

func (w *World) diskFault(name, detail string, f func(d *Disk) error) error {
	n, err := w.lookup(name)
	if err != nil {
		return err
	}
	return w.act(func() error {
		if err := f(n.disk); err != nil {
			return err
		}
		w.fault(n, detail)
		return nil
	})
}

// CorruptFile damages bytes [off, off+n) of a node's file (see Disk.Corrupt).
func (w *World) CorruptFile(node, file string, off, n int64) error {
	return w.diskFault(node, fmt.Sprintf("corrupt %s:%s [%d,+%d)", node, file, off, n),
		func(d *Disk) error { return d.Corrupt(file, off, n) })
}

// FailSyncs makes a node's next n fsyncs fail with proc.ErrIO.
func (w *World) FailSyncs(node string, n int) error {
	return w.diskFault(node, fmt.Sprintf("fail-syncs %s %d", node, n),
		func(d *Disk) error { d.FailNextSyncs(n); return nil })
}

// FailWrites makes a node's next n writes fail with proc.ErrIO.
func (w *World) FailWrites(node string, n int) error {
	return w.diskFault(node, fmt.Sprintf("fail-writes %s %d", node, n),
		func(d *Disk) error { d.FailNextWrites(n); return nil })
}

// SetDiskCapacity bounds a node's disk (0 = unbounded): a full disk.
func (w *World) SetDiskCapacity(node string, bytes int64) error {
	return w.diskFault(node, fmt.Sprintf("disk-capacity %s %d", node, bytes),
		func(d *Disk) error { return d.SetCapacity(bytes) })
}

// SlowDisk adds extra to every later fsync of a node (0 restores it).
func (w *World) SlowDisk(node string, extra time.Duration) error {
	return w.diskFault(node, fmt.Sprintf("slow-disk %s +%v", node, extra),
		func(d *Disk) error { return d.SetExtraSyncLatency(extra) })
}
