package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// link is the state of one directed link.
type link struct {
	opts         LinkOptions
	cut          bool
	cutEpoch     uint64 // counts cuts, so a datagram in flight across one is dropped
	spikeNS      int64  // extra connection latency until spikeUntilNS
	spikeUntilNS int64
}

func (w *World) link(from, to int32) *link { return &w.links[int(from)*len(w.nodes)+int(to)] }

// growLinks extends the link matrix for a newly added node.
func (w *World) growLinks() {
	n := len(w.nodes)
	links := make([]link, n*n)
	for i := range links {
		links[i].opts = w.opts.Link
	}
	for from := 0; from < n-1; from++ {
		copy(links[from*n:from*n+n-1], w.links[from*(n-1):from*(n-1)+n-1])
	}
	w.links = links
}

// up reports whether both directions between a and b work.
func (w *World) up(a, b int32) bool { return !w.link(a, b).cut && !w.link(b, a).cut }

// connLatency draws the delay of the next chunk from a to b.
func (w *World) connLatency(from, to int32) int64 {
	l := w.link(from, to)
	d := l.opts.Latency.sampleNS(w.netRng)
	if w.nowNS < l.spikeUntilNS {
		d += l.spikeNS
	}
	return d
}

// conn is one connection. Side 0 dialed, side 1 accepted. Direction s
// carries bytes from ends[s] to ends[1-s]; lastNS[s] is the arrival time of
// the latest item queued in that direction, which keeps each direction FIFO
// whatever the latency draws.
type conn struct {
	id     uint64
	ends   [2]connEnd
	lastNS [2]int64
	broken bool // partition or crash: nothing more crosses; ends get resets
}

type connEnd struct {
	node   int32
	inc    uint64
	open   bool // the process holds it and still gets its events
	local  string
	remote string
}

func (c *conn) touches(n int32) bool { return c.ends[0].node == n || c.ends[1].node == n }

func endID(c uint64, side int) proc.ConnID { return proc.ConnID(c<<1 | uint64(side)) }

// end resolves a process's ConnID to its connection and side.
func (w *World) end(n *node, id proc.ConnID) (*conn, int) {
	c := w.conn(uint64(id) >> 1)
	side := int(id & 1)
	if c == nil || c.ends[side].node != n.idx || c.ends[side].inc != n.inc || !c.ends[side].open {
		return nil, 0
	}
	return c, side
}

// conn returns the live connection with id, or nil.
func (w *World) conn(id uint64) *conn {
	if id < uint64(len(w.conns)) {
		return w.conns[id]
	}
	return nil
}

// parseHost returns the node an address names.
func (w *World) parseHost(addr string) (*node, bool) {
	host, port, ok := strings.Cut(addr, ":")
	if !ok || port == "" {
		return nil, false
	}
	n, ok := w.byName[host]
	return n, ok
}

func (w *World) dial(n *node, addr string) proc.ConnID {
	id := w.nextConn
	w.nextConn++
	c := &conn{id: id}
	c.ends[0] = connEnd{node: n.idx, inc: n.inc, open: true, local: n.name + ":" + strconv.FormatUint(id, 10), remote: addr}
	w.conns = append(w.conns, c) // at index id: ids are handed out in order
	target, ok := w.parseHost(addr)
	switch {
	case !ok:
		c.ends[1].node = -1
		w.push(newEvent(w.nowNS, evRefused, n.idx, uint64(endID(id, 0)), 0))
	case !w.up(n.idx, target.idx):
		// A connect over a cut link times out like a broken connection.
		c.ends[1].node = target.idx
		c.broken = true
		w.pushReset(c, 0)
	default:
		c.ends[1] = connEnd{node: target.idx, local: addr, remote: c.ends[0].local}
		at := w.nowNS + w.connLatency(n.idx, target.idx)
		c.lastNS[0] = at
		w.push(newEvent(at, evSyn, target.idx, uint64(endID(id, 1)), 0))
	}
	return endID(id, 0)
}

// execSyn: a connection request reaches its target.
func (w *World) execSyn(n *node, e *event) {
	c := w.conn(e.id >> 1)
	if c == nil || c.broken {
		return
	}
	if n.state != stateRunning || !n.listeners[c.ends[1].local] {
		// RST back to the dialer.
		at := max(w.nowNS+w.connLatency(n.idx, c.ends[0].node), c.lastNS[1])
		c.lastNS[1] = at
		w.push(newEvent(at, evRefused, c.ends[0].node, uint64(endID(c.id, 0)), 0))
		return
	}
	c.ends[1].inc, c.ends[1].open = n.inc, true
	at := max(w.nowNS+w.connLatency(n.idx, c.ends[0].node), c.lastNS[1])
	c.lastNS[1] = at
	w.push(newEvent(at, evSynAck, c.ends[0].node, uint64(endID(c.id, 0)), 0))
	w.deliver(n, e, nil, proc.Accepted{Conn: endID(c.id, 1), Local: c.ends[1].local, Remote: c.ends[1].remote})
}

func (w *World) send(n *node, id proc.ConnID, b []byte) {
	c, side := w.end(n, id)
	if c == nil || c.broken {
		return
	}
	peer := &c.ends[1-side]
	if side == 1 && !peer.open { // the dialer closed: the bytes go nowhere
		return
	}
	at := max(w.nowNS+w.connLatency(n.idx, peer.node), c.lastNS[side])
	c.lastNS[side] = at
	w.push(newEvent(at, evData, peer.node, uint64(endID(c.id, 1-side)), uint64(w.q.store(b))))
}

func (w *World) closeConn(n *node, id proc.ConnID) {
	c, side := w.end(n, id)
	if c == nil {
		return
	}
	c.ends[side].open = false
	if c.broken {
		w.forget(c)
		return
	}
	peer := c.ends[1-side]
	at := max(w.nowNS+w.connLatency(n.idx, peer.node), c.lastNS[side])
	c.lastNS[side] = at
	w.push(newEvent(at, evFin, peer.node, uint64(endID(c.id, 1-side)), 0))
}

// forget drops a connection once neither end holds it.
func (w *World) forget(c *conn) {
	if !c.ends[0].open && !c.ends[1].open {
		w.conns[c.id] = nil
	}
}

// execConn delivers connection events other than the request itself.
func (w *World) execConn(n *node, e *event, data []byte) {
	c := w.conn(e.id >> 1)
	side := int(e.id & 1)
	if c == nil || n.state != stateRunning {
		return
	}
	end := &c.ends[side]
	if !end.open || end.inc != n.inc || (c.broken && e.kind() != evReset) {
		return
	}
	id := endID(c.id, side)
	switch e.kind() {
	case evSynAck:
		w.deliver(n, e, nil, proc.Connected{Conn: id, Remote: end.remote})
	case evData:
		if h := n.recvH; h != nil && w.direct(n, e, data) {
			h.HandleReceived(proc.Received{Conn: id, Bytes: data})
			w.depth--
			return
		}
		w.deliver(n, e, data, proc.Received{Conn: id, Bytes: data})
	case evFin, evReset, evRefused:
		end.open = false
		w.forget(c)
		w.deliver(n, e, nil, proc.Closed{Conn: id, Err: closeErr(e.kind())})
	}
}

func closeErr(k evKind) error {
	switch k {
	case evReset:
		return proc.ErrConnReset
	case evRefused:
		return proc.ErrConnRefused
	}
	return nil
}

// pushReset tells one end of a broken connection after the detection delay.
func (w *World) pushReset(c *conn, side int) {
	at := w.nowNS + w.opts.BreakDetect.sampleNS(w.detectRng)
	w.push(newEvent(at, evReset, c.ends[side].node, uint64(endID(c.id, side)), 0))
}

// breakConns breaks every live connection matching pred, in id order.
func (w *World) breakConns(pred func(*conn) bool) {
	for _, c := range w.conns {
		if c == nil || c.broken || !pred(c) {
			continue
		}
		c.broken = true
		for side := range 2 {
			end := &c.ends[side]
			if !end.open {
				continue
			}
			if n := w.nodes[end.node]; n.inc != end.inc || n.state == stateCrashed {
				end.open = false // its process is gone
				continue
			}
			w.pushReset(c, side)
		}
		w.forget(c)
	}
}

// datagram is the side record of a datagram in flight.
type datagram struct {
	from     int32
	to       string
	cutEpoch uint64 // of the link at send time
}

func (w *World) sendDatagram(n *node, addr string, b []byte) {
	target, ok := w.parseHost(addr)
	if !ok {
		return
	}
	l := w.link(n.idx, target.idx)
	if l.cut || (l.opts.LossProb > 0 && w.netRng.Float64() < l.opts.LossProb) {
		return
	}
	copies := 1
	if l.opts.DupProb > 0 && w.netRng.Float64() < l.opts.DupProb {
		copies = 2
	}
	for i := range copies {
		at := w.nowNS + l.opts.Latency.sampleNS(w.netRng)
		if l.opts.ReorderProb > 0 && w.netRng.Float64() < l.opts.ReorderProb {
			at += l.opts.ReorderDelay.sampleNS(w.netRng)
		}
		data := b
		if i > 0 {
			data = append([]byte(nil), b...) // each delivery owns its bytes
		}
		id := w.newID()
		w.dgrams[id] = datagram{from: n.idx, to: addr, cutEpoch: l.cutEpoch}
		w.push(newEvent(at, evDatagram, target.idx, id, uint64(w.q.store(data))))
	}
}

func (w *World) execDatagram(n *node, e *event, data []byte) {
	d, ok := w.dgrams[e.id]
	delete(w.dgrams, e.id)
	l := w.link(d.from, n.idx)
	if !ok || n.state != stateRunning || !n.listeners[d.to] || l.cut || l.cutEpoch != d.cutEpoch {
		return
	}
	w.deliver(n, e, data, proc.DatagramReceived{From: w.nodes[d.from].name, To: d.to, Bytes: data})
}

// SetLink sets the options of the directed link from → to.
func (w *World) SetLink(from, to string, o LinkOptions) error {
	a, b, err := w.pair(from, to)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return w.act(func() error {
		w.link(a.idx, b.idx).opts = o
		w.fault(nil, fmt.Sprintf("link %s->%s %+v", from, to, o))
		return nil
	})
}

// SetAllLinks sets the options of every directed link.
func (w *World) SetAllLinks(o LinkOptions) error {
	if err := o.Validate(); err != nil {
		return err
	}
	return w.act(func() error {
		for i := range w.links {
			w.links[i].opts = o
		}
		w.opts.Link = o
		w.fault(nil, fmt.Sprintf("all-links %+v", o))
		return nil
	})
}

// Spike adds extra latency to connection traffic from → to for duration d.
// Each direction stays FIFO.
func (w *World) Spike(from, to string, extra, d time.Duration) error {
	a, b, err := w.pair(from, to)
	if err != nil {
		return err
	}
	if extra < 0 || d < 0 || extra > MaxLatency || d > MaxLatency {
		return fmt.Errorf("sim: spike %s->%s: extra %v or duration %v outside [0, %v]", from, to, extra, d, MaxLatency)
	}
	return w.act(func() error {
		l := w.link(a.idx, b.idx)
		l.spikeNS, l.spikeUntilNS = int64(extra), w.nowNS+int64(d)
		w.fault(nil, fmt.Sprintf("spike %s->%s +%v for %v", from, to, extra, d))
		return nil
	})
}

func (w *World) pair(from, to string) (*node, *node, error) {
	a, err := w.lookup(from)
	if err != nil {
		return nil, nil, err
	}
	b, err := w.lookup(to)
	if err != nil {
		return nil, nil, err
	}
	if a == b {
		return nil, nil, fmt.Errorf("sim: link %s->%s: a node's link to itself cannot be changed", from, to)
	}
	return a, b, nil
}

// Cut cuts the directed link from → to: datagrams stop flowing that way, and
// every connection between the two breaks (a connection needs both ways).
func (w *World) Cut(from, to string) error {
	a, b, err := w.pair(from, to)
	if err != nil {
		return err
	}
	return w.act(func() error {
		w.cut(a.idx, b.idx)
		w.fault(nil, "cut "+from+"->"+to)
		return nil
	})
}

func (w *World) cut(a, b int32) {
	l := w.link(a, b)
	l.cut = true
	l.cutEpoch++
	w.breakConns(func(c *conn) bool {
		return (c.ends[0].node == a && c.ends[1].node == b) || (c.ends[0].node == b && c.ends[1].node == a)
	})
}

// Partition cuts every link between nodes of different groups, both ways.
// Links among nodes of one group, and of nodes in no group, are unchanged.
func (w *World) Partition(groups ...[]string) error {
	group := map[int32]int{}
	for g, names := range groups {
		for _, name := range names {
			n, err := w.lookup(name)
			if err != nil {
				return err
			}
			if _, dup := group[n.idx]; dup {
				return fmt.Errorf("sim: partition: %q is in two groups", name)
			}
			group[n.idx] = g
		}
	}
	return w.act(func() error {
		for a := range int32(len(w.nodes)) {
			for b := range int32(len(w.nodes)) {
				ga, okA := group[a]
				gb, okB := group[b]
				if okA && okB && ga != gb {
					w.cut(a, b)
				}
			}
		}
		w.fault(nil, fmt.Sprintf("partition %v", groups))
		return nil
	})
}

// HealLink restores both directions between a and b. Broken connections stay
// broken: processes reconnect by dialing again.
func (w *World) HealLink(a, b string) error {
	x, y, err := w.pair(a, b)
	if err != nil {
		return err
	}
	return w.act(func() error {
		w.link(x.idx, y.idx).cut, w.link(y.idx, x.idx).cut = false, false
		w.fault(nil, "heal "+a+"<->"+b)
		return nil
	})
}

// Heal restores every link and ends every delay spike.
func (w *World) Heal() error {
	return w.act(func() error {
		for i := range w.links {
			w.links[i].cut = false
			w.links[i].spikeUntilNS = 0
		}
		w.fault(nil, "heal all")
		return nil
	})
}

// Linked reports whether the directed link from → to is up.
func (w *World) Linked(from, to string) (bool, error) {
	a, err := w.lookup(from)
	if err != nil {
		return false, err
	}
	b, err := w.lookup(to)
	if err != nil {
		return false, err
	}
	return !w.link(a.idx, b.idx).cut, nil
}
