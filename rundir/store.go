package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The results store, as Jepsen keeps one: every run and suite that is not
// given an explicit directory gets its own new, timestamped directory under
// the store's root, and is never overwritten:
//
//	store/runs/SCENARIO/20261207T184906.123Z-seed-7/     zabsim run
//	store/live/TARGET/SCENARIO/20261207T185012.456Z-seed-1/   zabsim live
//	store/suites/SUITE/20261207T190000.789Z/             zabsim suite
//	store/hunts/20261207T191000.012Z/                     zabsim hunt
//	store/latest, store/runs/SCENARIO/latest, ...        symlinks to the newest
//
// An explicit directory (--out) must be absent or empty; a directory that
// already holds a run or suite is replaced only when asked (--force).
// Timestamps are wall-clock UTC and live only in directory names, outside
// any simulated run.

// DefaultStore is the store's root when none is given, relative to the
// working directory (as Jepsen's store/).
const DefaultStore = "store"

// LatestLink names the symlinks to the newest directory of a store and of
// each of its groups.
const LatestLink = "latest"

// stampLayout is the directories' timestamp: UTC, sortable, no colons.
const stampLayout = "20060102T150405.000Z"

// Store is a results store rooted at Root.
type Store struct{ Root string }

// RunDir creates a new run directory for scenario and seed under
// Root/runs/SCENARIO.
func (st Store) RunDir(scenario string, seed uint64) (string, error) {
	return st.newDir([]string{"runs", scenario}, "seed-"+strconv.FormatUint(seed, 10))
}

// LiveRunDir creates a new live run directory under Root/live/TARGET/SCENARIO.
func (st Store) LiveRunDir(target, scenario string, seed uint64) (string, error) {
	return st.newDir([]string{"live", target, scenario}, "seed-"+strconv.FormatUint(seed, 10))
}

// SuiteDir creates a new suite directory under Root/suites/SUITE; shard, if
// not empty, is part of its name ("3of8").
func (st Store) SuiteDir(suite, shard string) (string, error) {
	leaf := ""
	if shard != "" {
		leaf = "shard-" + shard
	}
	return st.newDir([]string{"suites", suite}, leaf)
}

// HuntDir creates a new hunt directory under Root/hunts: the shrunk
// scenario file and shrunk run of each bug switch a hunt caught.
func (st Store) HuntDir() (string, error) {
	return st.newDir([]string{"hunts"}, "")
}

// HuntFile lists a hunt directory's results.
const HuntFile = "hunt.json"

// newDir makes Root/group.../STAMP[-leaf], unique even for two calls in one
// millisecond (a -2, -3... suffix): the directory is created exclusively.
func (st Store) newDir(group []string, leaf string) (string, error) {
	root := st.Root
	if root == "" {
		root = DefaultStore
	}
	parts := []string{root}
	for _, g := range group {
		parts = append(parts, storeComponent(g))
	}
	parent := filepath.Join(parts...)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("results store: %w", err)
	}
	name := time.Now().UTC().Format(stampLayout)
	if leaf != "" {
		name += "-" + storeComponent(leaf)
	}
	for i := 1; ; i++ {
		dir := filepath.Join(parent, name)
		if i > 1 {
			dir += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || i >= 1000 {
			return "", fmt.Errorf("results store: %w", err)
		}
	}
}

// storeComponent makes a scenario, suite or target name one safe path
// component: separators and anything unusual become '_', so a name such
// as "../../x" stays inside the store.
func storeComponent(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			b[i] = '_'
		}
	}
	out := string(b)
	if out == "" || strings.Trim(out, ".") == "" || out == LatestLink {
		out = "_" + out
	}
	return out
}

// MarkLatest points the store's latest link, and the latest link beside
// dir, at dir (a complete run or suite directory inside the store). The
// links are relative and replaced atomically.
func (st Store) MarkLatest(dir string) error {
	root := st.Root
	if root == "" {
		root = DefaultStore
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("results store: %s is not inside %s", dir, root)
	}
	return errors.Join(
		replaceSymlink(filepath.Join(filepath.Dir(dir), LatestLink), filepath.Base(dir)),
		replaceSymlink(filepath.Join(root, LatestLink), rel))
}

func replaceSymlink(link, target string) error {
	tmp := link + ".tmp-" + strconv.Itoa(os.Getpid())
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("results store: %w", err)
	}
	if err := os.Rename(tmp, link); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("results store: %w", err)
	}
	return nil
}

// ErrOutExists reports an explicit output directory that already holds
// files: results are never overwritten unless asked.
var ErrOutExists = errors.New("already exists and is not empty")

// CheckFreshDir accepts a directory that does not exist or is empty.
func CheckFreshDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			return fmt.Errorf("%s is a file, not a directory", dir)
		}
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s %w", dir, ErrOutExists)
	}
	return nil
}

// CheckOut checks an explicit output directory before any work is done:
// one that does not exist or is empty is fine. One that holds files is
// refused (ErrOutExists) unless force is set, and even then unless it is
// a zabsim run or suite directory (it has summary.json, suite.json or
// scenario.json, or is an unfinished live run with cluster/): anything
// else is never removed.
func CheckOut(dir string, force bool) error {
	err := CheckFreshDir(dir)
	if err == nil || !errors.Is(err, ErrOutExists) {
		return err
	}
	if !force {
		return fmt.Errorf("--out %s already holds results and zabsim never overwrites them: give another --out, "+
			"drop --out to get a new timestamped directory in the results store, or add --force to replace it", dir)
	}
	if !isResultsDir(dir) {
		return fmt.Errorf("--out %s holds files that are not a zabsim run or suite directory: "+
			"refusing to remove them, even with --force", dir)
	}
	return nil
}

// PrepareOut is CheckOut, then, with force, the removal of the earlier
// run or suite directory, so nothing of it mixes with the new results.
// Call it once the new results are ready to be written.
func PrepareOut(dir string, force bool) error {
	if err := CheckOut(dir, force); err != nil {
		return err
	}
	if CheckFreshDir(dir) == nil {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("--force: remove %s: %w", dir, err)
	}
	return nil
}

// isResultsDir reports whether dir looks like a run or suite directory
// zabsim wrote.
func isResultsDir(dir string) bool {
	for _, f := range []string{SummaryFile, SuiteFile, ScenarioFile, HuntFile, "cluster", "workers.log"} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return true
		}
	}
	return false
}

// FreeDir is base when it does not exist or is empty, otherwise the first
// of base-2, base-3, ... that is (a default output directory that must not
// overwrite an earlier one).
func FreeDir(base string) string {
	dir := base
	for i := 2; CheckFreshDir(dir) != nil && i < 10000; i++ {
		dir = base + "-" + strconv.Itoa(i)
	}
	return dir
}
