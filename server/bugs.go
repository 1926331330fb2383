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
	// close or expiry) is prepped while an ephemeral create of the same session
	// is still in flight or arrives right after. ZooKeeper fixed it by marking
	// the session "closing" in prep so later requests fail with
	// SESSIONEXPIRED. With the switch the mark is skipped, so the create still
	// commits after the close: an ephemeral outlives its session.
	BugZK1208 Bug = "zk-1208"
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
		Trigger: "closeSession prepped while an ephemeral create of the same session is in flight",
		Symptom: "ephemeral node outlives its session"},
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
