//go:build invariants

package sim

// expensiveChecks: built with -tags invariants, every event also checks the
// whole queue (see eventQueue.check).
const expensiveChecks = true
