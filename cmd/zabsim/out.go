package main

import (
	"fmt"

	"github.com/spf13/pflag"
	"github.com/zabsim/zabsim/rundir"
)

// outFlags are where a command's results go: a new timestamped directory
// in the results store (--store), or exactly --out, which must be absent
// or empty unless --force replaces an earlier run or suite there.
type outFlags struct {
	out, store string
	force      bool
}

func (o *outFlags) register(fs *pflag.FlagSet, what string) {
	fs.StringVar(&o.out, "out", "", what+" directory; it must not exist or be empty (default: a new timestamped directory in the store)")
	fs.StringVar(&o.store, "store", rundir.DefaultStore, "results store for runs without --out (never overwritten; STORE/latest is the newest)")
	fs.BoolVar(&o.force, "force", false, "with --out: replace the run or suite directory already there")
}

// check refuses, before any work, an --out that holds results without
// --force, or --force without --out.
func (o *outFlags) check() error {
	if o.out == "" {
		if o.force {
			return usagef("--force replaces an existing --out directory; without --out every run gets a new directory")
		}
		return nil
	}
	if err := rundir.CheckOut(o.out, o.force); err != nil {
		return usageError{err}
	}
	return nil
}

// dir makes the directory for the results: --out (an earlier run or suite
// there removed with --force), or a new one in the store from newDir.
func (o *outFlags) dir(newDir func(rundir.Store) (string, error)) (string, error) {
	if o.out != "" {
		if err := rundir.PrepareOut(o.out, o.force); err != nil {
			return "", usageError{err}
		}
		return o.out, nil
	}
	d, err := newDir(rundir.Store{Root: o.store})
	if err != nil {
		return "", fmt.Errorf("%w (give --out or another --store)", err)
	}
	return d, nil
}

// markLatest points the store's latest links at a finished directory (a
// no-op for --out).
func (o *outFlags) markLatest(cmd interface{ PrintErrf(string, ...any) }, dir string) {
	if o.out != "" {
		return
	}
	if err := (rundir.Store{Root: o.store}).MarkLatest(dir); err != nil {
		cmd.PrintErrf("zabsim: warning: %v\n", err)
	}
}
