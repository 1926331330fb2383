package bugs

import (
	"fmt"
	"slices"
	"strings"
)

// Bug names one re-created ZooKeeper defect.
type Bug uint8

// The switches. Server-layer switches change the request pipeline, sessions
// or storage (package server); Zab-layer switches change replication
// (package server/zab). The table below documents each.
const (
	// ZK1208: ZOOKEEPER-1208. A session's closeSession (client close or
	// the leader's expiry) is prepped without marking the session closing,
	// so an ephemeral create of the same session forwarded meanwhile
	// commits after the close: an ephemeral outlives its session.
	ZK1208 Bug = iota + 1
	// ZK1367: ZOOKEEPER-1367. Sessions a server restores from its snapshot
	// and log after a whole-cluster restart are never armed for expiry: a
	// dead client's ephemerals stay forever.
	ZK1367
	// ZK1046: ZOOKEEPER-1046. Replaying creates over a fuzzy snapshot does
	// not move the parent's cversion: the next sequential create picks an
	// existing name (NODEEXISTS) or reuses a deleted node's name.
	ZK1046
	// ZK1366: ZOOKEEPER-1366. Session deadlines run on the wall clock: a
	// forward clock step on the leader expires every live session at once.
	ZK1366
	// SetWatchesStaleZxid: ZOOKEEPER-3145's mechanism on data watches.
	// SetWatches judges a data watch by the node's czxid instead of its
	// mzxid, so a change missed while disconnected is never replayed.
	SetWatchesStaleZxid
	// ZK3911: ZOOKEEPER-3911. A follower ACKs NEWLEADER (and writes
	// currentEpoch) before the DIFF's txns are durable.
	ZK3911
	// ZK3104: ZOOKEEPER-3104. A follower ACKs NEWLEADER before a received
	// SNAP (and the txns after it) is durable.
	ZK3104
	// ZK1154: ZOOKEEPER-1154 (+1156). The leader DIFFs instead of TRUNCing
	// a learner that holds txns the leader lacks.
	ZK1154
	// AckBeforeFsync: followers ACK proposals before they are durable.
	AckBeforeFsync
	// SyncNoQuorum: sync is answered without confirming the quorum
	// (ZooKeeper's own sync).
	SyncNoQuorum
	// ZK2355: ZOOKEEPER-2355. A follower whose stream broke while a
	// PROPOSAL was in flight rejoins claiming that zxid; the DIFF skips it.
	ZK2355
	// ZK4646: ZOOKEEPER-4646. A follower makes currentEpoch durable at
	// NEWLEADER while the synced txns are still being logged.
	ZK4646
	// ZK2845: ZOOKEEPER-2845. The whole log, uncommitted tail included, is
	// replayed into the state at load; a TRUNC keeps that state.
	ZK2845
	// ZK1549: ZOOKEEPER-1549. As ZK2845, and the replayed state is
	// snapshotted at load (a dirty snapshot).
	ZK1549
	// ZK3642: ZOOKEEPER-3642. A learner holds a SNAP in memory only, until
	// NEWLEADER.
	ZK3642
	limit
)

// Layer is the part of the server a switch changes.
type Layer uint8

// Layers.
const (
	LayerServer Layer = iota + 1 // the request pipeline, sessions, storage (package server)
	LayerZab                     // replication (package server/zab)
)

func (l Layer) String() string {
	switch l {
	case LayerServer:
		return "server"
	case LayerZab:
		return "zab"
	}
	return fmt.Sprintf("layer(%d)", uint8(l))
}

// Info documents one switch.
type Info struct {
	Bug     Bug
	Name    string // the switch's name (--bug NAME, zabsim.bugs)
	JIRA    string // the ZooKeeper issue, or the source of the defect
	Trigger string // what must happen for the defect to show
	Symptom string // what a client or checker then sees
	Layer   Layer
	_       struct{}
}

// table is the one description of every switch, indexed by Bug.
var table = [limit]Info{
	ZK1208: {Name: "zk-1208", JIRA: "ZOOKEEPER-1208", Layer: LayerServer,
		Trigger: "closeSession (expiry or client close) prepped without marking the session closing while an ephemeral create of it is in flight",
		Symptom: "ephemeral node outlives its session"},
	ZK1367: {Name: "zk-1367", JIRA: "ZOOKEEPER-1367", Layer: LayerServer,
		Trigger: "whole-cluster restart: sessions restored from the snapshot and log are not re-armed for expiry",
		Symptom: "a dead client's session never expires; its ephemerals stay forever"},
	ZK1046: {Name: "zk-1046", JIRA: "ZOOKEEPER-1046", Layer: LayerServer,
		Trigger: "restart from a fuzzy snapshot: replayed creates find their nodes and do not advance the parent's cversion",
		Symptom: "sequential creates fail with NODEEXISTS (or reuse a deleted node's name)"},
	ZK1366: {Name: "zk-1366", JIRA: "ZOOKEEPER-1366", Layer: LayerServer,
		Trigger: "a forward wall-clock step on the leader: session deadlines run on the wall clock, not elapsed time",
		Symptom: "every live session expires at once; lock holders overlap"},
	SetWatchesStaleZxid: {Name: "setwatches-stale-zxid", JIRA: "ZOOKEEPER-3145 (on data watches)", Layer: LayerServer,
		Trigger: "a session resumes after a watched node changed: SetWatches judges data watches by the node's czxid, not its mzxid",
		Symptom: "the missed change's event is never replayed (lost watch event); the watcher stays stale"},
	ZK3911: {Name: "zk-3911", JIRA: "ZOOKEEPER-3911", Layer: LayerZab,
		Trigger: "followers ACK NEWLEADER before the txns of a DIFF are durable, then a quorum crashes",
		Symptom: "committed txns lost"},
	ZK3104: {Name: "zk-3104", JIRA: "ZOOKEEPER-3104", Layer: LayerZab,
		Trigger: "a SNAP-synced follower ACKs NEWLEADER before the snapshot is persisted, then crashes",
		Symptom: "committed writes lost"},
	ZK1154: {Name: "zk-1154", JIRA: "ZOOKEEPER-1154", Layer: LayerZab,
		Trigger: "election while the node with the highest zxid is down; the leader does not TRUNC a learner holding txns it lacks",
		Symptom: "replicas diverge (inconsistency, data loss)"},
	AckBeforeFsync: {Name: "ack-before-fsync", JIRA: "(fsync discipline)", Layer: LayerZab,
		Trigger: "followers ACK proposals before they are fsynced; a quorum crash loses unsynced bytes",
		Symptom: "acknowledged writes lost"},
	SyncNoQuorum: {Name: "sync-no-quorum", JIRA: "Jepsen 2019 note on ZooKeeper sync", Layer: LayerZab,
		Trigger: "a leader cut off from its quorum answers sync without confirming it still leads",
		Symptom: "stale sync+read (not linearizable)"},
	ZK2355: {Name: "zk-2355", JIRA: "ZOOKEEPER-2355", Layer: LayerZab,
		Trigger: "a follower's connection to the leader breaks while a PROPOSAL is in flight; it rejoins claiming that zxid",
		Symptom: "the DIFF skips a committed txn on that follower (an ephemeral is never deleted there)"},
	ZK4646: {Name: "zk-4646", JIRA: "ZOOKEEPER-4646", Layer: LayerZab,
		Trigger: "a follower makes currentEpoch durable at NEWLEADER while the txns of its DIFF/SNAP are still being logged, then a quorum crashes",
		Symptom: "the follower returns with the new epoch over an old log, its vote wins: committed txns lost"},
	ZK2845: {Name: "zk-2845", JIRA: "ZOOKEEPER-2845", Layer: LayerZab,
		Trigger: "a restarted server replays its whole log (uncommitted tail included) into memory, then a new leader TRUNCs it and the in-memory database is retained",
		Symptom: "that server serves txns no quorum committed until its next restart (replicas diverge)"},
	ZK1549: {Name: "zk-1549", JIRA: "ZOOKEEPER-1549", Layer: LayerZab,
		Trigger: "a restarted server snapshots the database it loaded, uncommitted log tail included, before a new leader TRUNCs that tail",
		Symptom: "the uncommitted txns survive in the dirty snapshot, across restarts (replicas diverge for good)"},
	ZK3642: {Name: "zk-3642", JIRA: "ZOOKEEPER-3642", Layer: LayerZab,
		Trigger: "a learner holds a SNAP in memory until NEWLEADER; the leader crashes in between and the next leader DIFFs from the snapshot's zxid",
		Symptom: "the snapshot is never written: after a restart the learner silently lacks every txn up to it"},
}

func init() {
	for b := Bug(1); b < limit; b++ {
		if table[b].Name == "" || table[b].Layer == 0 {
			panic(fmt.Sprintf("bugs: switch %d has no table entry", b))
		}
		table[b].Bug = b
	}
}

// String is the switch's name.
func (b Bug) String() string {
	if b.Valid() {
		return table[b].Name
	}
	return fmt.Sprintf("bug(%d)", uint8(b))
}

// Valid reports whether b is a switch.
func (b Bug) Valid() bool { return b > 0 && b < limit }

// Info returns b's table entry (the zero Info for an invalid b).
func (b Bug) Info() Info {
	if !b.Valid() {
		return Info{}
	}
	return table[b]
}

// All lists every switch's table entry, sorted by name.
func All() []Info {
	out := slices.Clone(table[1:])
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Names lists every switch's name, sorted.
func Names() []string {
	out := make([]string, 0, limit-1)
	for _, in := range All() {
		out = append(out, in.Name)
	}
	return out
}

// UnknownError is the error for a name that is no switch.
type UnknownError struct{ Name string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown bug switch %q (known: %s)", e.Name, strings.Join(Names(), ", "))
}

// Parse returns the switch called name (surrounding space ignored).
func Parse(name string) (Bug, error) {
	name = strings.TrimSpace(name)
	for b := Bug(1); b < limit; b++ {
		if table[b].Name == name {
			return b, nil
		}
	}
	return 0, &UnknownError{Name: name}
}

// Set is a set of switches. The zero value has every switch off.
type Set uint32

// Has reports whether b is on.
func (s Set) Has(b Bug) bool { return s&(1<<b) != 0 }

// With returns s with b on.
func (s Set) With(b Bug) Set { return s | 1<<b }

// Bugs lists the switches that are on, in declaration order.
func (s Set) Bugs() []Bug {
	var out []Bug
	for b := Bug(1); b < limit; b++ {
		if s.Has(b) {
			out = append(out, b)
		}
	}
	return out
}

// String lists the switches that are on by name, sorted, comma-separated
// ("" for none).
func (s Set) String() string {
	var names []string
	for _, b := range s.Bugs() {
		names = append(names, b.String())
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// ParseSet parses names (each may itself be a comma-separated list; empty
// entries are ignored) into a set; the first unknown name is an
// *UnknownError listing every switch.
func ParseSet(names ...string) (Set, error) {
	var s Set
	for _, list := range names {
		for _, name := range strings.Split(list, ",") {
			if strings.TrimSpace(name) == "" {
				continue
			}
			b, err := Parse(name)
			if err != nil {
				return 0, err
			}
			s = s.With(b)
		}
	}
	return s, nil
}
