package study

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/workloads"
)

// A Study is one case study: a workload, the checkers that judge the
// histories it writes, and the schema of its history values. Use keyed
// literals.
type Study struct {
	// Name names the study in scenarios (workload: NAME), mixes and
	// `zabsim list`: lower case, letters and digits.
	Name string
	// Doc documents the study: its first line says in one sentence what
	// it models; the rest, what its workers do and what its checkers
	// demand.
	Doc string
	// Workload makes the study's workers (see workloads.Define).
	Workload workloads.Workload
	// Checkers judge a run of the study, in this order: a scenario that
	// names no checkers runs these.
	Checkers []*Checker
	// Schema describes the values of the records the workers write.
	Schema Schema
	// NeedsTxns asks the recorder of a simulated run for the quorum's
	// committed txns as cluster records (history.FTxn): a checker of the
	// study replays them.
	NeedsTxns bool
	// DrawShares is how many shares of a drawn configuration's workload
	// draw (scenario explore) the study gets; 0 means 1. Changing it, or
	// adding a study, changes what every explore seed draws.
	DrawShares int
	// NeedsReconfig says the study runs only against an ensemble with
	// dynamic reconfiguration (scenario reconfig: true): its workers
	// reconfig. Drawn configurations never pick it.
	NeedsReconfig bool
	_             struct{}
}

// A Checker is one named checker a study runs. Use keyed literals.
type Checker struct {
	// Name names the checker in scenario files (checkers: [...]) and in
	// verdicts; it is unique across all studies.
	Name string
	// Doc says what the checker demands; its first line is a summary.
	Doc string
	// New builds the checker for one run.
	New func(Params) checker.Checker
	_   struct{}
}

// Params is what a checker may know of the run it judges. Use keyed
// literals.
type Params struct {
	// SessionTimeout is the session timeout the scenario's clients ask for.
	SessionTimeout time.Duration
	// Visualization, if not nil, receives Porcupine's HTML visualization
	// from a checker that has one.
	Visualization io.Writer
	_             struct{}
}

// Schema describes a study's history values: which operations (Op.F) its
// workers record and what each record's value holds. The value types
// themselves live in the study's package (or in history for the generic
// ones).
type Schema struct {
	// Ops lists the f of every record the workers write.
	Ops []string
	// Doc shows the values of each operation, as history.jsonl holds them.
	Doc string
	_   struct{}
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Validate reports what is wrong with a study: every field must be set,
// names well formed, the checkers named and built by a function.
func (s *Study) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(s.Name) {
		bad("study name %q: want lower-case letters and digits", s.Name)
	}
	if strings.TrimSpace(s.Doc) == "" {
		bad("study %s: no Doc", s.Name)
	}
	switch {
	case s.Workload == nil:
		bad("study %s: no Workload", s.Name)
	case s.Workload.Name() != s.Name:
		bad("study %s: its workload is named %q", s.Name, s.Workload.Name())
	}
	if len(s.Checkers) == 0 {
		bad("study %s: no Checkers", s.Name)
	}
	seen := map[string]bool{}
	for i, c := range s.Checkers {
		switch {
		case c == nil:
			bad("study %s: checker %d is nil", s.Name, i)
			continue
		case !checkerNameRE.MatchString(c.Name):
			bad("study %s: checker name %q: want lower-case words joined by '-'", s.Name, c.Name)
		case seen[c.Name]:
			bad("study %s: checker %s listed twice", s.Name, c.Name)
		}
		seen[c.Name] = true
		if strings.TrimSpace(c.Doc) == "" {
			bad("study %s: checker %s has no Doc", s.Name, c.Name)
		}
		if c.New == nil {
			bad("study %s: checker %s has no New", s.Name, c.Name)
		}
	}
	if s.DrawShares < 0 {
		bad("study %s: negative DrawShares", s.Name)
	}
	if len(s.Schema.Ops) == 0 || strings.TrimSpace(s.Schema.Doc) == "" {
		bad("study %s: the Schema lists no ops or has no Doc", s.Name)
	}
	return errors.Join(errs...)
}

var checkerNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Summary is the first line of a Doc.
func Summary(doc string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(doc), "\n")
	return first
}
