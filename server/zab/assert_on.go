//go:build invariants

package zab

// expensiveChecks: built with -tags invariants, every Ready also walks the
// log window and the leader's learner table (see checkExpensive).
const expensiveChecks = true
