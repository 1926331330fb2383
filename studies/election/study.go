package election

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the election case study.
var Study = &study.Study{
	Name: "election",
	Doc: `HDFS NameNode failover: leader election with fenced writes to a shared resource
Candidates campaign with ephemeral-sequential nodes under /election; the
leader writes to /resource with a multi that first checks its own
election node, so a deposed leader's write is rejected; leaders
occasionally resign.`,
	Workload: workloads.Define("election", 3, 0, newElection),
	Checkers: []*study.Checker{Checker, study.ZxidOrder, study.Stats},
	Schema:   study.Schema{Ops: []string{FCampaign, FResign, FFencedWrite}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "election",
	Doc: `one leader per term, no write from a deposed leader accepted, failover after leader loss
Accepted fenced writes never go back in token, by zxid or real time; a
lost leader is followed by a new one (failover time in Stats).`,
	New: func(_ study.Params) checker.Checker {
		return Check
	},
}
