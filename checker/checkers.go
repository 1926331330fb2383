package checker

import "github.com/zabsim/zabsim/history"

// Checker constructors, for Compose and for scenarios that list checkers.

// ZxidOrder returns CheckZxidOrder as a Checker.
func ZxidOrder() Checker { return CheckZxidOrder }

// Election returns CheckElection as a Checker.
func Election() Checker { return CheckElection }

// Registry returns CheckRegistry with opts as a Checker.
func Registry(opts RegistryOptions) Checker {
	return func(ops []history.Op) Result { return CheckRegistry(ops, opts) }
}

// Config returns CheckConfig with opts as a Checker.
func Config(opts ConfigOptions) Checker {
	return func(ops []history.Op) Result { return CheckConfig(ops, opts) }
}

// Lock returns CheckLock as a Checker.
func Lock() Checker { return CheckLock }

// Sequential returns CheckSequential as a Checker.
func Sequential() Checker { return CheckSequential }

// Bank returns CheckBank with opts as a Checker.
func Bank(opts BankOptions) Checker {
	return func(ops []history.Op) Result { return CheckBank(ops, opts) }
}

// Durability returns CheckDurability as a Checker.
func Durability() Checker { return CheckDurability }

// Stats returns CheckStats with opts as a Checker.
func Stats(opts StatsOptions) Checker {
	return func(ops []history.Op) Result { return CheckStats(ops, opts) }
}
