package simrun

import (
	"slices"
	"strings"

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

// bugSet turns a run's bug switch names (validated by scenario.Compile)
// into the typed sets its servers take. Switches live in two places today,
// server-level ones (server.KnownBugs) and replication-level ones
// (zab.AllBugs): a name goes to whichever knows it. This is the one place
// a run's bug names become switches; when the server has one typed bug set
// it is the one line to change (and the comma lists the two parsers take
// go with it).
func bugSet(names []string) (server.Bugs, zab.Bugs, error) {
	var srv, zb []string
	for _, name := range names {
		if slices.ContainsFunc(zab.AllBugs(), func(b zab.Bug) bool { return b.String() == name }) {
			zb = append(zb, name)
		} else {
			srv = append(srv, name)
		}
	}
	known := make([]server.Bug, 0)
	for _, b := range server.KnownBugs() {
		known = append(known, b.Name)
	}
	set, err := server.ParseBugs(strings.Join(srv, ","), known)
	if err != nil {
		return nil, 0, err
	}
	zbugs, err := zab.ParseBugs(strings.Join(zb, ","))
	if err != nil {
		return nil, 0, err
	}
	return set, zbugs, nil
}
