package live

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/zabsim/zabsim/proc"
)

// dirDisk is a proc.Disk over one directory of flat files. Writes go to the
// OS page cache at once (durable only after Sync, as the contract says);
// Sync fsyncs in the background and posts SyncDone to the loop; Rename and
// Remove fsync the directory before returning, so they are durable at once.
// Append handles stay open between calls: a txn log appends constantly. It
// is loop-owned.
type dirDisk struct {
	dir     string // "" means no disk
	inc     *incarnation
	appends map[string]*os.File
	nextID  proc.SyncID
}

var _ proc.Disk = (*dirDisk)(nil)

func openDirDisk(dir string, inc *incarnation) (*dirDisk, error) {
	d := &dirDisk{dir: dir, inc: inc, appends: make(map[string]*os.File)}
	if dir == "" {
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("live: data dir: %w", err)
	}
	return d, nil
}

// path validates a flat file name: the Disk contract has no directories.
func (d *dirDisk) path(name string) (string, error) {
	if d.dir == "" {
		return "", fmt.Errorf("%w: node has no data dir", proc.ErrIO)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("%w: invalid file name %q", proc.ErrIO, name)
	}
	return filepath.Join(d.dir, name), nil
}

// diskErr maps an OS error to the proc vocabulary, keeping the cause.
func diskErr(op, name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s %s: %w", op, name, proc.ErrNotExist)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%s %s: %w", op, name, proc.ErrDiskFull)
	case errors.Is(err, proc.ErrIO):
		return err
	default:
		return fmt.Errorf("%s %s: %w: %v", op, name, proc.ErrIO, err)
	}
}

func (d *dirDisk) List() ([]string, error) {
	if d.dir == "" {
		return nil, fmt.Errorf("%w: node has no data dir", proc.ErrIO)
	}
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, diskErr("list", d.dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func (d *dirDisk) ReadFile(name string) ([]byte, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	return b, diskErr("read", name, err)
}

func (d *dirDisk) Append(name string, b []byte) error {
	f, err := d.appendHandle(name)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return diskErr("append", name, err)
}

func (d *dirDisk) appendHandle(name string) (*os.File, error) {
	if f, ok := d.appends[name]; ok {
		return f, nil
	}
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, diskErr("open", name, err)
	}
	d.appends[name] = f
	return f, nil
}

func (d *dirDisk) WriteFile(name string, b []byte) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	// An open O_APPEND handle stays valid across truncation: later appends
	// land after the new contents.
	return diskErr("write", name, os.WriteFile(p, b, 0o644))
}

func (d *dirDisk) Truncate(name string, size int64) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("truncate %s: %w: negative size %d", name, proc.ErrIO, size)
	}
	if _, err := os.Stat(p); err != nil {
		return diskErr("truncate", name, err)
	}
	return diskErr("truncate", name, os.Truncate(p, size))
}

func (d *dirDisk) Rename(from, to string) error {
	pf, err := d.path(from)
	if err != nil {
		return err
	}
	pt, err := d.path(to)
	if err != nil {
		return err
	}
	if err := os.Rename(pf, pt); err != nil {
		return diskErr("rename", from, err)
	}
	// The open handle follows the inode: it now appends to "to".
	d.closeHandle(to)
	if f, ok := d.appends[from]; ok {
		delete(d.appends, from)
		d.appends[to] = f
	}
	return d.syncDir("rename " + from)
}

func (d *dirDisk) Remove(name string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	d.closeHandle(name)
	if err := os.Remove(p); err != nil {
		return diskErr("remove", name, err)
	}
	return d.syncDir("remove " + name)
}

// syncDir makes a rename or removal durable: on Linux the directory entry
// change is only on disk once the directory itself is fsynced.
func (d *dirDisk) syncDir(what string) error {
	f, err := os.Open(d.dir)
	if err != nil {
		return diskErr(what+": open dir", d.dir, err)
	}
	defer f.Close()
	return diskErr(what+": fsync dir", d.dir, f.Sync())
}

// Sync opens the file now, so the fsync covers the inode as it is at the
// call even if it is renamed meanwhile, and fsyncs in the background. fsync
// flushes the inode's dirty pages whichever descriptor wrote them.
func (d *dirDisk) Sync(name string) proc.SyncID {
	d.nextID++
	id := d.nextID
	p, err := d.path(name)
	var f *os.File
	if err == nil {
		f, err = os.Open(p)
		err = diskErr("sync", name, err)
	}
	if err != nil {
		d.inc.deliver(proc.SyncDone{ID: id, File: name, Err: err})
		return id
	}
	inc := d.inc
	inc.wg.Go(func() {
		serr := diskErr("fsync", name, f.Sync())
		_ = f.Close()
		inc.post(proc.SyncDone{ID: id, File: name, Err: serr})
	})
	return id
}

func (d *dirDisk) closeHandle(name string) {
	if f, ok := d.appends[name]; ok {
		_ = f.Close()
		delete(d.appends, name)
	}
}

func (d *dirDisk) closeAll() {
	names := make([]string, 0, len(d.appends))
	for name := range d.appends {
		names = append(names, name)
	}
	for _, name := range names {
		d.closeHandle(name)
	}
}
