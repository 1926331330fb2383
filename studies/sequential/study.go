package sequential

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the sequential case study.
var Study = &study.Study{
	Name: "sequential",
	Doc: `sequential znodes stay unique and monotonic
Workers create persistent-sequential nodes under /seq and record the
names the server chose.`,
	Workload: workloads.Define("sequential", 3, 0, newSequential),
	Checkers: []*study.Checker{Checker, study.ZxidOrder, study.Stats},
	Schema:   study.Schema{Ops: []string{FCreate}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "sequential",
	Doc: `sequential names are unique and increase per session
No create fails with NODEEXISTS (ZOOKEEPER-1046) or completes with
SESSIONMOVED (ZOOKEEPER-710).`,
	New: func(_ study.Params) checker.Checker {
		return Check
	},
}
