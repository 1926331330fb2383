package campaign

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/server"
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

// BugDocs is what the catalogue says about every bug switch (server.AllBugs).
func BugDocs() []BugDoc {
	var docs []BugDoc
	for _, b := range server.AllBugs() {
		docs = append(docs, BugDoc{Name: string(b.Name), JIRA: b.JIRA, Trigger: b.Trigger, Symptom: b.Symptom})
	}
	return docs
}
