package quorum

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/server/zab/codec"
)

// MaxFrame bounds a quorum frame (a SNAP carries the whole tree).
const MaxFrame = 256 << 20

// Handler takes what the links carry.
type Handler interface {
	// Step takes one decoded message from peer from. The message (but not
	// its Data, a view of a received frame) is reused after Step returns.
	Step(from uint64, m zab.Message)
	// PeerDisconnected says the link to peer id is gone (or replaced by a
	// newer one).
	PeerDisconnected(id uint64)
}

// Config says who this server is and whom it talks to.
type Config struct {
	ID   uint64
	Addr string // this server's quorum address, as peers dial it
	// Listen is the listener's name: Addr, or 0.0.0.0 and its port with
	// quorumListenOnAllIPs.
	Listen string
	// Announce (reconfigEnabled): dial higher ids too, only to tell them
	// our address, and accept links from servers no config names yet.
	Announce bool
	// Members are the quorum addresses of the known servers, this one
	// included ("" for a server that is not dialled: a joiner).
	Members map[uint64]string
}

// Transport is the set of links of one server.
type Transport struct {
	env proc.Env
	cfg Config
	h   Handler

	addrs   map[uint64]string
	peerIDs []uint64 // the keys of addrs, sorted
	// links are the established links: links[i] to peer peerIDs[i] (or
	// nil). A slice, not a map: Send looks a link up per message.
	links  []*link
	byConn map[proc.ConnID]*link
	// dialErr is, per peer, why the last dial failed, until one succeeds:
	// a failure is logged when its cause changes, not every retry.
	dialErr map[uint64]string
	// rx is the packet Received decodes each message into.
	rx zab.Packet
	// frames supplies Send's small frames. Env.Send takes ownership of
	// the bytes, so a frame is never reused; cutting frames from shared
	// blocks turns one allocation per message into one per block. A block
	// stays alive while any of its frames does: a follower's log window
	// keeps views of the PROPOSALs it received, and the PROPOSALs of one
	// txn to every follower share blocks, so the windows retain about what
	// they hold.
	frames wire.Slab
}

// link is one connection to another server. The dialing side first sends
// its id.
type link struct {
	id     uint64
	conn   proc.ConnID
	framer *wire.Framer
	known  bool // the peer's id is known (inbound links learn it from the first frame)
	// announce: a dial to a higher id that only says who we are and where
	// (the peer closes it and dials back), as QuorumCnxManager's initial
	// message carries the address.
	announce bool
}

// New returns the links of a server; Listen and Dial start them.
func New(env proc.Env, cfg Config, h Handler) *Transport {
	t := &Transport{env: env, cfg: cfg, h: h, addrs: map[uint64]string{}, byConn: map[proc.ConnID]*link{},
		dialErr: map[uint64]string{}}
	for id, addr := range cfg.Members {
		t.addrs[id] = addr
		t.peerIDs = append(t.peerIDs, id)
	}
	slices.Sort(t.peerIDs)
	t.links = make([]*link, len(t.peerIDs))
	return t
}

// Listen opens the quorum listener.
func (t *Transport) Listen() error {
	if err := t.env.Listen(t.cfg.Listen); err != nil {
		return fmt.Errorf("listen %s: %w", t.cfg.Listen, err)
	}
	return nil
}

// Buf returns n bytes of capacity cut from the frame slab, for a payload
// Zab keeps (a forwarded request).
func (t *Transport) Buf(n int) []byte { return t.frames.Buf(n) }

// Dial connects to every lower-id peer not linked yet (with Announce, to
// higher ids too, to announce this server).
func (t *Transport) Dial() {
	for _, id := range t.peerIDs {
		if id == t.cfg.ID || t.link(id) != nil || t.dialing(id) || t.addrs[id] == "" {
			continue
		}
		announce := id > t.cfg.ID
		if announce && !t.cfg.Announce {
			continue
		}
		c := t.env.Dial(t.addrs[id])
		t.byConn[c] = &link{id: id, conn: c, framer: &wire.Framer{MaxBuffer: MaxFrame}, announce: announce}
	}
}

// SetMemberAddr records (or updates) a peer's quorum address; a peer not
// known yet gets a link slot. addr "" is a server that connected to us
// before any config named it (a joiner): we answer it, never dial it.
func (t *Transport) SetMemberAddr(id uint64, addr string) {
	if _, ok := t.addrs[id]; ok {
		if addr != "" {
			t.addrs[id] = addr
		}
		return
	}
	t.addrs[id] = addr
	i, _ := slices.BinarySearch(t.peerIDs, id)
	t.peerIDs = slices.Insert(t.peerIDs, i, id)
	t.links = slices.Insert(t.links, i, nil)
}

// link returns the established link to peer id, or nil.
func (t *Transport) link(id uint64) *link {
	for i, p := range t.peerIDs {
		if p == id {
			return t.links[i]
		}
	}
	return nil
}

// setLink records l (nil: none) as the link to peer id, a member.
func (t *Transport) setLink(id uint64, l *link) {
	for i, p := range t.peerIDs {
		if p == id {
			t.links[i] = l
			return
		}
	}
	panic(fmt.Sprintf("link to %d, not a member", id)) // callers check membership
}

func (t *Transport) dialing(id uint64) bool {
	for _, l := range t.byConn {
		if l.id == id {
			return true
		}
	}
	return false
}

// Owns reports whether conn is one of the links.
func (t *Transport) Owns(conn proc.ConnID) bool { return t.byConn[conn] != nil }

// HandleEvent takes the accepts, connects and closes that belong to links
// (their bytes arrive through Received); it reports false for anything
// else. A connection is a link when the quorum listener accepted it, as
// QuorumCnxManager has a listener of its own: Accepted.Local names the
// listener exactly as Listen was given it, whatever address it resolved to
// or the peer dialled. The peer then says who it is: its id is its first
// frame.
func (t *Transport) HandleEvent(ev proc.Event) bool {
	switch x := ev.(type) {
	case proc.Accepted:
		if x.Local != t.cfg.Listen { // the listener's name, not an address to compare
			return false
		}
		t.byConn[x.Conn] = &link{conn: x.Conn, framer: &wire.Framer{MaxBuffer: MaxFrame}}
	case proc.Connected:
		l := t.byConn[x.Conn]
		if l == nil {
			return false
		}
		l.known = true
		if t.dialErr[l.id] != "" {
			t.env.Logf("connected to peer %d at %s", l.id, t.addrs[l.id])
			delete(t.dialErr, l.id)
		}
		hello := binary.BigEndian.AppendUint64(nil, t.cfg.ID)
		if l.announce {
			t.env.Send(x.Conn, frameBytes(append(hello, t.cfg.Addr...)))
			break
		}
		t.env.Send(x.Conn, frameBytes(hello))
		t.linkUp(l)
	case proc.Closed:
		l := t.byConn[x.Conn]
		if l == nil {
			return false
		}
		if !l.known && x.Err != nil && t.dialErr[l.id] != x.Err.Error() {
			// A dial that failed (refused, or a name that does not
			// resolve): said once per peer and cause, and retried every
			// peer tick, as QuorumCnxManager warns "Cannot open channel"
			// and retries.
			t.dialErr[l.id] = x.Err.Error()
			t.env.Logf("cannot open channel to peer %d at %s: %v (retrying)", l.id, t.addrs[l.id], x.Err)
		}
		t.linkDown(l)
	default:
		return false
	}
	return true
}

func frameBytes(body []byte) []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	return append(out, body...)
}

func (t *Transport) linkUp(l *link) {
	if old := t.link(l.id); old != nil && old != l {
		// A newer connection replaces an older one (the peer restarted).
		t.env.Close(old.conn)
		delete(t.byConn, old.conn)
		t.h.PeerDisconnected(l.id)
	}
	t.setLink(l.id, l)
}

func (t *Transport) linkDown(l *link) {
	delete(t.byConn, l.conn)
	if l.known && t.link(l.id) == l {
		t.setLink(l.id, nil)
		t.h.PeerDisconnected(l.id)
	}
}

// Received takes bytes of a link: it frames them and hands each message to
// the Handler, in order. It reports whether conn is a link (Owns(conn));
// bytes of any other connection it leaves alone. (One call, so the host
// looks the connection up once per chunk, not twice.)
func (t *Transport) Received(conn proc.ConnID, b []byte) bool {
	l := t.byConn[conn]
	if l == nil {
		return false
	}
	l.framer.PushOwned(b) // a Received chunk is ours: frame it without a copy
	for {
		frame, ok, err := l.framer.Next()
		if err != nil {
			t.env.Logf("peer link %d: %v", l.id, err)
			t.env.Close(l.conn)
			t.linkDown(l)
			return true
		}
		if !ok {
			return true
		}
		if !l.known {
			if !t.hello(l, frame) {
				return true
			}
			continue
		}
		// The Handler keeps no reference to the message (only to its
		// Data, a view of frame), so every packet decodes into the same rx.
		m, err := codec.UnmarshalMessageInto(&t.rx, frame, MaxFrame)
		if err != nil {
			t.env.Logf("peer %d sent a bad message: %v", l.id, err)
			t.env.Close(l.conn)
			t.linkDown(l)
			return true
		}
		t.h.Step(l.id, m)
	}
}

// hello takes an inbound link's first frame, the peer's id (or, with
// Announce, its id and address); it reports whether the link stays.
func (t *Transport) hello(l *link, frame []byte) bool {
	if len(frame) > 8 && t.cfg.Announce {
		t.announced(l, frame)
		return false
	}
	if len(frame) != 8 {
		// Not a server saying its id first: a client dialled the quorum
		// port, or something else did.
		t.env.Logf("dropping connection %d on the quorum port: its first frame (%d bytes) is not a server id", l.conn, len(frame))
		t.env.Close(l.conn)
		delete(t.byConn, l.conn)
		return false
	}
	l.id, l.known = binary.BigEndian.Uint64(frame), true
	if _, member := t.addrs[l.id]; !member && t.cfg.Announce && l.id != 0 && l.id != t.cfg.ID {
		t.SetMemberAddr(l.id, "") // a server about to join
	}
	if _, member := t.addrs[l.id]; !member || l.id == t.cfg.ID {
		t.env.Logf("dropping peer link from unknown server %d", l.id)
		t.env.Close(l.conn)
		delete(t.byConn, l.conn)
		return false
	}
	t.linkUp(l)
	return true
}

// announced takes a lower id's announce (its id and quorum address): a
// server this one may have no address for (it joined, or a config this one
// never saw named it) must be dialled by this, the higher, id.
func (t *Transport) announced(l *link, frame []byte) {
	id, addr := binary.BigEndian.Uint64(frame), string(frame[8:])
	t.env.Close(l.conn)
	delete(t.byConn, l.conn)
	if id == 0 || id == t.cfg.ID {
		return
	}
	t.SetMemberAddr(id, addr)
	t.Dial()
}

// Send encodes a message onto the link to its peer; without a link it is
// dropped (Zab's own timeouts and resends cover it).
func (t *Transport) Send(env zab.Envelope) error {
	l := t.link(env.To)
	if l == nil {
		return nil
	}
	// Encode straight into the frame (MessageSize is exact: no append
	// outgrows it).
	size := codec.MessageSize(env.Msg)
	b, err := codec.AppendMessage(t.frames.Buf(4 + size)[:4], env.Msg)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	t.env.Send(l.conn, b)
	return nil
}
