package register

import (
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the register case study.
var Study = &study.Study{
	Name: "register",
	Doc: `versioned registers: reads, sync+reads, blind writes and compare-and-set by version
Each key is a znode /register/k<i>; written values are unique across the
run, so a checker can tell which write a read saw. Its values are
history.RegisterValue, which the generic linearizability and zxid-order
checkers read.`,
	Workload: workloads.Define("register", 4, 3, newRegister),
	Checkers: []*study.Checker{study.Linearizable, study.ZxidOrder, study.Stats},
	Schema:   study.Schema{Ops: []string{history.FRead, history.FSyncRead, history.FWrite, history.FCas}, Doc: schemaDoc},
}
