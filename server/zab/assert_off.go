//go:build !invariants

package zab

// expensiveChecks is off in ordinary builds; -tags invariants turns it on.
const expensiveChecks = false
