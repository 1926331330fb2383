package scenarios

// serverBugCatalog holds the hunting scenarios of server-level bug switches
// (sessions, watches, sequential names, ...); bugscenarios.go merges it into
// the catalogue.
var serverBugCatalog = []Scenario{}

// serverBugScenarios maps server-level bug switches to the scenarios that
// hunt them, tried in order for every seed.
var serverBugScenarios = map[string][]string{}
