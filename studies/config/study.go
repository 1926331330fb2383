package config

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/study"
	"github.com/zabsim/zabsim/workloads"
)

// Study is the config case study.
var Study = &study.Study{
	Name: "config",
	Doc: `Kafka topic configs: every watcher converges on the last value, no event lost, in order
Writers set /config/topic-<i> to unique values; watchers getData with a
watch, record every watch event and re-read a key after each event on it
(on a new session every key; on a resumed one they trust SetWatches).`,
	Workload: workloads.Define("config", 4, 2, newConfig),
	Checkers: []*study.Checker{Checker, study.ZxidOrder, study.Stats},
	Schema:   study.Schema{Ops: []string{history.FWrite, FObserve, history.FNotify}, Doc: schemaDoc},
}

// Checker is the study's own checker, Check.
var Checker = &study.Checker{
	Name: "config",
	Doc: `watchers observe written values in write order, converge, and lose no event
Per watcher and key, observations never go backwards in zxid order; every
watcher's last observation is the final value; once a watcher read a key
with a watch, a later committed write to it must be followed by an event
before any reply that reflects a newer state (lost-event).`,
	New: func(_ study.Params) checker.Checker {
		return checker.Checker(func(ops []history.Op) checker.Result { return Check(ops, Options{}) })
	},
}
