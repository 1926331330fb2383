// Package nemesis owns the fault vocabulary and fault schedules of zabsim.
//
// A fault is a value (an Action) with a text form that round-trips through
// String and ParseAction. A Schedule is a list of timed steps, one per line in
// its text form ("5s start partition random-halves", "20s kill leader",
// "30s heal"); it is planned from a seed (Plan) or written by hand (Parse),
// and it is a plain value so a shrinker can drop or shorten steps (Drop,
// ShortenFault, Truncate).
//
// Text form of a step: "DURATION ACTION", DURATION as Go's time.ParseDuration
// reads it. Actions, with TARGET one of one, leader, minority, all or a
// comma-separated list of node names:
//
//	start partition random-halves | isolate-leader | isolate-node NODE |
//	                majority-ring | bridge | one-way TARGET->TARGET
//	stop partition
//	kill TARGET                 restart all|NODES
//	pause TARGET                resume all|NODES
//	clock skew TARGET OFFSET    clock jump TARGET DELTA
//	clock strobe TARGET LOW HIGH PERIOD
//	clock rate TARGET RATE      (clocks and timers at RATE times true speed,
//	                             0 < RATE <= 1000; 0.02 is fifty times slow)
//	clock reset
//	disk crash-mode lose-unsynced|keep-prefix|tear-last
//	disk corrupt TARGET         disk fsync-errors TARGET
//	disk slow TARGET LATENCY    disk reset
//	net degrade latency=D jitter=D loss=P dup=P reorder=P
//	net restore
//	member add NODE             member remove NODE|leader
//	member observer NODE        member participant NODE
//	member replace OLD NEW      (membership changes: one-shots the host
//	                             applies as an operator's reconfig)
//	heal
//
// Each start is closed by the stop of its kind (restart closes kill, resume
// closes pause, clock/disk reset and net restore close their kind) or by
// heal; membership changes (KindMember) are one-shots, planned only with
// the initial config (PlanOptions.Members), never leaving fewer than three
// voters. Faults compose by sharing a time: steps at one time apply in order.
//
// An Executor walks a schedule as its host's time advances (Due, Apply) and
// acts on the world only through the Host interface, which both the simulator
// and the live tier implement; every applied step comes back as an Event the
// host records in the history.
//
// Target resolution. Symbolic targets ("one", "minority", "all", "leader")
// and the random shapes of partitions (random-halves, majority-ring, bridge)
// are resolved at apply time by the Executor: "leader" is whoever the host
// says leads now, and every random choice is drawn from the Executor's seeded
// RNG over the host's node list in sorted order, so the same seed, schedule
// and host answers give the same faults. Plan draws only the shape of the
// schedule (kinds, times, parameters, named nodes) from its RNG.
//
// nemesis is deterministic: it never reads the wall clock, starts goroutines,
// locks, or uses global randomness, and it imports only the standard library
// (and, later, package history). It must never import sim, live, server,
// client, checker, scenarios, reports or cmd.
package nemesis
