// Package simrun runs a scenario in the simulator: it builds one
// deterministic world from a compiled scenario and a seed (servers with
// their bug switches, the workloads' workers, the nemesis through a sim
// host, window faults at protocol moments), records the history, role
// changes, the quorum's commits and the servers' logs as sim observers,
// supervises servers that stop on their own, checks the online Zab
// invariants and judges the run (Execute). Its result is a rundir.Outcome.
//
// simrun is the only package above sim that builds worlds of servers. It
// must not import live, liverun, campaign or cmd; and nothing of the live
// tier may import it (it links the simulator). It lives outside sim/
// because sim must never depend on the server.
package simrun
