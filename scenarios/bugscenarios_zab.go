package scenarios

// zabBugCatalog holds the hunting scenarios of replication-level bug
// switches (server/zab) added after the first seven; bugscenarios.go merges
// it into the catalogue.
var zabBugCatalog = []Scenario{}

// zabBugScenarios maps replication-level bug switches to the scenarios
// that hunt them, tried in order for every seed.
var zabBugScenarios = map[string][]string{}
