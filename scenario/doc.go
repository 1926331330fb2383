// Package scenario is the data of a whole test, and nothing that runs it:
// the Scenario type (cluster shape and server configuration, workload or
// mix, nemesis as fault families to plan or an explicit schedule, duration
// with a final healed phase, checkers, bug switches), the named catalogue
// and the bug-hunting scenarios, suites' membership, scenario files
// (JSON/YAML, decoded field by field), drawn configurations (Drawn),
// validation, and Compile, which turns a scenario and a seed into typed
// values once (workload groups, schedule or fault kinds, skipped
// operations, checkers, one bug set). It also holds what the simulated and
// the live tier share about a scenario: the seed's named random streams
// (Stream), the nemesis plan and its history records, the checker
// catalogue and the liveness checker.
//
// scenario must not import sim, simrun, the server (any of server/... but
// server/wire, which the client brings, and server/bugs, the leaf table of
// bug switches it checks names against), live, liverun, rundir, campaign or
// cmd: it is data that both tiers read.
package scenario
