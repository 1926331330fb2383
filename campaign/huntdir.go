package campaign

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/server/bugs"
)

// WriteShrunk keeps what a hunt shrank in hunt directory dir: the shrunk
// scenario as the scenario file DIR/BUG.json (so a printed command re-runs
// it) and the shrunk run as the run directory DIR/BUG (its report and
// plots, for zabsim serve); invocation is recorded in its summary. It
// returns the file's path ("" when the hunt did not shrink).
func WriteShrunk(dir string, r HuntResult, invocation string) (string, error) {
	if r.Shrunk == nil {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	s := r.Shrunk.Scenario
	s.Name = r.Scenario + "-shrunk"
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, r.Bug+".json")
	if err := rundir.WriteFileAtomic(file, append(b, '\n')); err != nil {
		return "", err
	}
	if o := r.Shrunk.Outcome; o != nil {
		o.Summary.Invocation = invocation
		if err := rundir.Write(filepath.Join(dir, r.Bug), o, rundir.PlotsAll); err != nil {
			return "", err
		}
	}
	return file, nil
}

// WriteHuntSummary writes hunt.json: every bug switch hunted so far.
func WriteHuntSummary(dir string, rs []HuntResult) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	return rundir.WriteFileAtomic(filepath.Join(dir, rundir.HuntFile), append(b, '\n'))
}

// BugDocs is what the catalogue says about every bug switch (server/bugs'
// table).
func BugDocs() []BugDoc {
	var docs []BugDoc
	for _, b := range bugs.All() {
		docs = append(docs, BugDoc{Name: b.Name, JIRA: b.JIRA, Trigger: b.Trigger, Symptom: b.Symptom})
	}
	return docs
}

// HuntEach hunts each bug switch in order (Hunt) and keeps what it finds:
// the hunt directory, made by newDir when there is a first shrunk run to
// keep (a hunt that finds nothing leaves nothing behind), gets each
// shrunk scenario file and run (WriteShrunk) and hunt.json, rewritten
// after every switch. done is told each result and its shrunk scenario
// file ("" when not shrunk) as it comes. It returns the hunt directory
// ("" if none was made) and the switches not detected.
func HuntEach(bugs []string, opts HuntOptions, newDir func() (string, error), invocation string,
	done func(r HuntResult, shrunkFile string)) (dir string, missed []string, err error) {
	var results []HuntResult
	for _, b := range bugs {
		r, err := Hunt(b, opts)
		if err != nil {
			return dir, missed, err
		}
		if r.Shrunk != nil && dir == "" {
			if dir, err = newDir(); err != nil {
				return dir, missed, err
			}
		}
		file, err := WriteShrunk(dir, r, invocation)
		if err != nil {
			return dir, missed, err
		}
		done(r, file)
		if !r.Detected {
			missed = append(missed, b)
		}
		results = append(results, r)
		if dir != "" {
			if err := WriteHuntSummary(dir, results); err != nil {
				return dir, missed, err
			}
		}
	}
	return dir, missed, nil
}

// HuntTargets resolves the switches a hunt names, in order, each once, or
// every huntable one for "all".
func HuntTargets(bugs []string) ([]string, error) {
	known := scenario.HuntableBugs()
	if len(bugs) == 0 {
		return nil, fmt.Errorf("--bug is required (one of %s, or all)", strings.Join(known, ", "))
	}
	if slices.Contains(bugs, "all") {
		return known, nil
	}
	var out []string
	for _, b := range bugs {
		if !slices.Contains(known, b) {
			return nil, fmt.Errorf("--bug: unknown bug switch %q (known: %s, or all)", b, strings.Join(known, ", "))
		}
		if !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out, nil
}

// CatalogueOffsets are n seed offsets a thousand seeds apart from start.
func CatalogueOffsets(start uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = start + uint64(i)*1000
	}
	return out
}
