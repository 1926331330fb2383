package sim

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// The traffic harness: every node listens on "<name>:1", dials every other
// node, and on each tick sends a numbered chunk on every open connection and
// a datagram to every peer. Receivers check the properties as they go:
// consecutive sequence numbers per connection (FIFO, no loss while up), no
// chunk or datagram that crossed a link cut after it was sent, no event on a
// connection after its Closed, no event at a paused node.

type trafficNet struct {
	w          *World
	names      []string
	index      map[string]int
	epoch      [][]uint64 // epoch[a][b] counts cuts of the link a→b
	paused     map[string]bool
	tick       time.Duration
	violations []string
	delivered  int
	procs      map[string]*traffic
}

func (tn *trafficNet) fail(format string, args ...any) {
	if len(tn.violations) < 20 {
		tn.violations = append(tn.violations, fmt.Sprintf("%v: ", tn.w.Now())+fmt.Sprintf(format, args...))
	}
}

// cut records and applies a one-way cut.
func (tn *trafficNet) cut(a, b int) error {
	tn.epoch[a][b]++
	return tn.w.Cut(tn.names[a], tn.names[b])
}

func (tn *trafficNet) partition(groups [][]string) error {
	group := map[string]int{}
	for g, names := range groups {
		for _, n := range names {
			group[n] = g
		}
	}
	for a, na := range tn.names {
		for b, nb := range tn.names {
			ga, okA := group[na]
			gb, okB := group[nb]
			if okA && okB && ga != gb {
				tn.epoch[a][b]++
			}
		}
	}
	return tn.w.Partition(groups...)
}

// Observe checks that paused nodes run nothing.
func (tn *trafficNet) Observe(r *Record) {
	switch r.Kind {
	case RecordLifecycle:
		tn.paused[r.Node] = r.Lifecycle == Paused
	case RecordEvent, RecordNote:
		if tn.paused[r.Node] {
			tn.fail("paused node %s ran %T", r.Node, r.Event)
		}
	}
}

type connState struct {
	peer    int
	sentSeq uint64
	recvSeq uint64
	dialed  bool
}

type traffic struct {
	tn    *trafficNet
	env   proc.Env
	me    int
	conns map[proc.ConnID]*connState // established (accepted or connected)
	dials map[proc.ConnID]int        // in progress: peer index
	dead  map[proc.ConnID]bool       // closed: no event may follow
}

func newTrafficNet(w *World, names []string, tick time.Duration) (*trafficNet, error) {
	tn := &trafficNet{w: w, names: names, index: map[string]int{}, paused: map[string]bool{},
		tick: tick, procs: map[string]*traffic{}}
	for i, n := range names {
		tn.index[n] = i
		tn.epoch = append(tn.epoch, make([]uint64, len(names)))
	}
	if err := w.AddObserver(tn); err != nil {
		return nil, err
	}
	for i, name := range names {
		f := func() proc.Process {
			p := &traffic{tn: tn, me: i}
			tn.procs[name] = p
			return p
		}
		if err := w.AddNode(name, f, NodeOptions{}); err != nil {
			return nil, err
		}
	}
	for _, name := range names {
		if err := w.Start(name); err != nil {
			return nil, err
		}
	}
	return tn, nil
}

func (p *traffic) Start(env proc.Env) {
	p.env = env
	p.conns = map[proc.ConnID]*connState{}
	p.dials = map[proc.ConnID]int{}
	p.dead = map[proc.ConnID]bool{}
	if err := env.Listen(env.Name() + ":1"); err != nil {
		p.tn.fail("listen: %v", err)
	}
	for peer := range p.tn.names {
		if peer != p.me {
			p.dial(peer)
		}
	}
	env.After(p.tn.tick, "tick")
}

func (p *traffic) dial(peer int) { p.dials[p.env.Dial(p.tn.names[peer]+":1")] = peer }

func (p *traffic) Handle(ev proc.Event) {
	switch ev := ev.(type) {
	case proc.Accepted:
		p.checkFresh(ev.Conn)
		host, _, _ := cutHost(ev.Remote)
		p.conns[ev.Conn] = &connState{peer: p.tn.index[host]}
	case proc.Connected:
		p.checkFresh(ev.Conn)
		peer, ok := p.dials[ev.Conn]
		if !ok {
			p.tn.fail("%s: Connected for unknown conn %d", p.env.Name(), ev.Conn)
		}
		delete(p.dials, ev.Conn)
		p.conns[ev.Conn] = &connState{peer: peer, dialed: true}
	case proc.Received:
		p.received(ev)
	case proc.Closed:
		p.closed(ev)
	case proc.DatagramReceived:
		p.datagram(ev)
	case proc.TimerFired:
		p.timer(ev)
	}
}

func cutHost(addr string) (string, string, bool) {
	for i := 0; i < len(addr); i++ {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:], true
		}
	}
	return addr, "", false
}

func (p *traffic) checkFresh(c proc.ConnID) {
	if p.dead[c] || p.conns[c] != nil {
		p.tn.fail("%s: conn %d reused", p.env.Name(), c)
	}
}

// payload: seq, sender, epoch sender→receiver, epoch receiver→sender.
func (p *traffic) payload(seq uint64, peer int) []byte {
	b := make([]byte, 32)
	binary.BigEndian.PutUint64(b[0:], seq)
	binary.BigEndian.PutUint64(b[8:], uint64(p.me))
	binary.BigEndian.PutUint64(b[16:], p.tn.epoch[p.me][peer])
	binary.BigEndian.PutUint64(b[24:], p.tn.epoch[peer][p.me])
	return b
}

func (p *traffic) received(ev proc.Received) {
	cs := p.conns[ev.Conn]
	if cs == nil {
		p.tn.fail("%s: Received on conn %d that is not open (dead=%v)", p.env.Name(), ev.Conn, p.dead[ev.Conn])
		return
	}
	p.tn.delivered++
	seq := binary.BigEndian.Uint64(ev.Bytes[0:])
	from := int(binary.BigEndian.Uint64(ev.Bytes[8:]))
	if seq != cs.recvSeq+1 {
		p.tn.fail("%s: conn %d got seq %d after %d", p.env.Name(), ev.Conn, seq, cs.recvSeq)
	}
	cs.recvSeq = seq
	e1 := binary.BigEndian.Uint64(ev.Bytes[16:])
	e2 := binary.BigEndian.Uint64(ev.Bytes[24:])
	if e1 != p.tn.epoch[from][p.me] || e2 != p.tn.epoch[p.me][from] {
		p.tn.fail("%s: chunk from %s crossed a cut", p.env.Name(), p.tn.names[from])
	}
}

func (p *traffic) datagram(ev proc.DatagramReceived) {
	from := p.tn.index[ev.From]
	if e := binary.BigEndian.Uint64(ev.Bytes[16:]); e != p.tn.epoch[from][p.me] {
		p.tn.fail("%s: datagram from %s crossed a cut", p.env.Name(), ev.From)
	}
	p.tn.delivered++
}

func (p *traffic) closed(ev proc.Closed) {
	if p.dead[ev.Conn] {
		p.tn.fail("%s: second Closed for conn %d", p.env.Name(), ev.Conn)
	}
	p.dead[ev.Conn] = true
	peer, dialing := p.dials[ev.Conn]
	delete(p.dials, ev.Conn)
	if cs := p.conns[ev.Conn]; cs != nil {
		peer, dialing = cs.peer, cs.dialed
		delete(p.conns, ev.Conn)
	}
	if dialing { // reconnects are explicit: dial again after a pause
		p.env.After(20*time.Millisecond, "redial:"+strconv.Itoa(peer))
	}
}

func (p *traffic) timer(ev proc.TimerFired) {
	tag := ev.Tag.(string)
	if tag != "tick" {
		peer, _ := strconv.Atoi(tag[len("redial:"):])
		p.dial(peer)
		return
	}
	ids := make([]proc.ConnID, 0, len(p.conns))
	for id := range p.conns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		cs := p.conns[id]
		cs.sentSeq++
		p.env.Send(id, p.payload(cs.sentSeq, cs.peer))
	}
	for peer, name := range p.tn.names {
		if peer != p.me {
			p.env.SendDatagram(name+":1", p.payload(0, peer))
		}
	}
	p.env.After(p.tn.tick, "tick")
}

// checkQuiescent verifies, once faults have healed and break detection has
// had time, that every connection a process still holds is alive in the
// world: every break was reported to every surviving end.
func (tn *trafficNet) checkQuiescent() {
	for _, name := range tn.names {
		p := tn.procs[name]
		n := tn.w.byName[name]
		if n.state != stateRunning {
			continue
		}
		for id := range p.conns {
			if c, _ := tn.w.end(n, id); c == nil || c.broken {
				tn.fail("%s: conn %d broke but its end was never told", name, id)
			}
		}
	}
}
