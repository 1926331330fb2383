// Package study defines the case-study plug-in: a Study is one way
// ZooKeeper is really used (a register, an HDFS-style election, a Kafka
// broker registry, ...) as one value — its name and documentation, the
// workload that drives it, the checkers that judge its histories, and the
// schema of its history values. It is the shape of go/analysis's Analyzer:
// this package holds the small core type; each study is a package of its
// own under studies/ (studies/register, studies/election, ...) exporting
// one *Study; package studies lists them in a fixed order; the scenario
// layer and `zabsim list` are the drivers.
//
// The checkers every study may share (linearizability, zxid-order, stats)
// are declared here as *Checker values, so a study lists them as it lists
// its own.
//
// study imports workloads, checker and history (and what they import); it
// must never import sim, live, server, scenarios, reports or cmd.
package study
