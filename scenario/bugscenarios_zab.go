package scenario

import (
	"fmt"
	"strings"
)

// returnBeforeCommit is the schedule that makes a new leader meet an old
// one holding txns it never had, the trigger shared by zk-1154, zk-2845
// and zk-1549. Each round:
//
//	start partition isolate-leader  the leader logs its clients' writes alone
//	kill leader                     150 ms later, before it notices (a
//	                                broken link takes 200 ms to 1 s to detect)
//	disk slow all 1500ms            the majority elects a new leader whose
//	                                discovery and sync crawl (every epoch
//	                                write and log fsync takes 1.5 s)
//	stop partition, restart all     the old leader returns after that
//	                                election, while the new leader has not
//	                                committed anything in its epoch: its
//	                                log end is past the sync point (TRUNC),
//	                                or, once the new epoch committed, inside
//	                                the window with the next txn from
//	                                another epoch (SNAP)
//	disk reset, then a quiet phase
//
// The restart is what zk-2845/zk-1549 need (the old leader replays its log
// at load); zk-1154 turns the TRUNC, and the SNAP, into a DIFF.
func returnBeforeCommit(rounds int) string {
	var b strings.Builder
	const roundMS = 11000
	for k := 0; k < rounds; k++ {
		at := 3000 + roundMS*k
		// A different return delay per round: the new leader's progress
		// depends on when each side noticed the partition.
		back := at + 2000 + 500*k
		fmt.Fprintf(&b, "%dms start partition isolate-leader\n%dms kill leader\n%dms disk slow all 1500ms\n"+
			"%dms stop partition\n%dms restart all\n%dms disk reset\n",
			at, at+150, at+200, back, back, at+8000)
	}
	fmt.Fprintf(&b, "%dms heal", 3000+roundMS*rounds)
	return b.String()
}

// snapThenLeaderCrash is the zk-3642 schedule: rounds of
//
//	kill s1                 s1 falls behind by more than snap_count txns
//	kill s2,s3, restart     s2 and s3 restart from their snapshots, so the
//	                        DIFF window of whichever leads starts past s1
//	restart s1              s1 rejoins; the SNAP reaches it ~200 ms later
//	kill leader             230 to 270 ms after the restart: after the
//	                        SNAP, before the NEWLEADER zk-3642 sends a
//	                        tick later
//	                        the survivor leads; s1 claims the snapshot's
//	                        zxid and is DIFF-synced, so nothing writes it
//	kill s1, restart all    s1 reloads its old state plus the txns it
//	                        logged since: a hole where the snapshot was
//
// s1 must restart before its own periodic snapshot (every snap_count
// applied txns) happens to write the in-memory state, as in ZooKeeper.
func snapThenLeaderCrash() string {
	var b strings.Builder
	const roundMS = 12000
	for k, crashAfterMS := range []int{230, 250, 270, 240, 260} {
		at := 2000 + roundMS*k
		fmt.Fprintf(&b, "%dms kill s1\n%dms kill s2,s3\n%dms restart s2,s3\n%dms restart s1\n%dms kill leader\n"+
			"%dms kill s1\n%dms restart all\n",
			at, at+5000, at+5300, at+7500, at+7500+crashAfterMS, at+10000, at+10500)
	}
	fmt.Fprintf(&b, "%dms heal", 2000+roundMS*5)
	return b.String()
}

// staleLeaderSync is the sync-no-quorum schedule. Each round the leader's
// clock is slowed 50 times (its ticks, and with them its syncLimit and
// PINGs, run late) and it is paused; the others give up on it after
// syncLimit, elect and commit. Resumed, the old leader still leads by its
// own slow clock for many seconds and answers the clients that queued on
// it during the pause (those cut off from their server by the election
// reconnect at random, and the paused one accepts TCP). A sync there is
// answered at once unless one of its clients wrote first (a sync waits for
// outstanding proposals, as in ZooKeeper), so a sync+read returns a value
// older than a write the new leader acknowledged earlier.
func staleLeaderSync(rounds int) string {
	var b strings.Builder
	const roundMS = 12000
	for k := 0; k < rounds; k++ {
		at := 3000 + roundMS*k
		fmt.Fprintf(&b, "%dms clock rate leader 0.02\n%dms pause leader\n%dms start partition isolate-leader\n"+
			"%dms resume all\n%dms stop partition\n%dms clock reset\n",
			at, at, at, at+4500, at+9000, at+9000)
	}
	fmt.Fprintf(&b, "%dms heal", 3000+roundMS*rounds)
	return b.String()
}

// zabBugCatalog holds the hunting scenarios of replication-level bug
// switches (server/zab) added after the first seven; bugscenarios.go merges
// it into the catalogue.
var zabBugCatalog = []Scenario{
	{Name: "bug-zk-4646", Description: "as bug-zk-3911, with slower fsyncs: s1 writes its new epoch at NEWLEADER while the DIFF's txns are still being logged, and everything crashes in between",
		Servers: 3, Workload: "durability", Duration: secs(58), HealedTail: secs(8), SyncLatency: millis(250),
		Schedule: lagThenQuorumCrash()},
	{Name: "bug-zk-2845", Description: "the isolated leader is killed holding uncommitted txns and returns while the new leader crawls through a slow-disk sync; it replays its log at load and the TRUNC does not take the txns out of memory",
		Servers: 3, Workload: "register", Duration: secs(50), HealedTail: secs(10),
		Schedule: returnBeforeCommit(3)},
	{Name: "bug-zk-1549", Description: "as bug-zk-2845; the returning leader also snapshots what it replayed, so the phantom txns survive its restarts",
		Servers: 3, Workload: "register", Duration: secs(50), HealedTail: secs(10),
		Schedule: returnBeforeCommit(3)},
	{Name: "bug-zk-1549-bank", Description: "the bug-zk-1549 schedule under bank transfers: a phantom transfer mixed with committed ones breaks the constant total",
		Servers: 3, Workload: "bank", Duration: secs(50), HealedTail: secs(10),
		Schedule: returnBeforeCommit(3)},
	{Name: "bug-zk-2355", Description: "CAS register under random partitions: a follower whose link to the leader breaks with a PROPOSAL in flight rejoins claiming it, and the DIFF skips that committed txn",
		Servers: 3, Workload: "register", Faults: []string{"partition"}},
	{Name: "bug-zk-3642", Description: "s1 falls behind the snapshots s2 and s3 restart from, rejoins and is sent a SNAP; the leader is killed before NEWLEADER, and s1 later restarts from a disk that never got the snapshot",
		Servers: 3, Workload: "durability", Duration: secs(70), HealedTail: secs(8), SnapCount: 200,
		Schedule: snapThenLeaderCrash()},
}

// zabBugScenarios maps replication-level bug switches to the scenarios
// that hunt them, tried in order for every seed.
var zabBugScenarios = map[string][]string{
	"zk-4646": {"bug-zk-4646"},
	"zk-2845": {"bug-zk-2845"},
	"zk-1549": {"bug-zk-1549", "bug-zk-1549-bank"},
	"zk-3642": {"bug-zk-3642"},
	"zk-2355": {"bug-zk-2355"},
}
