package scenario

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

func millis(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }

// lagThenQuorumCrash is the zk-3911/zk-3104 schedule: six rounds of
//
//	kill s1            s1 falls behind while s2 and s3 commit
//	kill all           (crashes lose unsynced bytes)
//	restart s1,s2      s2 leads; s1 syncs (DIFF, or SNAP past s2's snapshot) and ACKs NEWLEADER
//	kill all           0.5 s to 1.5 s later, a different delay each round
//	restart s1,s3      s1's new epoch outvotes s3's longer log
//	restart all
//
// With the switch on, s1's new epoch can be durable while its synced
// history is not, and the committed txns it lacks are truncated away.
func lagThenQuorumCrash() string {
	var b strings.Builder
	b.WriteString("1s disk crash-mode lose-unsynced\n")
	const roundMS = 8000
	for k, crashAfterMS := range []int{500, 700, 900, 1100, 1300, 1500} {
		at := 2000 + roundMS*k
		fmt.Fprintf(&b, "%dms kill s1\n%dms kill all\n%dms restart s1,s2\n%dms kill all\n%dms restart s1,s3\n%dms restart all\n",
			at, at+2000, at+2500, at+2500+crashAfterMS, at+3500+crashAfterMS, at+6000)
	}
	fmt.Fprintf(&b, "%dms heal", 2000+roundMS*6)
	return b.String()
}

// bugCatalog holds one scenario per bug switch, tuned so that the switch's
// trigger happens often: the schedule and workload create the defect's
// window, and the checkers named are the ones that see its symptom. They
// are not in the default suite (with every switch off they must pass, which
// is what the false-positive sweep checks) and ByName finds them.
var bugCatalog = []Scenario{
	{Name: "bug-ack-before-fsync", Description: "followers ACK before fsync; every node crashes losing unsynced bytes, again and again",
		Servers: 3, Workload: "durability", Duration: secs(24), HealedTail: secs(6), SyncLatency: millis(20),
		Schedule: "1s disk crash-mode lose-unsynced\n3s kill all\n3500ms restart all\n7s kill all\n7500ms restart all\n" +
			"11s kill all\n11500ms restart all\n15s kill all\n15500ms restart all\n18s heal"},
	{Name: "bug-zk-3911", Description: "s1 misses txns, the ensemble restarts without s3 so s1 DIFF-syncs from s2 and ACKs NEWLEADER; everything crashes, and s1 returns with s3 only",
		Servers: 3, Workload: "durability", Duration: secs(58), HealedTail: secs(8), SyncLatency: millis(100),
		Schedule: lagThenQuorumCrash()},
	{Name: "bug-zk-3104", Description: "as bug-zk-3911 with a small snap count, so s1 is behind s2's snapshot and takes a SNAP",
		Servers: 3, Workload: "durability", Duration: secs(58), HealedTail: secs(8), SyncLatency: millis(100), SnapCount: 20,
		Schedule: lagThenQuorumCrash()},
	{Name: "bug-zk-1154", Description: "the leader is cut off holding uncommitted txns, the majority elects a new leader, then the old one returns",
		Servers: 3, Workload: "register", Duration: secs(30), HealedTail: secs(8),
		Schedule: "3s start partition isolate-leader\n6s kill leader\n6500ms stop partition\n8s restart all\n" +
			"11s start partition isolate-leader\n14s kill leader\n14500ms stop partition\n16s restart all\n22s heal"},
	{Name: "bug-sync-no-quorum", Description: "the leader's clock slows 50 times and it pauses while the others elect and write; resumed, it leads on by its slow clock and answers the sync+reads of the clients that queued on it",
		Servers: 3, Workload: "register", Clients: 3, Duration: secs(160), HealedTail: secs(8), SessionTimeout: secs(20),
		Schedule: staleLeaderSync(12)},
	// bug-zk-1208 and its siblings are in bugscenarios_server.go.
}

// bugScenarios maps each bug switch to the scenarios that hunt it, tried in
// order for every seed.
var bugScenarios = map[string][]string{
	"ack-before-fsync": {"bug-ack-before-fsync"},
	"zk-3911":          {"bug-zk-3911"},
	"zk-3104":          {"bug-zk-3104"},
	"zk-1154":          {"bug-zk-1154"},
	"sync-no-quorum":   {"bug-sync-no-quorum"},
}

func init() {
	// The catalogue is assembled from per-layer lists (zabBugCatalog in
	// bugscenarios_zab.go, serverBugCatalog in bugscenarios_server.go) so the
	// replication-level and server-level switches can grow independently.
	bugCatalog = append(append(bugCatalog, zabBugCatalog...), serverBugCatalog...)
	for b, names := range zabBugScenarios {
		bugScenarios[b] = names
	}
	for b, names := range serverBugScenarios {
		bugScenarios[b] = names
	}
	names := make([]string, 0, len(bugCatalog))
	for i := range bugCatalog {
		bugCatalog[i] = bugCatalog[i].Defaults()
		if err := bugCatalog[i].Validate(); err != nil {
			panic(fmt.Sprintf("built-in bug scenario %s: %v", bugCatalog[i].Name, err))
		}
		names = append(names, bugCatalog[i].Name)
	}
	// The suite "bugs" is the false-positive sweep: with every switch off
	// each hunting scenario must pass (`zabsim suite --suite bugs`).
	sort.Strings(names)
	suites["bugs"] = names
}

// BugScenarios returns the scenarios that hunt a bug switch.
func BugScenarios(bug string) ([]Scenario, error) {
	names, ok := bugScenarios[bug]
	if !ok {
		return nil, fmt.Errorf("unknown bug switch %q (known: %s)", bug, strings.Join(HuntableBugs(), ", "))
	}
	out := make([]Scenario, 0, len(names))
	for _, n := range names {
		s, err := bugScenario(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// HuntableBugs lists the bug switches that have hunting scenarios, sorted.
func HuntableBugs() []string {
	out := make([]string, 0, len(bugScenarios))
	for b := range bugScenarios {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

// BugCatalog returns the bug-hunting scenarios, sorted by name.
func BugCatalog() []Scenario {
	out := append([]Scenario(nil), bugCatalog...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func bugScenario(name string) (Scenario, error) {
	for _, s := range bugCatalog {
		if s.Name == name {
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("unknown bug scenario %q", name)
}

// BugsHuntedBy lists the bug switches a bug-hunting scenario hunts, sorted.
func BugsHuntedBy(scenario string) []string {
	var out []string
	for b, names := range bugScenarios {
		if slices.Contains(names, scenario) {
			out = append(out, b)
		}
	}
	sort.Strings(out)
	return out
}
