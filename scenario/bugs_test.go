package scenario

import "github.com/zabsim/zabsim/server"

// The tests accept the server's bug switches, as simrun and liverun
// register them in the binary.
func init() {
	var names []string
	for _, b := range server.AllBugs() {
		names = append(names, string(b.Name))
	}
	RegisterBugSwitches(names)
}
