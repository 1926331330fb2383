package zab

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/zabsim/zabsim/server/bugs"
)

// The randomized harness: a world of Peers under crashes (losing unsynced
// writes), partitions, broken links and slow disks, checked online by
// Invariants; then a healed phase in which a leader must be established and
// a new txn committed everywhere within healBoundTicks.

// healBoundTicks is the liveness bound after healing: with initLimit 20,
// syncLimit 10 and finalizeWait 2 ticks, one failed election attempt costs
// at most initLimit+finalizeWait ticks, and the healed world needs at most
// a few (observed worst case is reported by TestChaos in verbose mode).
const healBoundTicks = 150

type chaosOpts struct {
	voters, observers int
	bugs              bugs.Set
	chaosTicks        int
	// Fault rates are per mille per tick.
	crashPM       int // crash one node
	quorumCrashPM int // crash a majority at once, leader first
	allCrashPM    int // crash every node
	partitionPM   int
	dropPM        int // break one link
	persistPct    int // per node and tick, chance to fsync what is pending
	snapshotPct   int // per node and tick, chance to take a local snapshot
	deliverPct    int // per link and tick, chance to deliver some of its queue
	proposePct    int
	window        int
	encode        bool
	reconfigPct   int // per tick, chance the leader proposes a random membership (reconfig_test.go)
}

type chaosResult struct {
	violations []string
	liveness   error
	healTicks  int
	commits    int
	packets    map[PacketType]int
}

type chaos struct {
	w       *world
	rng     *rand.Rand
	o       chaosOpts
	restart map[uint64]int // node -> tick to restart at
	healAt  int
	now     int
	txns    int
}

func defaultChaos() chaosOpts {
	return chaosOpts{voters: 3, chaosTicks: 600, crashPM: 10, quorumCrashPM: 4, allCrashPM: 2, partitionPM: 8,
		dropPM: 10, persistPct: 40, snapshotPct: 2, deliverPct: 70, proposePct: 30, window: 8}
}

func runChaos(seed uint64, o chaosOpts) chaosResult {
	var voters, observers []uint64
	for i := 1; i <= o.voters; i++ {
		voters = append(voters, uint64(i))
	}
	for i := 1; i <= o.observers; i++ {
		observers = append(observers, uint64(o.voters+i))
	}
	c := &chaos{rng: rand.New(rand.NewPCG(seed, 0x7a6162)), o: o, restart: map[uint64]int{}}
	c.w = newWorld(voters, observers, Config{Bugs: o.bugs, CommittedLogEntries: o.window})
	c.w.encode = o.encode
	if o.reconfigPct > 0 {
		c.w.enableReconfig()
	}
	for _, id := range c.w.ids {
		if err := c.w.start(id); err != nil {
			return chaosResult{liveness: err}
		}
	}
	for c.now = 0; c.now < o.chaosTicks; c.now++ {
		if traceChaos != nil {
			traceChaos(c)
		}
		c.step()
	}
	res := chaosResult{}
	res.healTicks, res.liveness = c.heal()
	if c.w.livelock != nil {
		res.liveness = c.w.livelock
		if os.Getenv("ZDEBUG") != "" {
			tr := c.w.trace.String()
			fmt.Println(tr[max(0, len(tr)-6000):])
			fmt.Println(c.w.stateString())
		}
	}
	res.violations = c.w.inv.Violations()
	res.commits = c.w.inv.committed
	res.packets = c.w.packets
	return res
}

func (c *chaos) pct(p int) bool { return c.rng.IntN(100) < p }

func (c *chaos) pm(p int) bool { return c.rng.IntN(1000) < p }

func (c *chaos) upIDs() []uint64 {
	var out []uint64
	for _, id := range c.w.ids {
		if c.w.up(id) {
			out = append(out, id)
		}
	}
	return out
}

// step runs one chaos tick: faults, deliveries, fsyncs, proposals, ticks.
func (c *chaos) step() {
	c.faults()
	for _, l := range c.w.links() {
		if c.pct(c.o.deliverPct) {
			c.w.deliver(l.from, l.to, 1+c.rng.IntN(len(c.w.queues[l])))
		}
	}
	for _, id := range c.upIDs() {
		if c.pct(c.o.persistPct) {
			c.w.persist(id, []string{"", "log", "epoch", "snap"}[c.rng.IntN(4)])
		}
		if c.pct(c.o.snapshotPct) {
			c.w.takeSnapshot(id)
		}
	}
	if l := c.w.leader(); l != 0 && c.pct(c.o.proposePct) {
		c.propose(l)
	}
	if l := c.w.leader(); l != 0 && c.o.reconfigPct > 0 && c.pct(c.o.reconfigPct) {
		c.reconfigure(l)
	}
	for _, id := range c.upIDs() {
		c.w.tick(id)
	}
}

func (c *chaos) propose(leader uint64) {
	c.txns++
	if _, err := c.w.nodes[leader].peer.Propose([]byte(fmt.Sprintf("txn-%d", c.txns))); err == nil {
		c.w.drain(leader)
	}
}

func (c *chaos) faults() {
	for _, id := range slices.Sorted(mapsKeys(c.restart)) {
		if c.restart[id] <= c.now {
			delete(c.restart, id)
			_ = c.w.start(id)
		}
	}
	up := c.upIDs()
	switch {
	case c.pm(c.o.crashPM) && len(up) > 0:
		c.crash(up[c.rng.IntN(len(up))])
	case c.pm(c.o.quorumCrashPM):
		// A majority, leader first: the crash that tests durability claims.
		c.rng.Shuffle(len(up), func(i, j int) { up[i], up[j] = up[j], up[i] })
		if l := c.w.leader(); l != 0 {
			i := slices.Index(up, l)
			up[0], up[i] = up[i], up[0]
		}
		for _, id := range up[:min(len(up), c.o.voters/2+1)] {
			c.crash(id)
		}
	case c.pm(c.o.allCrashPM):
		for _, id := range up {
			c.crash(id)
		}
	case c.pm(c.o.partitionPM):
		c.partition()
	case c.pm(c.o.dropPM) && len(up) > 1:
		a, b := up[c.rng.IntN(len(up))], up[c.rng.IntN(len(up))]
		c.w.breakLink(a, b)
	}
	if c.healAt != 0 && c.now >= c.healAt {
		c.w.heal()
		c.healAt = 0
	}
}

func (c *chaos) crash(id uint64) {
	c.w.crash(id)
	c.restart[id] = c.now + 1 + c.rng.IntN(20)
}

func (c *chaos) partition() {
	var a, b []uint64
	for _, id := range c.w.ids {
		if c.pct(50) {
			a = append(a, id)
		} else {
			b = append(b, id)
		}
	}
	c.w.partition([][]uint64{a, b})
	c.healAt = c.now + 5 + c.rng.IntN(40)
}

// heal restores every node and link, then drives the world promptly until a
// leader is established, every node serves, and a fresh txn is committed
// everywhere. It returns the ticks that took.
func (c *chaos) heal() (int, error) {
	c.w.heal()
	for _, id := range c.w.ids {
		if !c.w.up(id) {
			if err := c.w.start(id); err != nil {
				return 0, err
			}
		}
	}
	var probe int64
	for t := 0; t < healBoundTicks && c.w.livelock == nil; t++ {
		c.prompt()
		if probe == 0 && c.allServing() {
			c.txns++
			z, err := c.w.nodes[c.w.leader()].peer.Propose([]byte(fmt.Sprintf("probe-%d", c.txns)))
			if err == nil {
				probe = z
				c.w.drain(c.w.leader())
				c.prompt()
			}
		}
		if probe != 0 && c.allCommitted(probe) {
			return t, c.sameState()
		}
		for _, id := range c.w.ids {
			c.w.tick(id)
		}
	}
	return healBoundTicks, fmt.Errorf("no leader established and txn committed everywhere within %d ticks after healing:\n%s",
		healBoundTicks, c.w.stateString())
}

// prompt delivers everything and fsyncs everything, until quiet.
func (c *chaos) prompt() {
	for i := 0; i < 100; i++ {
		n := c.w.deliverAll()
		for _, id := range c.w.ids {
			c.w.persist(id, "")
		}
		if n == 0 && len(c.w.links()) == 0 {
			return
		}
	}
}

func (c *chaos) allServing() bool {
	if c.w.leader() == 0 {
		return false
	}
	for _, id := range c.w.ids {
		if !c.w.nodes[id].peer.Status().Serving {
			return false
		}
	}
	return true
}

func (c *chaos) allCommitted(z int64) bool {
	for _, id := range c.w.ids {
		if c.w.nodes[id].peer.LastCommittedZxid() < z {
			return false
		}
	}
	return true
}

// sameState checks, independently of Invariants, that every node's state
// machine holds exactly the leader's applied txns.
func (c *chaos) sameState() error {
	want := c.w.nodes[c.w.leader()].applied
	for _, id := range c.w.ids {
		got := c.w.nodes[id].applied
		if !slices.EqualFunc(got, want, func(a, b Entry) bool { return a.Zxid == b.Zxid && string(a.Data) == string(b.Data) }) {
			return fmt.Errorf("node %d applied %d txns ending [%s], leader %d applied %d ending [%s]",
				id, len(got), zxids(got[max(0, len(got)-5):]), c.w.leader(), len(want), zxids(want[max(0, len(want)-5):]))
		}
	}
	return nil
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func soak() bool { return os.Getenv("ZABSIM_SOAK") == "1" }

// seedCount is n seeds normally, n/4 with -short (the race detector makes
// each run ~8x slower), and soak with ZABSIM_SOAK=1.
func seedCount(n, soakN int) int {
	switch {
	case soak():
		return soakN
	case testing.Short():
		return max(1, n/4)
	}
	return n
}

func TestChaos(t *testing.T) {
	shapes := []struct {
		name string
		o    func() chaosOpts
	}{
		{"3voters", defaultChaos},
		{"5voters", func() chaosOpts { o := defaultChaos(); o.voters = 5; return o }},
		{"3voters+observer+encoded", func() chaosOpts { o := defaultChaos(); o.observers = 1; o.encode = true; return o }},
		{"swarm", nil}, // every option drawn from the seed
	}
	from, to := uint64(1), uint64(seedCount(150, 3000))
	if v, err := strconv.ParseUint(os.Getenv("ZABSIM_SEED"), 10, 64); err == nil {
		from, to = v, v
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			worst, commits, modes := 0, 0, map[PacketType]int{}
			for seed := from; seed <= to; seed++ {
				o := swarmOpts(seed)
				if s.o != nil {
					o = s.o()
				}
				r := runChaos(seed, o)
				if len(r.violations) > 0 || r.liveness != nil {
					t.Fatalf("seed %d; rerun: ZABSIM_SEED=%d go test -run 'TestChaos/%s' ./server/zab\nviolations: %v\nliveness: %v",
						seed, seed, s.name, r.violations, r.liveness)
				}
				worst, commits = max(worst, r.healTicks), commits+r.commits
				for _, t := range []PacketType{PacketDiff, PacketTrunc, PacketSnap} {
					modes[t] += r.packets[t]
				}
			}
			t.Logf("%d seeds: %d txns committed, worst heal-to-commit %d ticks (bound %d); syncs: %d DIFF, %d TRUNC, %d SNAP",
				to-from+1, commits, worst, healBoundTicks, modes[PacketDiff], modes[PacketTrunc], modes[PacketSnap])
			if to-from+1 >= 100 && (modes[PacketDiff] == 0 || modes[PacketSnap] == 0 || modes[PacketTrunc] == 0) {
				t.Errorf("the harness never exercised every sync mode: %v", modes)
			}
		})
	}
}

var traceChaos func(*chaos)

// swarmOpts draws a whole configuration from the seed (swarm testing): the
// shape, disk and network speeds, fault mix and DIFF window.
func swarmOpts(seed uint64) chaosOpts {
	r := rand.New(rand.NewPCG(seed, 0x737761726d))
	o := defaultChaos()
	o.voters = []int{1, 3, 3, 5}[r.IntN(4)]
	o.observers = r.IntN(2)
	o.persistPct = 10 + r.IntN(81)
	o.deliverPct = 30 + r.IntN(71)
	o.proposePct = 5 + r.IntN(60)
	o.crashPM, o.quorumCrashPM, o.allCrashPM = r.IntN(20), r.IntN(8), r.IntN(4)
	o.partitionPM, o.dropPM = r.IntN(15), r.IntN(20)
	o.window = 1 + r.IntN(50)
	o.snapshotPct = r.IntN(10)
	o.encode = r.IntN(2) == 0
	return o
}
