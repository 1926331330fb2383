package quorum_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/quorum"
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/sim"
)

// node is a process that only owns a Transport: it records what reaches
// its Handler and, every tick, redials and sends a PING to every member.
type node struct {
	id      uint64
	members map[uint64]string
	tr      *quorum.Transport
	env     proc.Env
	log     *[]string
}

type tick struct{}

func (n *node) Step(from uint64, m zab.Message) {
	p := m.(*zab.Packet)
	*n.log = append(*n.log, fmt.Sprintf("%d<-%d %v %d", n.id, from, p.Type, p.Zxid))
}

func (n *node) PeerDisconnected(id uint64) {
	*n.log = append(*n.log, fmt.Sprintf("%d: link to %d down", n.id, id))
}

func (n *node) Start(env proc.Env) {
	n.env = env
	addr := n.members[n.id]
	n.tr = quorum.New(env, quorum.Config{ID: n.id, Addr: addr, Listen: addr, Members: n.members}, n)
	if err := n.tr.Listen(); err != nil {
		panic(err)
	}
	n.tr.Dial()
	env.After(100*time.Millisecond, tick{})
}

func (n *node) Handle(ev proc.Event) {
	switch e := ev.(type) {
	case proc.Received:
		n.tr.Received(e.Conn, e.Bytes)
	case proc.TimerFired:
		n.tr.Dial()
		for id := range n.members {
			if id != n.id {
				if err := n.tr.Send(zab.Envelope{To: id, Msg: &zab.Packet{Type: zab.PacketPing, Zxid: int64(n.id)}}); err != nil {
					panic(err)
				}
			}
		}
		n.env.After(100*time.Millisecond, e.Tag)
	default:
		n.tr.HandleEvent(ev)
	}
}

// Three servers link up (the higher id dials the lower), exchange framed
// messages over the links, see a link go down when a peer crashes, and link
// up again when it returns.
func TestTransportLinksFramesAndRedials(t *testing.T) {
	w, err := sim.NewWorld(1, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	members := map[uint64]string{1: "s1:2888", 2: "s2:2888", 3: "s3:2888"}
	var log []string
	for id := uint64(1); id <= 3; id++ {
		id := id
		f := func() proc.Process { return &node{id: id, members: members, log: &log} }
		name := fmt.Sprintf("s%d", id)
		if err := w.AddNode(name, f, sim.NodeOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.Start(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1<-2 PING 2", "1<-3 PING 3", "2<-1 PING 1", "2<-3 PING 3", "3<-1 PING 1", "3<-2 PING 2"} {
		if !slices.Contains(log, want) {
			t.Errorf("no %q in %q", want, log)
		}
	}
	if err := w.Crash("s3", sim.CrashKeepAll); err != nil {
		t.Fatal(err)
	}
	if err := w.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(log, "1: link to 3 down") || !slices.Contains(log, "2: link to 3 down") {
		t.Errorf("no link down after the crash: %q", log)
	}
	if err := w.Restart("s3"); err != nil {
		t.Fatal(err)
	}
	log = log[:0]
	if err := w.RunFor(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(log, "1<-3 PING 3") || !slices.Contains(log, "3<-2 PING 2") {
		t.Errorf("no messages after the restart: %q", log)
	}
}
