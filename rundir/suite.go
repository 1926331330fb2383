package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zabsim/zabsim/checker"
)

// SuiteEntry is one run of a suite, as suite.json lists it.
type SuiteEntry struct {
	Scenario    string           `json:"scenario"`
	Seed        uint64           `json:"seed"`
	Dir         string           `json:"dir"`   // relative to the suite directory
	Valid       checker.Validity `json:"valid"` // true, false or "unknown", as in summary.json (older suite.json files wrote "true"/"false" strings; they still read)
	Failing     string           `json:"failing,omitempty"`
	Error       string           `json:"error,omitempty"`
	TraceHash   string           `json:"trace_hash,omitempty"`
	SimSeconds  float64          `json:"sim_seconds"`
	WallSeconds float64          `json:"wall_seconds"`
	Repro       string           `json:"repro"`
}

// Failed reports whether the entry is not a clean pass.
func (e SuiteEntry) Failed() bool { return e.Valid != checker.Valid }

// WriteSuite writes suite.json.
func WriteSuite(dir string, entries []SuiteEntry) error {
	b, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, SuiteFile), append(b, '\n'))
}

// ReadSuite reads a suite directory's suite.json.
func ReadSuite(dir string) ([]SuiteEntry, error) {
	b, err := os.ReadFile(filepath.Join(dir, SuiteFile))
	if err != nil {
		return nil, fmt.Errorf("%s: not a suite directory: %w", dir, err)
	}
	var es []SuiteEntry
	if err := json.Unmarshal(b, &es); err != nil {
		return nil, fmt.Errorf("%s: corrupt %s: %w", dir, SuiteFile, err)
	}
	return es, nil
}
