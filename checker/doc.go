// Package checker judges zabsim histories with the checkers every case
// study may use: linearizability of register histories (a zxid-guided
// O(n log n) fast path, with Porcupine as the fallback and for
// visualization, and failing windows), ZooKeeper's ordering guarantees for
// plain reads (per-session zxid monotonicity and FIFO, reads equal to
// committed state, watch events before the data), the sessions rule, a
// Stats summary, and Compose, which merges verdicts. Report and its helpers
// (NewReport, Malformed, DurationStats, HealTime, CompletedInOrder) are how
// every checker, here or in a study's package (studies/..., see package
// study), builds its Result; checkertest builds hand-made histories for
// their tests.
//
// Every checker is a function from a history to a Result whose Valid is true,
// false or unknown. Info operations are indeterminate: a checker never counts
// one as having happened or as not having happened unless the history proves
// which. A Porcupine timeout is Unknown, never a pass.
//
// checker never runs inside a simulation. It imports model, history and
// porcupine; it must never import sim, live, server, client, workloads,
// study, studies, scenarios or reports. It does not read the clock or start
// goroutines itself (Porcupine does, for its timeout and partitions).
package checker
