//go:build !invariants

package sim

// expensiveChecks is off in ordinary builds; -tags invariants turns it on.
const expensiveChecks = false
