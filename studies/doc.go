// Package studies is the registry of zabsim's case studies: the fixed list
// of every study.Study, in name order, and lookups of a study and of a
// checker by name. Each study is a package of its own below this one
// (studies/register, studies/election, ...); adding one is writing that
// package and one line in All's list.
//
// Like the studies, it imports study, workloads, checker, history, model
// and client (and what they import); it must never import sim, live,
// server, scenarios, reports or cmd.
package studies
