package zab

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// testConfigs is a ConfigCodec for the harness: a reconfig txn is "R" and
// a config text; a text is "v=<hex> voters=1,2 observers=3".
type testConfigs struct{}

func (testConfigs) ReconfigText(txn []byte) ([]byte, bool) {
	if len(txn) > 0 && txn[0] == 'R' {
		return txn[1:], true
	}
	return nil, false
}

func (testConfigs) ParseConfig(text []byte) (Membership, error) {
	var m Membership
	for _, f := range strings.Fields(string(text)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "v":
			x, err := strconv.ParseInt(v, 16, 64)
			if err != nil {
				return m, err
			}
			m.Version = x
		case "voters", "observers":
			for _, s := range strings.Split(v, ",") {
				if s == "" {
					continue
				}
				id, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					return m, err
				}
				if k == "voters" {
					m.Voters = append(m.Voters, id)
				} else {
					m.Observers = append(m.Observers, id)
				}
			}
		}
	}
	slices.Sort(m.Voters)
	slices.Sort(m.Observers)
	m.Text = text
	return m, nil
}

func (testConfigs) WithVersion(m Membership, v int64) []byte {
	return configText(v, m.Voters, m.Observers)
}

func configText(v int64, voters, observers []uint64) []byte {
	ids := func(xs []uint64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = strconv.FormatUint(x, 10)
		}
		return strings.Join(s, ",")
	}
	return fmt.Appendf(nil, "v=%x voters=%s observers=%s", v, ids(voters), ids(observers))
}

// reconfigWorld: servers 1..5, where only the ones in voters/observers
// are in the initial config (the others start knowing the ensemble and
// themselves, as a joining ZooKeeper server does).
func reconfigWorld(t *testing.T, voters, observers []uint64) *world {
	t.Helper()
	w := newWorld([]uint64{1, 2, 3, 4, 5}, nil, Config{Configs: testConfigs{}})
	w.nodeCfg = map[uint64]func(*Config){}
	for _, id := range w.ids {
		vs, os := slices.Clone(voters), slices.Clone(observers)
		if !slices.Contains(vs, id) && !slices.Contains(os, id) {
			os = append(os, id) // a joiner knows itself
		}
		w.nodeCfg[id] = func(c *Config) {
			c.Voters, c.Observers = vs, os
			c.ConfigText = configText(0, vs, os)
		}
	}
	for _, id := range w.ids {
		if err := w.start(id); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// run delivers, persists and ticks every node for n rounds.
func (w *world) run(n int) {
	for i := 0; i < n; i++ {
		w.deliverAll()
		for _, id := range w.ids {
			w.persist(id, "")
		}
		w.deliverAll()
		for _, id := range w.ids {
			w.tick(id)
		}
	}
	w.deliverAll()
	for _, id := range w.ids {
		w.persist(id, "")
	}
	w.deliverAll()
}

// reconfig proposes a config on the leader; it returns the txn's zxid.
func (w *world) reconfig(t *testing.T, voters, observers []uint64) int64 {
	t.Helper()
	l := w.leader()
	if l == 0 {
		t.Fatalf("no leader:\n%s", w.stateString())
	}
	p := w.nodes[l].peer
	z := p.ld.nextZxid
	m := Membership{Voters: voters, Observers: observers}
	if !p.QuorumSynced(&m) {
		t.Fatalf("no synced quorum of %v:\n%s", voters, w.stateString())
	}
	got, err := p.Propose(append([]byte("R"), configText(z, voters, observers)...))
	if err != nil || got != z {
		t.Fatalf("propose: %v %v", got, err)
	}
	w.drain(l)
	return z
}

func (w *world) write(t *testing.T, data string) int64 {
	t.Helper()
	l := w.leader()
	if l == 0 {
		t.Fatalf("no leader:\n%s", w.stateString())
	}
	z, err := w.nodes[l].peer.Propose([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	w.drain(l)
	return z
}

// checkConfig asserts every running member of want has it active.
func (w *world) checkConfig(t *testing.T, version int64, voters []uint64) {
	t.Helper()
	for _, id := range w.ids {
		p := w.nodes[id].peer
		if p == nil {
			continue
		}
		c := p.Config()
		if !slices.Contains(voters, id) && !c.IsObserver(id) && c.Version != version {
			continue // a server outside the config need not follow it
		}
		if c.Version != version || !slices.Equal(c.Voters, voters) {
			t.Errorf("%d: config v=%s voters %v, want v=%s voters %v\n%s", id, ZxidString(c.Version), c.Voters,
				ZxidString(version), voters, w.stateString())
		}
	}
	if !w.inv.OK() {
		t.Fatalf("invariants: %v", w.inv.Violations())
	}
}

func TestReconfigGrowShrinkAndRemoveLeader(t *testing.T) {
	w := reconfigWorld(t, []uint64{1, 2, 3}, nil)
	w.run(40)
	l := w.leader()
	if l == 0 {
		t.Fatalf("no leader:\n%s", w.stateString())
	}
	// The first leader versioned the static config (ZOOKEEPER-1783).
	v0 := w.nodes[l].peer.Config().Version
	if v0 == 0 || CounterOf(v0) != 0 {
		t.Fatalf("initial version %s", ZxidString(v0))
	}
	w.checkConfig(t, v0, []uint64{1, 2, 3})
	// Joiners 4 and 5 synced as non-voting participants (following).
	for _, id := range []uint64{4, 5} {
		if s := w.nodes[id].peer.Status(); s.Role != RoleFollowing || !s.Serving {
			t.Fatalf("joiner %d: %v\n%s", id, s, w.stateString())
		}
	}
	w.write(t, "a")
	w.run(3)

	// 3 -> 5.
	v1 := w.reconfig(t, []uint64{1, 2, 3, 4, 5}, nil)
	w.run(5)
	w.checkConfig(t, v1, []uint64{1, 2, 3, 4, 5})
	w.run(40)
	for _, id := range []uint64{4, 5} {
		if s := w.nodes[id].peer.Status(); s.Role != RoleFollowing || !s.Serving {
			t.Fatalf("promoted %d: %v\n%s", id, s, w.stateString())
		}
	}
	z := w.write(t, "b")
	w.run(3)
	if w.nodes[w.leader()].peer.LastCommittedZxid() < z {
		t.Fatalf("write after 3->5 not committed\n%s", w.stateString())
	}

	// 5 -> 3 without the leader: it steps down, a designated voter leads.
	old := w.leader()
	var rest []uint64
	for _, id := range []uint64{1, 2, 3, 4, 5} {
		if id != old && len(rest) < 3 {
			rest = append(rest, id)
		}
	}
	v2 := w.reconfig(t, rest, nil)
	w.run(60)
	w.checkConfig(t, v2, rest)
	nl := w.leader()
	if nl == 0 || nl == old || !slices.Contains(rest, nl) {
		t.Fatalf("leader after removing %d: %d\n%s", old, nl, w.stateString())
	}
	z = w.write(t, "c")
	w.run(5)
	for _, id := range rest {
		if got := w.nodes[id].peer.LastCommittedZxid(); got < z {
			t.Fatalf("%d did not commit %s after 5->3\n%s", id, ZxidString(z), w.stateString())
		}
	}
	t.Logf("removed %d, new leader %d:\n%s", old, nl, w.stateString())
	// The removed leader follows the new one without a vote.
	if c := w.nodes[nl].peer.Config(); c.IsVoter(old) {
		t.Fatalf("removed leader %d still votes", old)
	}
	if s := w.nodes[old].peer.Status(); s.Role != RoleFollowing || s.Leader != nl {
		t.Fatalf("removed leader %d: %v", old, s)
	}
}

func TestReconfigObserverToParticipant(t *testing.T) {
	w := reconfigWorld(t, []uint64{1, 2, 3}, []uint64{4})
	w.run(40)
	if s := w.nodes[4].peer.Status(); s.Role != RoleObserving || !s.Serving {
		t.Fatalf("observer: %v\n%s", s, w.stateString())
	}
	v := w.reconfig(t, []uint64{1, 2, 3, 4}, nil)
	w.run(40)
	w.checkConfig(t, v, []uint64{1, 2, 3, 4})
	if s := w.nodes[4].peer.Status(); s.Role != RoleFollowing || !s.Serving {
		t.Fatalf("promoted: %v\n%s", s, w.stateString())
	}
	// And back: 4 observes again.
	v = w.reconfig(t, []uint64{1, 2, 3}, []uint64{4})
	w.run(40)
	w.checkConfig(t, v, []uint64{1, 2, 3})
	if s := w.nodes[4].peer.Status(); s.Role != RoleObserving || !s.Serving {
		t.Fatalf("demoted: %v\n%s", s, w.stateString())
	}
}

// A crash of every server after the reconfig txn is logged by a quorum
// of both configs but before any COMMIT: recovery finds the txn in the
// log tail (pending), the next leader's history holds it, and its commit
// at establishment activates it everywhere.
func TestReconfigRecoversPendingAfterCrash(t *testing.T) {
	w := reconfigWorld(t, []uint64{1, 2, 3}, nil)
	w.run(40)
	l := w.leader()
	v := w.reconfig(t, []uint64{1, 2, 3, 4, 5}, nil)
	// Deliver the PROPOSALs and make every log durable, but crash before
	// the ACKs reach the leader.
	for _, id := range w.ids {
		if id != l {
			w.deliver(l, id, 100)
		}
		w.nodes[id].dLog = slices.Clone(w.nodes[id].log)
	}
	for _, id := range w.ids {
		w.crash(id)
	}
	for _, id := range w.ids {
		if err := w.start(id); err != nil {
			t.Fatal(err)
		}
		if id <= 3 {
			if _, ok := w.nodes[id].peer.NextConfig(); !ok {
				t.Fatalf("%d: no pending config after restart", id)
			}
		}
	}
	w.run(80)
	w.checkConfig(t, v, []uint64{1, 2, 3, 4, 5})
	w.write(t, "after")
	w.run(5)
}

// enableReconfig gives every node the test codec; a (re)started node takes
// the last config its durable snapshot's txns activated, else the static
// one (the server also has its zoo.cfg.dynamic files; the log tail covers
// the rest either way).
func (w *world) enableReconfig() {
	w.cfg.Configs = testConfigs{}
	w.nodeCfg = map[uint64]func(*Config){}
	static := func(c *Config) { c.ConfigText = configText(0, c.Voters, c.Observers) }
	for _, id := range w.ids {
		n := w.nodes[id]
		w.nodeCfg[id] = func(c *Config) {
			static(c)
			applied, _ := decodeEntries(n.dSnap.Data)
			for i := len(applied) - 1; i >= 0; i-- {
				if text, ok := (testConfigs{}).ReconfigText(applied[i].Data); ok {
					m, _ := (testConfigs{}).ParseConfig(text)
					c.Voters, c.Observers, c.ConfigVersion, c.ConfigText = m.Voters, m.Observers, m.Version, m.Text
					return
				}
			}
		}
	}
}

// reconfigure has the leader propose a random membership of the world's
// servers (2 to all of them voting, the rest observing), if it may.
func (c *chaos) reconfigure(leader uint64) {
	p := c.w.nodes[leader].peer
	if p.ReconfigPending() {
		return
	}
	ids := slices.Clone(c.w.ids)
	c.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	k := 2 + c.rng.IntN(len(ids)-1)
	voters, observers := slices.Sorted(slices.Values(ids[:k])), slices.Sorted(slices.Values(ids[k:]))
	m := Membership{Voters: voters, Observers: observers}
	if !p.QuorumSynced(&m) {
		return
	}
	z := p.ld.nextZxid
	if _, err := p.Propose(append([]byte("R"), configText(z, voters, observers)...)); err == nil {
		c.w.drain(leader)
	}
}

// TestChaosReconfig is the randomized harness with membership changes:
// five servers (three voters and two observers at first) under every
// fault, the leader proposing random memberships; the invariants hold and
// a healed world commits everywhere.
func TestChaosReconfig(t *testing.T) {
	from, to := uint64(1), uint64(seedCount(150, 3000))
	if v, err := strconv.ParseUint(os.Getenv("ZABSIM_SEED"), 10, 64); err == nil {
		from, to = v, v
	}
	reconfigs := 0
	for seed := from; seed <= to; seed++ {
		o := defaultChaos()
		o.voters, o.observers, o.reconfigPct, o.encode = 3, 2, 3, seed%2 == 0
		r := runChaos(seed, o)
		if len(r.violations) > 0 || r.liveness != nil {
			t.Fatalf("seed %d; rerun: ZABSIM_SEED=%d go test -run TestChaosReconfig ./server/zab\nviolations: %v\nliveness: %v",
				seed, seed, r.violations, r.liveness)
		}
		reconfigs += r.packets[PacketCommitAndActivate]
	}
	if reconfigs == 0 {
		t.Fatal("no reconfig was ever committed")
	}
	t.Logf("%d seeds, %d COMMITANDACTIVATE delivered", to-from+1, reconfigs)
}
