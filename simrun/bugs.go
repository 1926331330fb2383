package simrun

import (
	"fmt"
	"slices"

	"github.com/zabsim/zabsim/scenario"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/zab"
)

func init() { scenario.RegisterBugSwitches(BugSwitches()) }

// BugSwitches names every bug switch a server has (server.AllBugs).
func BugSwitches() []string {
	var out []string
	for _, b := range server.AllBugs() {
		out = append(out, string(b.Name))
	}
	return out
}

// bugSet turns a run's bug switch names into the typed sets its servers
// take. Switches live in two places, server-level ones (server.KnownBugs)
// and replication-level ones (zab.AllBugs): a name goes to whichever knows
// it. This is the one place a run's bug names become switches.
func bugSet(names []string) (server.Bugs, zab.Bugs, error) {
	set := server.Bugs{}
	var zbugs zab.Bugs
	for _, name := range names {
		if i := slices.IndexFunc(zab.AllBugs(), func(b zab.Bug) bool { return b.String() == name }); i >= 0 {
			zbugs = zbugs.With(zab.AllBugs()[i])
			continue
		}
		if !slices.ContainsFunc(server.KnownBugs(), func(b server.BugInfo) bool { return string(b.Name) == name }) {
			return nil, 0, fmt.Errorf("unknown bug switch %q (known: %s)", name, scenario.BugSwitchList())
		}
		set[server.Bug(name)] = true
	}
	return set, zbugs, nil
}
