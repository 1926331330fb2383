// Package scenarios names and runs whole tests: a cluster shape and server
// configuration, a workload, a nemesis schedule (planned from the seed or
// given explicitly), a duration with a final healed phase, and the checkers
// that judge the history. Run builds one deterministic simulated world from a
// scenario and a seed and returns everything a run directory needs.
//
// scenarios may import everything below it (sim, server, client, workloads,
// nemesis, history, checker); never live or cmd.
package scenarios
