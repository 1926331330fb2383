package exhibitor

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the exhibitor case study.
var Study = &study.Study{
	Name: "exhibitor",
	Doc: `Netflix Exhibitor: rolling membership changes by reconfig while /zookeeper/config is watched
Worker 0 is the operator: it reads /zookeeper/config and makes one change
computed from it (conditional on that version) — remove a voter, or
promote an observer — then, after the next read, undoes it (adds the
voter back, demotes the observer); in the final phase it undoes a change
still pending. The other workers watch the config. Every worker reads the
config from each server in the healed phase. Needs an ensemble run with
dynamic reconfiguration (scenario reconfig: true).`,
	Workload:      workloads.Define("exhibitor", 2, 1, newExhibitor),
	Checkers:      []*study.Checker{Convergence, Order, Availability},
	Schema:        study.Schema{Ops: []string{FReadConfig, FReconfig, FFinalConfig}, Doc: schemaDoc},
	NeedsReconfig: true,
}

// Convergence is the study's convergence checker, CheckConvergence.
var Convergence = &study.Checker{
	Name: "config-convergence",
	Doc: `every member serves one config version at the end, the last acknowledged reconfig's
In the healed phase every member of the final config (the highest version
the final reads saw) serves that version; it is not older than an
acknowledged reconfig's (an acknowledged reconfig is never lost), and when
it is the last acknowledged reconfig's version, its membership is that
reconfig's. A member that never answered makes the verdict unknown.`,
	New: func(study.Params) checker.Checker { return CheckConvergence },
}

// Order is the study's per-session order checker, CheckOrder.
var Order = &study.Checker{
	Name: "config-order",
	Doc: `config versions move forward per session; an acknowledged reconfig is visible to its session
Per session, the config versions read (and acknowledged by reconfig
replies) never go backwards, so a read after an acknowledged reconfig in
the same session sees its version or a later one.`,
	New: func(study.Params) checker.Checker { return CheckOrder },
}

// Availability is the study's availability report, CheckAvailability.
var Availability = &study.Checker{
	Name: "config-availability",
	Doc: `availability of config reads and reconfigs during changes (counts)
Counts reads and reconfigs by outcome and the share that succeeded; the
healed phase must read the config at least once (liveness).`,
	New: func(study.Params) checker.Checker { return CheckAvailability },
}
