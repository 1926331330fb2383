package checker

import "github.com/zabsim/zabsim/history"

// Checker constructors, for Compose and for the studies that list the
// generic checkers (package study). Each case study's own checker lives in
// its study's package (studies/...).

// ZxidOrder returns CheckZxidOrder as a Checker.
func ZxidOrder() Checker { return CheckZxidOrder }

// Stats returns CheckStats with opts as a Checker.
func Stats(opts StatsOptions) Checker {
	return func(ops []history.Op) Result { return CheckStats(ops, opts) }
}
