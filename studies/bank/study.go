package bank

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the bank case study.
var Study = &study.Study{
	Name: "bank",
	Doc: `multi transfers between accounts keep the total constant
A transfer reads two balances with one multiRead and writes both with one
multi of versioned setData ops; reads are one multiRead of every account.`,
	Workload: workloads.Define("bank", 4, 4, newBank),
	Checkers: []*study.Checker{Checker, study.Stats},
	Schema:   study.Schema{Ops: []string{FTransfer, history.FRead}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "bank",
	Doc: `every ok read shows all accounts, none negative, summing to the constant total
A read seeing one side of a transfer but not the other (a non-atomic
multi) breaks the sum.`,
	New: func(_ study.Params) checker.Checker {
		return checker.Checker(func(ops []history.Op) checker.Result { return Check(ops, Options{}) })
	},
}
