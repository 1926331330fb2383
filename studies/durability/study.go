package durability

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the durability case study.
var Study = &study.Study{
	Name: "durability",
	Doc: `no acknowledged write is lost across crash-restarts of every node
Workers create unique keys under /dur and, at the end, read back every
key they may have created from every server.`,
	Workload: workloads.Define("durability", 3, 0, newDurability),
	Checkers: []*study.Checker{Checker, study.Stats},
	Schema:   study.Schema{Ops: []string{history.FWrite, FFinalRead}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "durability",
	Doc: `every final read shows a value at least as new as every acknowledged write
A key with an acknowledged write but no final read makes the verdict
unknown.`,
	New: func(_ study.Params) checker.Checker {
		return Check
	},
}
