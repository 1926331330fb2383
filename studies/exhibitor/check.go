package exhibitor

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// configPair is a completed config read or reconfig and the config it
// saw.
type configPair struct {
	p   history.Pair
	cfg Config
}

// okConfigs decodes the ok completions of f, in completion order.
func okConfigs(r *checker.Report, ops []history.Op, fs ...string) []configPair {
	var out []configPair
	for _, p := range checker.CompletedInOrder(history.Pairs(history.FilterF(ops, fs...))) {
		if p.Type() != history.OK {
			continue
		}
		var c Config
		if err := p.Complete.Decode(&c); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		out = append(out, configPair{p: p, cfg: c})
	}
	return out
}

// CheckConvergence judges the end of a run:
//
//   - the final config is the highest version the healed phase's final
//     reads saw; every final read from one of its members (by client
//     address) must show that version with those members (not-converged);
//   - an acknowledged reconfig is never lost: the final version is not
//     older than the last acknowledged reconfig's (lost-reconfig);
//   - when the final version is the last acknowledged reconfig's, its
//     membership is that reconfig's (wrong-membership).
//
// A member no final read reached, or no final read at all, makes the
// verdict unknown: a member that did not answer is not one that agreed.
func CheckConvergence(ops []history.Op) checker.Result {
	r := checker.NewReport("config-convergence")
	finals := okConfigs(r, ops, FFinalConfig)
	if len(finals) == 0 {
		r.Doubt("no final read of %s succeeded", ConfigPath)
		return r.Done()
	}
	final := finals[0]
	for _, f := range finals[1:] {
		if f.cfg.Version > final.cfg.Version {
			final = f
		}
	}
	r.Counts["final-version"] = int(final.cfg.Version)
	r.Counts["final-voters"] = final.cfg.Voters()
	r.Counts["final-members"] = len(final.cfg.Members)
	read := map[string]bool{}
	for _, f := range finals {
		if _, member := memberAt(final.cfg, f.cfg.Server); !member {
			r.Counts["non-member-reads"]++
			continue
		}
		read[f.cfg.Server] = true
		if f.cfg.Version != final.cfg.Version || !SameMembers(f.cfg.Members, final.cfg.Members) {
			r.FlagOps("not-converged", []int{f.p.Complete.Index, final.p.Complete.Index},
				"member %s serves config version %#x (members %s) at the end; %s serves %#x (members %s)",
				f.cfg.Server, f.cfg.Version, membersString(f.cfg.Members), final.cfg.Server, final.cfg.Version, membersString(final.cfg.Members))
		}
	}
	for _, m := range final.cfg.Members {
		if m.Client != "" && !read[m.Client] {
			r.Doubt("member %d (%s) of the final config answered no final read", m.ID, m.Client)
		}
	}
	acked := okConfigs(r, ops, FReconfig)
	if len(acked) == 0 {
		return r.Done()
	}
	last := acked[0]
	for _, a := range acked[1:] {
		if a.cfg.Version > last.cfg.Version {
			last = a
		}
	}
	r.Counts["acknowledged-reconfigs"] = len(acked)
	switch {
	case final.cfg.Version < last.cfg.Version:
		r.FlagOps("lost-reconfig", []int{last.p.Complete.Index, final.p.Complete.Index},
			"the reconfig acknowledged with version %#x is lost: the servers end on version %#x", last.cfg.Version, final.cfg.Version)
	case final.cfg.Version == last.cfg.Version && last.cfg.Members != nil && !SameMembers(last.cfg.Members, final.cfg.Members):
		r.FlagOps("wrong-membership", []int{last.p.Complete.Index, final.p.Complete.Index},
			"version %#x was acknowledged with members %s; the servers end on it with members %s",
			last.cfg.Version, membersString(last.cfg.Members), membersString(final.cfg.Members))
	}
	return r.Done()
}

// memberAt reports whether the server with client address addr is a
// member of c.
func memberAt(c Config, addr string) (Member, bool) {
	for _, m := range c.Members {
		if m.Client == addr {
			return m, true
		}
	}
	return Member{}, false
}

// CheckOrder judges each session's view of the config: the versions its
// config reads and acknowledged reconfigs show never go backwards. A read
// invoked after the session's reconfig was acknowledged with version v
// shows v or later (reconfig-not-visible); a read after a read shows the
// same version or a later one (config-went-backwards).
func CheckOrder(ops []history.Op) checker.Result {
	r := checker.NewReport("config-order")
	type seen struct {
		version  int64
		index    int // the completion that showed it
		reconfig bool
	}
	bySession := map[int64]seen{}
	for _, c := range okConfigs(r, ops, FReadConfig, FReconfig, FFinalConfig) {
		s := c.p.Session()
		if s == 0 {
			continue
		}
		r.Counts["checked"]++
		prev, ok := bySession[s]
		isReconfig := c.p.Invoke.F == FReconfig
		if ok && c.cfg.Version < prev.version && c.p.Invoke.Index > prev.index {
			kind, what := "config-went-backwards", "read"
			if prev.reconfig {
				kind, what = "reconfig-not-visible", "acknowledged reconfig"
			}
			r.FlagOps(kind, []int{prev.index, c.p.Complete.Index},
				"session %#x read config version %#x after its %s showed %#x", s, c.cfg.Version, what, prev.version)
			continue
		}
		if !ok || c.cfg.Version > prev.version || c.cfg.Version == prev.version && isReconfig {
			bySession[s] = seen{version: c.cfg.Version, index: c.p.Complete.Index, reconfig: isReconfig}
		}
	}
	return r.Done()
}

// CheckAvailability counts config reads and reconfigs by outcome (and a
// reconfig's errors by name) and the share of each that succeeded; it
// fails when the healed phase read no config at all (no-final-config).
func CheckAvailability(ops []history.Op) checker.Result {
	r := checker.NewReport("config-availability")
	done := map[string]int{}
	for _, p := range history.Pairs(history.FilterF(ops, FReadConfig, FReconfig, FFinalConfig)) {
		if p.Open {
			r.Counts[p.Invoke.F+":open"]++
			continue
		}
		r.Counts[p.Invoke.F+":"+string(p.Type())]++
		done[p.Invoke.F]++
		if p.Invoke.F == FReconfig && p.Type() != history.OK && p.Complete.Error != "" {
			r.Counts["reconfig-error:"+p.Complete.Error]++
		}
	}
	for _, f := range []string{FReadConfig, FReconfig, FFinalConfig} {
		if done[f] > 0 {
			r.Stats[f+"-availability"] = float64(r.Counts[f+":"+string(history.OK)]) / float64(done[f])
		}
	}
	if r.Counts[FFinalConfig+":"+string(history.OK)] == 0 {
		r.Flag("no-final-config", "no final read of %s succeeded in the healed phase (%d tried)", ConfigPath, done[FFinalConfig])
	}
	return r.Done()
}
