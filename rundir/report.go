package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/reports"
)

// Rewrite renders run directory dir's report again from the files the
// run wrote (summary.json, history.jsonl, roles.json): every plot, or, with
// plots false, index.html alone (plots already there are shown).
func Rewrite(dir string, plots bool) error {
	sum, _, err := LoadRun(dir)
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(dir, HistoryFile))
	if err != nil {
		return err
	}
	defer f.Close()
	ops, err := history.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	var roles []RoleChange
	if b, err := os.ReadFile(filepath.Join(dir, RolesFile)); err == nil {
		if err := json.Unmarshal(b, &roles); err != nil {
			return fmt.Errorf("%s: corrupt %s: %w", dir, RolesFile, err)
		}
	}
	return writeReport(dir, sum, ops, roles, plots)
}

// writeReport renders a run directory's plots (when plots is set) and
// index.html from the run's summary, history and role changes.
func writeReport(dir string, sum Summary, ops []history.Op, roles []RoleChange, plots bool) error {
	page := reports.RunPage{Summary: sum.RunSummary, Ops: ops, Logs: serverLogs(dir)}
	if sum.Live == nil {
		page.Summary.Repro = ReproCommand(dir)
	} else {
		page.Live = sum.Live.Target
	}
	if !plots {
		page.Faults = reports.Faults(ops)
		page.Plots = existingPlots(dir)
		return reports.WriteRunPage(dir, page)
	}
	return reports.WriteRunReport(dir, page, roleSpans(roles, history.EndTime(ops)))
}

// serverLogs lists a run directory's server logs, relative to it: a
// simulated run's logs/NODE.log, a live run's cluster/NODE/server.log; in
// natural node order.
func serverLogs(dir string) []string {
	var out []string
	for _, pattern := range []string{filepath.Join(LogsDir, "*.log"), filepath.Join("cluster", "*", "server.log")} {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, p := range m {
			if rel, err := filepath.Rel(dir, p); err == nil {
				out = append(out, filepath.ToSlash(rel))
			}
		}
	}
	// Same shape, differing only in the node's number: shorter first puts
	// s2 before s10.
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) < len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// existingPlots lists the plot images a run directory already has, in
// page order (a page re-rendered without drawing keeps them).
func existingPlots(dir string) []string {
	var out []string
	for _, p := range reports.PlotNames {
		for _, ext := range []string{".png", ".svg"} {
			if _, err := os.Stat(filepath.Join(dir, p+ext)); err == nil {
				out = append(out, p+ext)
			}
		}
	}
	return out
}

// roleSpans turns role changes into per-node spans ending at the next change
// (or at endNS).
func roleSpans(changes []RoleChange, endNS int64) []reports.RoleSpan {
	byNode := map[string][]RoleChange{}
	for _, c := range changes {
		byNode[c.Node] = append(byNode[c.Node], c)
	}
	nodes := make([]string, 0, len(byNode))
	for n := range byNode {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	var out []reports.RoleSpan
	for _, n := range nodes {
		cs := byNode[n]
		for i, c := range cs {
			end := endNS
			if i+1 < len(cs) {
				end = cs[i+1].TimeNS
			}
			if end < c.TimeNS {
				end = c.TimeNS
			}
			epoch := c.Epoch
			if epoch == 0 {
				epoch = -1
			}
			out = append(out, reports.RoleSpan{Node: n, StartNS: c.TimeNS, EndNS: end, Role: c.Label(), Epoch: epoch})
		}
	}
	return out
}
