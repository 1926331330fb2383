package zab

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/server/bugs"
	"github.com/zabsim/zabsim/server/wire"
)

// world is a tiny in-memory host for Peers: FIFO links that break (dropping
// what is queued and telling both ends), a disk per node whose writes become
// durable only on persist, crashes that lose everything not durable, and an
// online Invariants checker fed from every Ready.

type link struct{ from, to uint64 }

type tnode struct {
	id   uint64
	peer *Peer // nil while crashed

	// What the host wrote (volatile until persisted).
	log                []Entry
	accepted, current  uint32
	snap               Snapshot
	snapDirty          bool
	logDirty, epochDir bool
	// What survives a crash.
	dLog                []Entry
	dAccepted, dCurrent uint32
	dSnap               Snapshot
	// The state machine: every applied txn in order (snapshots carry it).
	applied []Entry
	synced  []uint64 // SyncDone ids, in order
}

type world struct {
	cfg       Config // template: ID, Initial and Snapshots are per node
	ids       []uint64
	nodes     map[uint64]*tnode
	queues    map[link][]Message
	cut       map[link]bool
	inv       *Invariants
	encode    bool // send every message through Marshal/Unmarshal
	trace     *strings.Builder
	delivered int
	packets   map[PacketType]int // delivered packets by type (coverage)
	// livelock is set when messages kept flowing with no tick passing
	// (a protocol-level busy loop); the world stops delivering.
	livelock error
	// nodeCfg, when set for a node, edits its Config at each start.
	nodeCfg map[uint64]func(*Config)
}

func newWorld(voters, observers []uint64, template Config) *world {
	w := &world{cfg: template, nodes: map[uint64]*tnode{}, queues: map[link][]Message{},
		cut: map[link]bool{}, inv: NewInvariants(), trace: &strings.Builder{}, packets: map[PacketType]int{}}
	w.cfg.Voters, w.cfg.Observers = voters, observers
	w.ids = sortedCopy(append(slices.Clone(voters), observers...))
	for _, id := range w.ids {
		w.nodes[id] = &tnode{id: id}
	}
	return w
}

func (w *world) logf(format string, args ...any) {
	fmt.Fprintf(w.trace, format+"\n", args...)
}

// snapshotSource serves the node's applied state as a snapshot.
type snapshotSource struct{ n *tnode }

func (s snapshotSource) Snapshot() (Snapshot, error) { return snapshotOf(s.n.applied), nil }

func encodeEntries(es []Entry) []byte {
	e := wire.NewEncoder(nil)
	e.Int32(int32(len(es)))
	for _, x := range es {
		e.Int64(x.Zxid)
		e.Buffer(x.Data)
	}
	return e.Bytes()
}

func decodeEntries(b []byte) ([]Entry, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := wire.NewDecoder(b)
	n, _ := d.VectorLen(12)
	out := make([]Entry, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		out = append(out, Entry{Zxid: d.Int64(), Data: d.Buffer()})
	}
	return out, d.Err()
}

// start (re)starts node id from its durable state.
func (w *world) start(id uint64) error {
	n := w.nodes[id]
	applied, err := decodeEntries(n.dSnap.Data)
	if err != nil {
		return err
	}
	n.applied = applied
	n.log, n.snap = slices.Clone(n.dLog), n.dSnap
	n.accepted, n.current = n.dAccepted, n.dCurrent
	n.snapDirty, n.logDirty, n.epochDir = false, false, false
	cfg := w.cfg
	cfg.ID = id
	cfg.Snapshots = snapshotSource{n}
	cfg.Initial = InitialState{AcceptedEpoch: n.dAccepted, CurrentEpoch: n.dCurrent,
		LastCommittedZxid: n.dSnap.Zxid, Log: slices.Clone(n.dLog)}
	if f := w.nodeCfg[id]; f != nil {
		f(&cfg)
	}
	p, err := NewPeer(cfg)
	if err != nil {
		return err
	}
	n.peer = p
	w.observe(id, Truncated{Node: id, ToZxid: n.dSnap.Zxid})
	w.drain(id)
	if cfg.Bugs.Has(bugs.ZK1549) && lastZxid(n.applied) > n.dSnap.Zxid {
		// ZooKeeper's loadData snapshots what it loaded: with the log
		// replayed, a dirty snapshot holding uncommitted txns.
		n.snap = snapshotOf(n.applied)
		n.dSnap = n.snap
		w.logf("%d: snapshot %s at load", id, ZxidString(n.snap.Zxid))
	}
	return nil
}

// crash stops node id; everything not durable is lost.
func (w *world) crash(id uint64) {
	n := w.nodes[id]
	if n.peer == nil {
		return
	}
	n.peer = nil
	for _, o := range w.ids {
		w.breakLink(id, o)
	}
}

func (w *world) up(id uint64) bool { return w.nodes[id].peer != nil }

func (w *world) connected(a, b uint64) bool {
	return w.up(a) && w.up(b) && !w.cut[link{a, b}]
}

// breakLink drops both directions' queues and tells the live ends.
func (w *world) breakLink(a, b uint64) {
	if a == b {
		return
	}
	delete(w.queues, link{a, b})
	delete(w.queues, link{b, a})
	for _, x := range [][2]uint64{{a, b}, {b, a}} {
		if p := w.nodes[x[0]].peer; p != nil {
			p.PeerDisconnected(x[1])
		}
	}
	w.drain(a)
	w.drain(b)
}

// partition cuts every link between the groups.
func (w *world) partition(groups [][]uint64) {
	group := map[uint64]int{}
	for i, g := range groups {
		for _, id := range g {
			group[id] = i + 1
		}
	}
	for _, a := range w.ids {
		for _, b := range w.ids {
			if a < b && group[a] != group[b] {
				w.cut[link{a, b}], w.cut[link{b, a}] = true, true
				w.breakLink(a, b)
			}
		}
	}
}

func (w *world) heal() { w.cut = map[link]bool{} }

func (w *world) observe(id uint64, o any) { w.inv.Observe(o) }

// drain carries out node id's Readys until it has none.
func (w *world) drain(id uint64) {
	for i := 0; i < 1000; i++ {
		n := w.nodes[id]
		if n.peer == nil || !n.peer.HasReady() {
			return
		}
		rd := n.peer.Ready()
		w.apply(n, &rd)
		n.peer.Advance(rd)
		w.send(id, rd.Messages)
		// Hand the slices back, as the server does: the harness kept
		// copies of everything it needs (entries, queued messages).
		n.peer.Release(&rd)
	}
	w.livelock = fmt.Errorf("node %d kept producing effects after 1000 Readys", id)
}

func (w *world) apply(n *tnode, rd *Ready) {
	for _, o := range Observe(n.id, rd) {
		w.observe(n.id, o)
	}
	if s := rd.RoleChange; s != nil {
		w.logf("%d: %s", n.id, s)
	}
	if s := rd.InstallSnapshot; s != nil && rd.SnapshotInMemory {
		w.logf("%d: load snapshot %s in memory only", n.id, ZxidString(s.Zxid))
		n.applied, _ = decodeEntries(s.Data)
	} else if s != nil {
		w.logf("%d: install snapshot %s", n.id, ZxidString(s.Zxid))
		n.snap, n.snapDirty, n.log = *s, true, nil
		n.applied, _ = decodeEntries(s.Data)
	}
	if t := rd.Truncate; t != nil {
		w.applyTruncate(n, *t, rd.RetainsState())
	}
	if len(rd.Append) > 0 {
		w.logf("%d: append %s", n.id, zxids(rd.Append))
		n.log = append(n.log, rd.Append...)
		n.logDirty = true
	}
	if e := rd.WriteAcceptedEpoch; e != nil {
		w.logf("%d: write acceptedEpoch %d", n.id, *e)
		n.accepted, n.epochDir = *e, true
	}
	if e := rd.WriteCurrentEpoch; e != nil {
		w.logf("%d: write currentEpoch %d", n.id, *e)
		n.current, n.epochDir = *e, true
	}
	w.applyRest(n, rd)
}

func (w *world) applyTruncate(n *tnode, t int64, retain bool) {
	cut := func(es []Entry) []Entry {
		return slices.DeleteFunc(es, func(e Entry) bool { return e.Zxid > t })
	}
	n.log, n.dLog = cut(n.log), cut(slices.Clone(n.dLog)) // truncation is a durable metadata op
	if retain {
		w.logf("%d: truncate log to %s, state kept at %s", n.id, ZxidString(t), ZxidString(lastZxid(n.applied)))
		return
	}
	w.logf("%d: truncate to %s", n.id, ZxidString(t))
	n.applied = cut(n.applied)
	if n.dSnap.Zxid > t { // only a bug switch truncates committed state
		n.dSnap = snapshotOf(n.applied)
		n.snap = n.dSnap
	}
}

// takeSnapshot durably snapshots node id's applied state, as ZooKeeper does
// every snapCount txns; the log is kept (ZooKeeper purges it separately).
func (w *world) takeSnapshot(id uint64) {
	n := w.nodes[id]
	if n.peer != nil && !n.snapDirty {
		n.dSnap = snapshotOf(n.applied)
		n.snap = n.dSnap
	}
}

// stateDiverges reports whether node n's state machine holds other txns
// than its snapshot and log say it committed. Only bug switches make that
// happen; with zk-2845/zk-1549 the snapshot itself may be dirty, so then
// the log alone is the reference.
func (w *world) stateDiverges(n *tnode) bool {
	want, _ := decodeEntries(n.snap.Data)
	if w.cfg.Bugs.Has(bugs.ZK2845) || w.cfg.Bugs.Has(bugs.ZK1549) {
		want = nil
	}
	for _, e := range n.log {
		if e.Zxid > lastZxid(want) && e.Zxid <= n.peer.lastCommitted {
			want = append(want, e)
		}
	}
	return !slices.EqualFunc(n.applied, want, func(a, b Entry) bool { return a.Zxid == b.Zxid })
}

func lastZxid(es []Entry) int64 {
	if k := len(es); k > 0 {
		return es[k-1].Zxid
	}
	return 0
}

func snapshotOf(applied []Entry) Snapshot {
	z := int64(0)
	if k := len(applied); k > 0 {
		z = applied[k-1].Zxid
	}
	return Snapshot{Zxid: z, Data: encodeEntries(applied)}
}

func (w *world) applyRest(n *tnode, rd *Ready) {
	if len(rd.Replay) > 0 {
		w.logf("%d: replay %s at load", n.id, zxids(rd.Replay))
		n.applied = append(n.applied, rd.Replay...)
	}
	if len(rd.Commit) > 0 {
		w.logf("%d: commit %s", n.id, zxids(rd.Commit))
		n.applied = append(n.applied, rd.Commit...)
	}
	for _, r := range rd.Requests {
		w.logf("%d: request from %d: %q", n.id, r.From, r.Data)
	}
	for _, t := range rd.Touches {
		w.logf("%d: touches from %d: %q", n.id, t.From, t.Data)
	}
	for _, id := range rd.SyncDone {
		w.logf("%d: sync %d done", n.id, id)
		n.synced = append(n.synced, id)
	}
}

func zxids(es []Entry) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = ZxidString(e.Zxid)
	}
	return strings.Join(parts, " ")
}

// send queues messages on their links; a message to a peer that is down or
// cut off breaks the link (TCP would report it).
func (w *world) send(from uint64, msgs []Envelope) {
	var broken []uint64
	for _, env := range msgs {
		if !w.connected(from, env.To) {
			broken = append(broken, env.To)
			continue
		}
		m := env.Msg
		if w.encode {
			m = roundTrip(m)
		}
		l := link{from, env.To}
		w.queues[l] = append(w.queues[l], m)
	}
	for _, to := range broken {
		if p := w.nodes[from].peer; p != nil {
			p.PeerDisconnected(to)
			w.drain(from)
		}
	}
}

// RoundTrip encodes and decodes a message through server/zab/codec; the
// external test file codec_hook_test.go sets it (codec imports zab, so zab's
// own tests cannot import codec).
var RoundTrip func(Message) Message

func roundTrip(m Message) Message {
	if RoundTrip == nil {
		panic("zab tests: RoundTrip not set (codec_hook_test.go)")
	}
	return RoundTrip(m)
}

// deliver hands the next k messages queued on a->b to b; it returns how many.
func (w *world) deliver(a, b uint64, k int) int {
	l := link{a, b}
	i := 0
	for ; i < k && len(w.queues[l]) > 0; i++ {
		m := w.queues[l][0]
		w.queues[l] = w.queues[l][1:]
		w.logf("%d->%d %s", a, b, msgString(m))
		w.delivered++
		if p, ok := m.(*Packet); ok {
			w.packets[p.Type]++
		}
		w.nodes[b].peer.Step(a, m)
		w.drain(b)
	}
	if len(w.queues[l]) == 0 {
		delete(w.queues, l)
	}
	return i
}

func msgString(m Message) string {
	if s, ok := m.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", m)
}

// links returns the non-empty links in a stable order.
func (w *world) links() []link {
	var out []link
	for l, q := range w.queues {
		if len(q) > 0 {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].from != out[j].from {
			return out[i].from < out[j].from
		}
		return out[i].to < out[j].to
	})
	return out
}

// deliverAll delivers until every queue is empty (bounded: a protocol that
// never stops talking without ticks is a livelock, recorded in w.livelock).
func (w *world) deliverAll() int {
	total := 0
	for i := 0; i < 10000 && w.livelock == nil; i++ {
		ls := w.links()
		if len(ls) == 0 {
			return total
		}
		for _, l := range ls {
			total += w.deliver(l.from, l.to, len(w.queues[l]))
		}
	}
	if w.livelock == nil {
		w.livelock = fmt.Errorf("messages still flowing after 10000 delivery rounds without a tick")
	}
	w.queues = map[link][]Message{}
	return total
}

// persist makes node id's pending writes durable and tells its peer. what is
// "log", "epoch", "snap" or "" for everything. A log fsync implies the
// snapshot it follows is durable first.
func (w *world) persist(id uint64, what string) {
	n := w.nodes[id]
	if n.peer == nil {
		return
	}
	if (what == "" || what == "snap" || what == "log") && n.snapDirty {
		w.logf("%d: durable snapshot %s", id, ZxidString(n.snap.Zxid))
		n.dSnap, n.dLog, n.snapDirty = n.snap, nil, false
		n.peer.SnapshotPersisted(n.snap.Zxid)
		n.logDirty = true
	}
	if (what == "" || what == "log") && n.logDirty {
		// n.dLog is a prefix of n.log here (truncation cuts both; a
		// snapshot empties both above), so fsync appends the new tail.
		n.dLog, n.logDirty = append(n.dLog, n.log[len(n.dLog):]...), false
		z := n.snap.Zxid
		if k := len(n.log); k > 0 {
			z = n.log[k-1].Zxid
		}
		w.logf("%d: durable log through %s", id, ZxidString(z))
		n.peer.Persisted(z)
	}
	if (what == "" || what == "epoch") && n.epochDir {
		w.logf("%d: durable epochs %d/%d", id, n.accepted, n.current)
		n.dAccepted, n.dCurrent, n.epochDir = n.accepted, n.current, false
		n.peer.EpochPersisted(n.accepted, n.current)
	}
	w.drain(id)
}

func (w *world) tick(id uint64) {
	if p := w.nodes[id].peer; p != nil {
		p.Tick()
		w.drain(id)
	}
}

// leader returns the established leader with the highest epoch, or 0.
func (w *world) leader() uint64 {
	best, epoch := uint64(0), uint32(0)
	for _, id := range w.ids {
		if p := w.nodes[id].peer; p != nil {
			if s := p.Status(); s.Role == RoleLeading && s.Serving && s.Epoch >= epoch {
				best, epoch = id, s.Epoch
			}
		}
	}
	return best
}

// stateString renders every node's state, one line each.
func (w *world) stateString() string {
	var b strings.Builder
	for _, id := range w.ids {
		n := w.nodes[id]
		if n.peer == nil {
			fmt.Fprintf(&b, "%d: down; durable epochs %d/%d log [%s]\n", id, n.dAccepted, n.dCurrent, zxids(n.dLog))
			continue
		}
		p := n.peer
		fmt.Fprintf(&b, "%d: %s epochs %d/%d logged %s committed %s log [%s]", id, p.Status(),
			p.acceptedEpoch, p.currentEpoch, ZxidString(p.lastLogged), ZxidString(p.lastCommitted), zxids(n.log))
		if w.cfg.Configs != nil {
			fmt.Fprintf(&b, " config %s %v/%v", ZxidString(p.cur.Version), p.cur.Voters, p.cur.Observers)
			if p.next != nil {
				fmt.Fprintf(&b, " next %s %v/%v", ZxidString(p.next.Version), p.next.Voters, p.next.Observers)
			}
		}
		if w.stateDiverges(n) {
			// Only bug switches make the state machine differ from the
			// committed history.
			fmt.Fprintf(&b, " state [%s]", zxids(n.applied))
		}
		b.WriteString("\n")
	}
	if !w.inv.OK() {
		fmt.Fprintf(&b, "violations:\n  %s\n", strings.Join(w.inv.Violations(), "\n  "))
	}
	return strings.TrimRight(b.String(), "\n")
}
