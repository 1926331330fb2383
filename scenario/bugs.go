package scenario

import (
	"fmt"
	"slices"
	"strings"
)

// The bug switches a scenario may turn on are the server's (server.AllBugs
// holds their table). This package is data and must not import the server,
// so the packages that run scenarios against a server register the names
// once, at init: simrun (the simulator) and liverun (real processes).
var bugSwitches []string

// RegisterBugSwitches sets the names CheckBugs accepts.
func RegisterBugSwitches(names []string) {
	bugSwitches = slices.Sorted(slices.Values(names))
}

// CheckBugs reports the names that are not bug switches, listing every
// switch (as zabsim list does).
func CheckBugs(names []string) error {
	var unknown []string
	for _, n := range names {
		if !slices.Contains(bugSwitches, n) {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	known := bugSwitchList()
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("unknown bug switch %s (known: %s)", unknown[0], known)
	}
	return fmt.Errorf("unknown bug switches %s (known: %s)", strings.Join(unknown, ", "), known)
}

// bugSwitchList lists the registered bug switches, comma-separated.
func bugSwitchList() string { return strings.Join(bugSwitches, ", ") }
