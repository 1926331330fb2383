package api

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the api case study.
var Study = &study.Study{
	Name: "api",
	Doc: `random operations over the whole client API, judged reply by reply against the reference spec
Workers draw every create mode, delete and setData with right and wrong
versions, reads with one-shot watches, persistent watches, multi and
multiRead, sync and session closes on a small shared tree (some pipelined
several to a session), and record each op's text form, xid and whole
answer, and every watch event. The quorum's committed txns are replayed
through model's znode-tree spec.`,
	Workload:  workloads.Define("api", 4, 0, newAPI),
	Checkers:  []*study.Checker{Checker, study.ZxidOrder, study.Stats},
	Schema:    study.Schema{Ops: []string{FAPI, history.FNotify}, Doc: schemaDoc},
	NeedsTxns: true,
	// The api checker holds every reply to the reference spec, the
	// strictest oracle there is: explore draws it three times as often.
	DrawShares: 3,
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "api",
	Doc: `every reply, Stat and watch event equals the reference spec's at its zxid
The quorum's committed txns (cluster "txn" records) are replayed through
model's spec in zxid order: every answered write equals the spec's result
at its txn, every answered read the spec's state at its reply zxid, a sync
reflects every txn committed before it was invoked, and watch events
answer watches with the right types before any reply reflecting them.
Without txn records (a live run) the verdict is unknown.`,
	New: func(_ study.Params) checker.Checker {
		return Check
	},
}
