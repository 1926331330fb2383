package zab

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
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
	bugs              Bugs
	chaosTicks        int
	crashPct          int // per tick, percent chance to crash one node
	quorumCrashPct    int // per tick, percent chance to crash a majority at once
	allCrashPct       int // per tick, percent chance to crash every node
	partitionPct      int
	dropPct           int
	persistPct        int // per node and tick, chance to fsync what is pending
	deliverPct        int // per link and tick, chance to deliver some of its queue
	proposePct        int
	window            int
	encode            bool
}

type chaosResult struct {
	violations []string
	liveness   error
	healTicks  int
	commits    int
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
	return chaosOpts{voters: 3, chaosTicks: 300, crashPct: 3, quorumCrashPct: 1, allCrashPct: 1, partitionPct: 2,
		dropPct: 2, persistPct: 40, deliverPct: 70, proposePct: 30, window: 8}
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
	lastWorld = c.w
	for _, id := range c.w.ids {
		if err := c.w.start(id); err != nil {
			return chaosResult{liveness: err}
		}
	}
	for c.now = 0; c.now < o.chaosTicks; c.now++ {
		c.step()
	}
	res := chaosResult{}
	res.healTicks, res.liveness = c.heal()
	if c.w.livelock != nil {
		res.liveness = c.w.livelock
	}
	res.violations = c.w.inv.Violations()
	res.commits = len(c.w.inv.committed)
	return res
}

func (c *chaos) pct(p int) bool { return c.rng.IntN(100) < p }

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
	}
	if l := c.w.leader(); l != 0 && c.pct(c.o.proposePct) {
		c.propose(l)
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
	case c.pct(c.o.crashPct) && len(up) > 0:
		c.crash(up[c.rng.IntN(len(up))])
	case c.pct(c.o.quorumCrashPct):
		// A majority, leader first: the crash that tests durability claims.
		c.rng.Shuffle(len(up), func(i, j int) { up[i], up[j] = up[j], up[i] })
		if l := c.w.leader(); l != 0 {
			i := slices.Index(up, l)
			up[0], up[i] = up[i], up[0]
		}
		for _, id := range up[:min(len(up), c.o.voters/2+1)] {
			c.crash(id)
		}
	case c.pct(c.o.allCrashPct):
		for _, id := range up {
			c.crash(id)
		}
	case c.pct(c.o.partitionPct):
		c.partition()
	case c.pct(c.o.dropPct) && len(up) > 1:
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
	c.restart[id] = c.now + 1 + c.rng.IntN(40)
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
	c.healAt = c.now + 5 + c.rng.IntN(60)
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
			return fmt.Errorf("node %d applied [%s], leader %d applied [%s]", id, zxids(got), c.w.leader(), zxids(want))
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

func seedCount(short, long int) int {
	if soak() {
		return long
	}
	return short
}

func TestChaos(t *testing.T) {
	shapes := []struct {
		name string
		o    func() chaosOpts
	}{
		{"3voters", defaultChaos},
		{"5voters", func() chaosOpts { o := defaultChaos(); o.voters = 5; return o }},
		{"3voters+observer+encoded", func() chaosOpts { o := defaultChaos(); o.observers = 1; o.encode = true; return o }},
	}
	seeds := seedCount(150, 3000)
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			worst, commits := 0, 0
			for seed := uint64(1); seed <= uint64(seeds); seed++ {
				r := runChaos(seed, s.o())
				if len(r.violations) > 0 || r.liveness != nil {
					t.Fatalf("seed %d (rerun: go test -run 'TestChaos/%s' with seed %d):\nviolations: %v\nliveness: %v",
						seed, s.name, seed, r.violations, r.liveness)
				}
				worst, commits = max(worst, r.healTicks), commits+r.commits
			}
			t.Logf("%d seeds: %d txns committed, worst heal-to-commit %d ticks (bound %d)", seeds, commits, worst, healBoundTicks)
		})
	}
}
