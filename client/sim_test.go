package client_test

// End-to-end tests of the client in the deterministic simulator, against a
// small in-test "ensemble": server processes that share one in-memory
// session table and key/value store (a perfectly consistent ensemble), so
// the client's failover can be exercised over real simulated connections
// with latency, crashes and partitions. Only sim tests import sim; the
// client package itself never does.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// ensemble is the state every fake server process shares.
type ensemble struct {
	zxid     int64
	sessions map[int64][]byte // id -> password
	nextID   int64
	data     map[string][]byte
	version  map[string]int32
}

func newEnsemble() *ensemble {
	return &ensemble{sessions: map[int64][]byte{}, nextID: 0x100, data: map[string][]byte{}, version: map[string]int32{}}
}

// fakeServer is one server process of the ensemble.
type fakeServer struct {
	ens   *ensemble
	env   proc.Env
	addr  string
	conns map[proc.ConnID]*serverConn
}

type serverConn struct {
	framer    wire.Framer
	handshook bool
}

func (s *fakeServer) Start(env proc.Env) {
	s.env = env
	s.conns = map[proc.ConnID]*serverConn{}
	if err := env.Listen(s.addr); err != nil {
		env.Logf("listen: %v", err)
	}
}

func (s *fakeServer) Handle(ev proc.Event) {
	switch e := ev.(type) {
	case proc.Accepted:
		s.conns[e.Conn] = &serverConn{}
	case proc.Closed:
		delete(s.conns, e.Conn)
	case proc.Received:
		sc := s.conns[e.Conn]
		if sc == nil {
			return
		}
		sc.framer.Push(e.Bytes)
		for {
			frame, ok, err := sc.framer.Next()
			if err != nil || !ok {
				return
			}
			if !s.frame(e.Conn, sc, frame) {
				s.env.Close(e.Conn)
				delete(s.conns, e.Conn)
				return
			}
		}
	}
}

func (s *fakeServer) frame(conn proc.ConnID, sc *serverConn, frame []byte) bool {
	if !sc.handshook {
		req, err := wire.DecodeConnectRequest(frame, wire.DecodeOptions{})
		if err != nil {
			return false
		}
		sc.handshook = true
		id, pw := req.SessionID, req.Passwd
		if id == 0 {
			id, pw = s.ens.nextID, []byte(fmt.Sprintf("pw-%016d", s.ens.nextID))
			s.ens.nextID++
			s.ens.sessions[id] = pw
		} else if _, ok := s.ens.sessions[id]; !ok {
			s.env.Send(conn, wire.EncodeConnectResponse(req.Answer(0, 0, make([]byte, 16))))
			return false
		}
		s.env.Send(conn, wire.EncodeConnectResponse(req.Answer(req.TimeoutMS, id, pw)))
		return true
	}
	hdr, req, err := wire.DecodeRequest(frame, wire.DecodeOptions{})
	if err != nil {
		return false
	}
	code, resp := s.apply(req)
	s.env.Send(conn, wire.EncodeReply(hdr.Xid, s.ens.zxid, code, resp))
	return true
}

func (s *fakeServer) apply(req wire.Request) (wire.Err, wire.Response) {
	e := s.ens
	switch r := req.(type) {
	case *wire.CreateRequest:
		if _, ok := e.data[r.Path]; ok {
			return wire.ErrNodeExists, nil
		}
		e.zxid++
		e.data[r.Path], e.version[r.Path] = r.Data, 0
		return wire.ErrOK, &wire.CreateResponse{Path: r.Path}
	case *wire.SetDataRequest:
		if _, ok := e.data[r.Path]; !ok {
			return wire.ErrNoNode, nil
		}
		e.zxid++
		e.data[r.Path] = r.Data
		e.version[r.Path]++
		return wire.ErrOK, &wire.SetDataResponse{Stat: wire.Stat{Mzxid: e.zxid, Version: e.version[r.Path]}}
	case *wire.GetDataRequest:
		d, ok := e.data[r.Path]
		if !ok {
			return wire.ErrNoNode, nil
		}
		return wire.ErrOK, &wire.GetDataResponse{Data: d, Stat: wire.Stat{Version: e.version[r.Path]}}
	case *wire.PingRequest:
		return wire.ErrOK, nil
	case *wire.CloseSessionRequest:
		return wire.ErrOK, nil
	}
	return wire.ErrUnimplemented, nil
}

// host is the client's process: a workload that writes a counter every
// 50 ms and logs every outcome.
type host struct {
	c         *client.Client
	env       proc.Env
	log       *[]string
	next      int
	submitted *int
}

type tick struct{}

func (h *host) Start(env proc.Env) {
	h.env = env
	h.c.Start(env)
	h.c.Create("/k", []byte("0"), wire.OpenACLUnsafe, wire.FlagPersistent, h.done("create"))
	*h.submitted++
	env.After(50*time.Millisecond, tick{})
}

func (h *host) Handle(ev proc.Event) {
	if h.c.Handle(ev) {
		return
	}
	if _, ok := ev.(proc.TimerFired); ok && h.c.State() != client.StateClosed {
		h.next++
		h.c.SetData("/k", []byte(fmt.Sprint(h.next)), -1, h.done(fmt.Sprintf("set%d", h.next)))
		*h.submitted++
		h.env.After(50*time.Millisecond, tick{})
	}
}

func (h *host) done(name string) func(client.Result) {
	return func(r client.Result) {
		*h.log = append(*h.log, fmt.Sprintf("%d %s %s server=%s zxid=%d", h.env.Now(), name, r.Err.Name(), r.Server, r.Zxid))
	}
}

type run struct {
	startNS   int64 // the client's clock at world time 0
	submitted int
	trace     string
	log       []string
	events    []client.Event
	session   int64
	server    string
	state     client.State
	executed  uint64
}

// simulate runs a two-server ensemble and one client for 6 s, crashing the
// server the client uses at 2 s.
func simulate(t *testing.T, seed uint64) run {
	t.Helper()
	w, err := sim.NewWorld(seed, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ens := newEnsemble()
	for _, name := range []string{"s1", "s2"} {
		addr := name + ":2181"
		if err := w.AddNode(name, func() proc.Process { return &fakeServer{ens: ens, addr: addr} }, sim.NodeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var r run
	var c *client.Client
	factory := func() proc.Process {
		var err error
		c, err = client.New(client.Config{
			Servers: []string{"s1:2181", "s2:2181"}, SessionTimeout: 3 * time.Second,
			OnEvent: func(ev client.Event) { r.events = append(r.events, ev) },
		})
		if err != nil {
			t.Fatal(err)
		}
		return &host{c: c, log: &r.log, submitted: &r.submitted}
	}
	if err := w.AddNode("c1", factory, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"s1", "s2", "c1"} {
		if err := w.Start(n); err != nil {
			t.Fatal(err)
		}
	}
	if r.startNS, err = w.LocalTime("c1"); err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return w.RunFor(2 * time.Second) },
		func() error { return w.Crash("s1", sim.CrashLoseUnsynced) },
		func() error { return w.RunFor(4 * time.Second) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	r.trace, r.session, r.server, r.state, r.executed = w.TraceHash(), c.SessionID(), c.Server(), c.State(), w.Executed()
	return r
}

func TestSimFailoverKeepsSession(t *testing.T) {
	r := simulate(t, 7)
	if r.state != client.StateConnected || r.server != "s2:2181" || r.session != 0x100 {
		t.Fatalf("after failover: state %v server %s session %#x", r.state, r.server, r.session)
	}
	var kinds []client.EventKind
	for _, ev := range r.events {
		kinds = append(kinds, ev.Kind)
	}
	want := []client.EventKind{client.EventConnected, client.EventDisconnected, client.EventConnected}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("session events %v, want %v", kinds, want)
	}
	// Writes sent to s1 between its crash (2 s) and the client noticing
	// (the connection reset, at most the 2 s read timeout later) end as
	// indeterminate, all at that instant; everything else succeeds with
	// increasing zxids on one session, and no op is left hanging.
	var lossAtNS int64
	lastZxid := int64(-1)
	for _, line := range r.log {
		f := strings.Fields(line)
		if len(f) != 5 {
			t.Fatalf("log line %q", line)
		}
		var atNS, zxid int64
		if _, err := fmt.Sscan(f[0], &atNS); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if _, err := fmt.Sscanf(f[4], "zxid=%d", &zxid); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch f[2] {
		case "OK":
			if zxid <= lastZxid {
				t.Fatalf("zxid went from %d to %d: %q", lastZxid, zxid, line)
			}
			lastZxid = zxid
		case "CONNECTIONLOSS":
			if lossAtNS != 0 && atNS != lossAtNS {
				t.Fatalf("indeterminate ops at two instants: %q", line)
			}
			lossAtNS = atNS
		default:
			t.Fatalf("unexpected outcome %q", line)
		}
	}
	sinceCrash := time.Duration(lossAtNS - r.startNS - int64(2*time.Second))
	if lossAtNS == 0 || sinceCrash < 0 || sinceCrash > 2*time.Second {
		t.Fatalf("connection loss %v after the crash", sinceCrash)
	}
	if len(r.log) < r.submitted-1 {
		t.Fatalf("%d of %d ops completed", len(r.log), r.submitted)
	}
}

func TestSimDeterministic(t *testing.T) {
	a, b := simulate(t, 11), simulate(t, 11)
	if a.trace != b.trace || fmt.Sprint(a.log) != fmt.Sprint(b.log) || a.executed != b.executed {
		t.Fatalf("same seed, different runs: %s vs %s", a.trace, b.trace)
	}
	if c := simulate(t, 12); c.trace == a.trace {
		t.Fatal("different seeds gave the same trace hash")
	}
}
