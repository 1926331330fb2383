package registry

import (
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the registry case study.
var Study = &study.Study{
	Name: "registry",
	Doc: `Kafka broker registry: ephemeral membership converges, no ghost member after session expiry
Brokers register ephemeral /brokers/ids/<name> nodes and now and then
leave cleanly or crash (their session must expire); watchers list the
members with a child watch.`,
	Workload: workloads.Define("registry", 4, 0, newRegistry),
	Checkers: []*study.Checker{Checker, study.ZxidOrder, study.Stats},
	Schema:   study.Schema{Ops: []string{FJoin, FLeave, FExpire, FView}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "registry",
	Doc: `no ghost or stuck member, and every watcher's last view equals the live brokers
A view invoked more than the detection bound (twice the session timeout
plus 2 s) after a broker left or expired must not list it; detection time
in Stats.`,
	New: func(p study.Params) checker.Checker {
		return checker.Checker(func(ops []history.Op) checker.Result {
			// A dead broker may linger for its session timeout plus the
			// expiry bucket and the watch round trip.
			return Check(ops, Options{DetectionBound: 2*p.SessionTimeout + 2*time.Second})
		})
	},
}
