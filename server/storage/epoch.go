package storage

import "github.com/zabsim/zabsim/proc"

// epochFile writes one epoch file atomically and asynchronously: the value
// goes to <name>.tmp, a sync makes it durable, then a rename (durable at
// once) puts it in place, so a crash leaves either the old or the new value,
// never a torn one. One write is in flight at a time: a second write to the
// same temp file could be renamed into place before it is durable.
type epochFile struct {
	name         string
	value        int64 // latest value set
	durable      int64 // latest value in place
	writing      bool
	writingValue int64
	syncID       proc.SyncID
}

func (f *epochFile) set(disk proc.Disk, epoch int64) error {
	f.value = epoch
	if f.writing {
		return nil // written when the write in flight completes
	}
	return f.start(disk)
}

func (f *epochFile) start(disk proc.Disk) error {
	tmp := f.name + tmpSuffix
	if err := disk.WriteFile(tmp, encodeEpoch(f.value)); err != nil {
		return err
	}
	f.writing, f.writingValue = true, f.value
	f.syncID = disk.Sync(tmp)
	return nil
}

func (f *epochFile) owns(id proc.SyncID) bool { return f.writing && f.syncID == id }

// done completes the write in flight and starts the next one if the value
// changed meanwhile. It returns the value now durable.
func (f *epochFile) done(disk proc.Disk) (int64, error) {
	f.writing = false
	if err := disk.Rename(f.name+tmpSuffix, f.name); err != nil {
		return 0, err
	}
	f.durable = f.writingValue
	if f.value != f.durable {
		return f.durable, f.start(disk)
	}
	return f.durable, nil
}
