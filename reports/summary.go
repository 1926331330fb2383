package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// RunSummary is what a run directory's summary.json holds and what the run
// page, the suite page and JUnit render. Keys follow the design's run
// directory contract.
type RunSummary struct {
	Scenario    string           `json:"scenario"`
	Seed        uint64           `json:"seed"`
	TraceHash   string           `json:"trace_hash"`
	Valid       checker.Validity `json:"valid"`
	Bugs        []string         `json:"bugs,omitempty"`     // bug switches the run enabled
	Checkers    []checker.Result `json:"checkers,omitempty"` // one per checker, or one composed result
	Ops         OpCounts         `json:"ops"`
	SimSeconds  float64          `json:"sim_seconds"`
	WallSeconds float64          `json:"wall_seconds"`
	Repro       string           `json:"repro"` // the exact command that re-runs this seed
	// Error says why a run produced no verdict (it could not be built or
	// run); the verdict is then unknown.
	Error string `json:"error,omitempty"`
}

// OpCounts counts a history's records by kind.
type OpCounts struct {
	Invoked int `json:"invoked"`
	OK      int `json:"ok"`
	Fail    int `json:"fail"`
	Info    int `json:"info"` // completed info plus invocations that never completed
	Nemesis int `json:"nemesis"`
}

// CountOps counts client ops by outcome and nemesis records.
func CountOps(ops []history.Op) OpCounts {
	var c OpCounts
	for _, op := range ops {
		if op.IsNemesis() {
			c.Nemesis++
		}
	}
	for _, p := range history.Pairs(ops) {
		c.Invoked++
		switch p.Type() {
		case history.OK:
			c.OK++
		case history.Fail:
			c.Fail++
		default:
			c.Info++
		}
	}
	return c
}

// WriteSummary writes s as indented JSON to path, atomically.
func WriteSummary(path string, s RunSummary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("reports: encode summary: %w", err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// ReadSummary reads a summary.json. Unknown keys are rejected so a summary
// written by a newer zabsim is not silently misread.
func ReadSummary(path string) (RunSummary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return RunSummary{}, fmt.Errorf("reports: %w", err)
	}
	var s RunSummary
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return RunSummary{}, fmt.Errorf("reports: %s: %w", path, err)
	}
	return s, nil
}

// verdictName is how pages and JUnit name a Validity.
func verdictName(v checker.Validity) string {
	switch v {
	case checker.Valid:
		return "valid"
	case checker.Invalid:
		return "invalid"
	default:
		return "unknown"
	}
}

// verdictRank orders failures first: invalid, unknown, valid.
func verdictRank(v checker.Validity) int {
	switch v {
	case checker.Invalid:
		return 0
	case checker.Unknown:
		return 1
	default:
		return 2
	}
}

// flatChecker is one checker's verdict with its path in a composed result.
type flatChecker = checker.Leaf

// flattenCheckers lists leaf results depth-first (checker.Leaves).
func flattenCheckers(rs []checker.Result) []flatChecker { return checker.Leaves(rs) }
