package scenario

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

func secs(n int) Duration { return Duration(time.Duration(n) * time.Second) }

// catalog is the built-in scenarios, one per case study and fault family.
var catalog = []Scenario{
	{Name: "register-partition", Description: "CAS register with versions under random partitions; writes and sync+reads must be linearizable",
		Servers: 3, Workload: "register", Faults: []string{"partition"}},
	{Name: "register-sync-partition", Description: "sync+read across a leader isolated from its quorum (what ZooKeeper's own sync gets wrong)",
		Servers: 3, Workload: "register", Schedule: "5s start partition isolate-leader\n15s stop partition\n20s heal"},
	{Name: "election-kill-leader", Description: "HDFS NameNode failover: kill the leader; fenced writes from a deposed leader must be rejected",
		Servers: 3, Workload: "election", Faults: []string{"kill"}},
	{Name: "registry-crash", Description: "Kafka broker registry: ephemeral membership converges, no ghost broker after its session expires",
		Servers: 3, Workload: "registry", Faults: []string{"kill"}},
	{Name: "config-watch-partition", Description: "Kafka topic configs: every watcher converges on the last value, in order, across partitions",
		Servers: 3, Workload: "config", Faults: []string{"partition"}},
	{Name: "lock-pause", Description: "Storm-style locks: mutual exclusion by fencing tokens while servers pause",
		Servers: 3, Workload: "lock", Faults: []string{"pause"}},
	// Stops longer than the 2 s session timeout (SIGSTOP, a long GC or VM
	// pause): a stopped leader is deposed and its clients' sessions are
	// expired by the new one while it sleeps; on waking it must see how
	// long it was away before it serves anyone.
	{Name: "lock-long-pause", Description: "Storm-style locks while servers stop for longer than a session timeout and wake up",
		Servers: 3, Workload: "lock", Faults: []string{"pause"}, FaultLength: [2]Duration{secs(3), secs(8)}},
	{Name: "registry-long-pause", Description: "Kafka broker registry while servers stop for longer than a session timeout and wake up",
		Servers: 3, Workload: "registry", Faults: []string{"pause"}, FaultLength: [2]Duration{secs(3), secs(8)}},
	{Name: "election-long-pause", Description: "HDFS NameNode failover while servers stop for longer than a session timeout and wake up",
		Servers: 3, Workload: "election", Faults: []string{"pause"}, FaultLength: [2]Duration{secs(3), secs(8)}},
	{Name: "sequential-clock", Description: "sequential znodes stay unique and monotonic under clock skew, jumps and strobes",
		Servers: 3, Workload: "sequential", Faults: []string{"clock"}},
	{Name: "bank-disk", Description: "multi transfers keep the total constant under disk faults and crashes",
		Servers: 3, Workload: "bank", Faults: []string{"disk", "kill"}},
	{Name: "durability-crash-all", Description: "no acknowledged write is lost when every node crashes (losing unsynced data) and restarts",
		Servers: 3, Workload: "durability", Schedule: "4s disk crash-mode lose-unsynced\n5s kill all\n7s restart all\n12s kill all\n14s restart all\n20s heal"},
	{Name: "observers-partition", Description: "observers serve reads and forward writes while partitions come and go",
		Servers: 3, Observers: 2, Workload: "register", Faults: []string{"partition"}},
	{Name: "api-chaos", Description: "random operations over the whole client API (every create mode, versions, watches, multi, sessions) judged reply by reply against the reference spec, under partitions, kills and pauses",
		Servers: 3, Workload: "api", Faults: []string{"partition", "kill", "pause"}, MaxCompose: 2},
	// 3 → 5 → 3 voters and an observer promoted and demoted, by the
	// membership nemesis (an operator's reconfigs) between partitions and
	// crashes, while Exhibitor's operator makes its own rolling changes
	// and the register's writes must stay linearizable across them all.
	{Name: "membership-change", Description: "3 → 5 → 3 voters (spares added, the leader removed) and an observer promoted and demoted by reconfig under partitions and crashes; registers stay linearizable and every member converges on the last config",
		Servers: 3, Observers: 1, Spares: 2, Reconfig: true, Duration: secs(55), HealedTail: secs(15),
		Mix: []MixEntry{{Workload: "register", Clients: 3}, {Workload: "exhibitor", Clients: 2}},
		Schedule: "2s member add s5\n4s start partition random-halves\n6s member add s6\n8s stop partition\n" +
			"10s kill one\n12s member participant s4\n14s restart all\n16s start partition isolate-leader\n" +
			"18s member observer s4\n20s stop partition\n22s kill minority\n25s restart all\n27s member remove s6\n" +
			"29s start partition majority-ring\n32s stop partition\n34s member remove leader\n36s kill leader\n38s restart all\n40s heal"},
	{Name: "explore", Description: "a whole configuration drawn from the seed (ensemble shape, timing, sessions, snapshots, disks, workload and load, fault families and intensity; see scenario.json of each run)",
		Draw: true},
	{Name: "mixed-chaos", Description: "every fault family composed, on a 5-node ensemble",
		Servers: 5, Workload: "register", Faults: []string{"partition", "kill", "pause", "clock", "disk", "net"}, MaxCompose: 3, Duration: secs(60)},
}

// suites name groups of scenarios.
var suites = map[string][]string{}

func init() {
	var all []string
	for i := range catalog {
		if catalog[i].Duration == 0 {
			catalog[i].Duration = secs(30)
		}
		catalog[i] = catalog[i].Defaults()
		if err := catalog[i].Validate(); err != nil {
			panic(fmt.Sprintf("built-in scenario %s: %v", catalog[i].Name, err))
		}
		all = append(all, catalog[i].Name)
	}
	suites["default"] = all
	suites["long-pause"] = []string{"lock-long-pause", "registry-long-pause", "election-long-pause"}
	// explore runs only drawn configurations, for long sweeps.
	suites["explore"] = []string{"explore"}
}

// Names lists the built-in scenarios, sorted.
func Names() []string {
	out := make([]string, 0, len(catalog))
	for _, s := range catalog {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// All returns the built-in scenarios, sorted by name.
func All() []Scenario {
	out := append([]Scenario(nil), catalog...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ByName returns a built-in scenario.
func ByName(name string) (Scenario, error) {
	for _, s := range catalog {
		if s.Name == name {
			return s, nil
		}
	}
	if s, err := bugScenario(name); err == nil {
		return s, nil
	}
	var bugNames []string
	for _, s := range BugCatalog() {
		bugNames = append(bugNames, s.Name)
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q (known: %s; bug-hunting: %s)", name, strings.Join(Names(), ", "), strings.Join(bugNames, ", "))
}

// SuiteNames lists the suites, sorted.
func SuiteNames() []string {
	out := make([]string, 0, len(suites))
	for k := range suites {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Suite returns the scenarios of a suite.
func Suite(name string) ([]Scenario, error) {
	names, ok := suites[name]
	if !ok {
		return nil, fmt.Errorf("unknown suite %q (known: %s)", name, strings.Join(SuiteNames(), ", "))
	}
	out := make([]Scenario, 0, len(names))
	for _, n := range names {
		s, err := ByName(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Load resolves a scenario by name (built-in or bug-hunting) or from a
// scenario file; give one of the two.
func Load(name, file string) (Scenario, error) {
	if file == "" {
		return ByName(name)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return Scenario{}, err
	}
	return ParseFile(file, b)
}

// Select returns the scenarios of the named suite, or, when names are
// given, those scenarios instead.
func Select(suite string, names []string) ([]Scenario, error) {
	if len(names) == 0 {
		return Suite(suite)
	}
	var out []Scenario
	for _, n := range names {
		s, err := ByName(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Shape is the scenario's ensemble and workload in a few words, as zabsim
// list shows it.
func (s Scenario) Shape() string {
	if s.Draw {
		return "drawn from the seed"
	}
	shape := fmt.Sprintf("%d servers", s.Servers)
	if s.Servers == 1 {
		shape = "1 server"
	}
	if s.Observers > 0 {
		shape += fmt.Sprintf(" + %d observers", s.Observers)
	}
	if s.Spares > 0 {
		shape += fmt.Sprintf(" + %d spares", s.Spares)
	}
	if s.Reconfig {
		shape += " (reconfig)"
	}
	return shape + ", " + strings.Join(s.mixEntries(), " + ")
}
