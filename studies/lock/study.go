package lock

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the lock case study.
var Study = &study.Study{
	Name: "lock",
	Doc: `Storm/Curator-style distributed lock with fencing tokens
Acquire is an ephemeral-sequential node under /lock and a wait to head the
queue (the sequence number is the fencing token); a holder releases after
a random time, and records "lost" at once when its connection or session
is in doubt.`,
	Workload: workloads.Define("lock", 3, 0, newLock),
	Checkers: []*study.Checker{Checker, study.Stats},
	Schema:   study.Schema{Ops: []string{FAcquire, FRelease, FLost}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "lock",
	Doc: `mutual exclusion among the holds a fenced resource accepts; progress when faults heal
Tokens are unique; a grant below an earlier token is refused by the
resource and counted (fenced), not a violation; accepted holds never
overlap.`,
	New: func(_ study.Params) checker.Checker {
		return Check
	},
}
