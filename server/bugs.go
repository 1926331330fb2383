package server

import (
	"fmt"
	"sort"
	"strings"
)

// Bug names a deliberately re-created ZooKeeper defect. Bug switches exist to
// prove the harness finds real bugs; they are off by default and, when off,
// change nothing.
type Bug string

// Server-level bug switches. Replication-level switches live in server/zab.
const (
	// BugZK1208: ZOOKEEPER-1208. Trigger: a session's closeSession (client
	// close or the leader's expiry) is prepped while an ephemeral create of
	// the same session is still on its way (forwarded by a follower) and is
	// prepped before the close is applied. ZooKeeper fixed it by marking the
	// session "closing" in prep and at expiry, so later requests fail with
	// SESSIONEXPIRED. With the switch neither path marks it, so the create
	// commits after the close: an ephemeral outlives its session.
	BugZK1208 Bug = "zk-1208"
	// BugZK1367: ZOOKEEPER-1367. Trigger: a whole-cluster restart. The
	// sessions a server restores from its snapshot and log are loaded but
	// never armed in the leader's expiry table, so a session whose client
	// died before the restart never expires. Symptom: its ephemerals stay
	// forever (a ghost broker, an orphaned lock node).
	BugZK1367 Bug = "zk-1367"
	// BugZK1046: ZOOKEEPER-1046. Trigger: a restart from a fuzzy snapshot
	// (one that already holds nodes created by txns after its label, with
	// their parent serialized before them); replaying those creates finds
	// the nodes there, and the pre-fix replay does not move the parent's
	// cversion. Symptom: the parent's cversion is stale, so the next
	// sequential create picks an existing name and fails with NODEEXISTS
	// (forever, since a failed create does not move cversion) or reuses a
	// deleted node's name.
	BugZK1046 Bug = "zk-1046"
	// BugZK1366: ZOOKEEPER-1366. Trigger: the leader's wall clock is stepped
	// forwards (NTP, a VM resumed, an operator). Session deadlines run on the
	// wall clock instead of elapsed monotonic time, so every session whose
	// deadline the step jumps over expires at once, its client alive and
	// connected. Symptom: mass session expiry; a lock holder's node is
	// deleted while it still acts as holder, so two clients hold the lock.
	BugZK1366 Bug = "zk-1366"
	// BugSetWatchesStaleZxid: ZOOKEEPER-3145's mechanism on data watches.
	// Trigger: a client resumes its session (on any server) after a watched
	// node changed while it was away. SetWatches must fire a data watch
	// whose node's mzxid is past the client's relativeZxid; with the switch
	// it compares the node's czxid, a zxid older than the change (as
	// ZOOKEEPER-3145 compared a stale pzxid for child watches), and re-arms
	// the watch instead. Symptom: the change's event never arrives; the
	// watcher keeps a stale config until the node's next change.
	BugSetWatchesStaleZxid Bug = "setwatches-stale-zxid"
)

// BugInfo documents one switch.
type BugInfo struct {
	Name    Bug
	JIRA    string
	Trigger string
	Symptom string
}

var serverBugs = []BugInfo{
	{Name: BugZK1208, JIRA: "ZOOKEEPER-1208",
		Trigger: "closeSession (expiry or client close) prepped without marking the session closing while an ephemeral create of it is in flight",
		Symptom: "ephemeral node outlives its session"},
	{Name: BugZK1367, JIRA: "ZOOKEEPER-1367",
		Trigger: "whole-cluster restart: sessions restored from the snapshot and log are not re-armed for expiry",
		Symptom: "a dead client's session never expires; its ephemerals stay forever"},
	{Name: BugZK1046, JIRA: "ZOOKEEPER-1046",
		Trigger: "restart from a fuzzy snapshot: replayed creates find their nodes and do not advance the parent's cversion",
		Symptom: "sequential creates fail with NODEEXISTS (or reuse a deleted node's name)"},
	{Name: BugZK1366, JIRA: "ZOOKEEPER-1366",
		Trigger: "a forward wall-clock step on the leader: session deadlines run on the wall clock, not elapsed time",
		Symptom: "every live session expires at once; lock holders overlap"},
	{Name: BugSetWatchesStaleZxid, JIRA: "ZOOKEEPER-3145 (on data watches)",
		Trigger: "a session resumes after a watched node changed: SetWatches judges data watches by the node's czxid, not its mzxid",
		Symptom: "the missed change's event is never replayed (lost watch event); the watcher stays stale"},
}

// zabBugInfo documents the replication-level switches of server/zab.
var zabBugInfo = []BugInfo{
	{Name: "zk-3911", JIRA: "ZOOKEEPER-3911",
		Trigger: "followers ACK NEWLEADER before the txns of a DIFF are durable, then a quorum crashes",
		Symptom: "committed txns lost"},
	{Name: "zk-3104", JIRA: "ZOOKEEPER-3104",
		Trigger: "a SNAP-synced follower ACKs NEWLEADER before the snapshot is persisted, then crashes",
		Symptom: "committed writes lost"},
	{Name: "zk-1154", JIRA: "ZOOKEEPER-1154",
		Trigger: "election while the node with the highest zxid is down; the leader does not TRUNC a learner holding txns it lacks",
		Symptom: "replicas diverge (inconsistency, data loss)"},
	{Name: "ack-before-fsync", JIRA: "(fsync discipline)",
		Trigger: "followers ACK proposals before they are fsynced; a quorum crash loses unsynced bytes",
		Symptom: "acknowledged writes lost"},
	{Name: "zk-2355", JIRA: "ZOOKEEPER-2355",
		Trigger: "a follower's connection to the leader breaks while a PROPOSAL is in flight; it rejoins claiming that zxid",
		Symptom: "the DIFF skips a committed txn on that follower (an ephemeral is never deleted there)"},
	{Name: "sync-no-quorum", JIRA: "Jepsen 2019 note on ZooKeeper sync",
		Trigger: "a leader cut off from its quorum answers sync without confirming it still leads",
		Symptom: "stale sync+read (not linearizable)"},
	{Name: "zk-4646", JIRA: "ZOOKEEPER-4646",
		Trigger: "a follower makes currentEpoch durable at NEWLEADER while the txns of its DIFF/SNAP are still being logged, then a quorum crashes",
		Symptom: "the follower returns with the new epoch over an old log, its vote wins: committed txns lost"},
	{Name: "zk-2845", JIRA: "ZOOKEEPER-2845",
		Trigger: "a restarted server replays its whole log (uncommitted tail included) into memory, then a new leader TRUNCs it and the in-memory database is retained",
		Symptom: "that server serves txns no quorum committed until its next restart (replicas diverge)"},
	{Name: "zk-1549", JIRA: "ZOOKEEPER-1549",
		Trigger: "a restarted server snapshots the database it loaded, uncommitted log tail included, before a new leader TRUNCs that tail",
		Symptom: "the uncommitted txns survive in the dirty snapshot, across restarts (replicas diverge for good)"},
	{Name: "zk-3642", JIRA: "ZOOKEEPER-3642",
		Trigger: "a learner holds a SNAP in memory until NEWLEADER; the leader crashes in between and the next leader DIFFs from the snapshot's zxid",
		Symptom: "the snapshot is never written: after a restart the learner silently lacks every txn up to it"},
}

// AllBugs lists every bug switch, server- and replication-level, sorted by
// name.
func AllBugs() []BugInfo {
	out := append(KnownBugs(), zabBugInfo...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KnownBugs lists the server-level bug switches, sorted by name.
func KnownBugs() []BugInfo {
	out := append([]BugInfo(nil), serverBugs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Bugs is a set of enabled bug switches.
type Bugs map[Bug]bool

// Has reports whether b is on.
func (s Bugs) Has(b Bug) bool { return s[b] }

// ParseBugs parses a comma-separated list, rejecting names not in known.
func ParseBugs(list string, known []Bug) (Bugs, error) {
	out := Bugs{}
	if strings.TrimSpace(list) == "" {
		return out, nil
	}
	ok := map[Bug]bool{}
	for _, k := range known {
		ok[k] = true
	}
	for _, f := range strings.Split(list, ",") {
		b := Bug(strings.TrimSpace(f))
		if !ok[b] {
			names := make([]string, 0, len(known))
			for _, k := range known {
				names = append(names, string(k))
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown bug switch %q (known: %s)", b, strings.Join(names, ", "))
		}
		out[b] = true
	}
	return out, nil
}
