package client

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

// fakeEnv is a hand-driven proc.Env: the test decides when connections
// connect, what bytes arrive, and how far the clock moves.
type fakeEnv struct {
	t         *testing.T
	nowNS     int64
	nextConn  proc.ConnID
	nextTimer proc.TimerID
	seq       int
	dials     []dial
	out       map[proc.ConnID][]byte // bytes the client sent, per connection
	closed    map[proc.ConnID]bool   // connections the client closed
	timers    map[proc.TimerID]*fakeTimer
	rng       *rand.Rand
}

type dial struct {
	conn proc.ConnID
	addr string
}

type fakeTimer struct {
	id    proc.TimerID
	atNS  int64
	seq   int
	tag   any
	fired bool
}

func newFakeEnv(t *testing.T) *fakeEnv {
	return &fakeEnv{t: t, nowNS: 1_000_000_000, out: map[proc.ConnID][]byte{}, closed: map[proc.ConnID]bool{},
		timers: map[proc.TimerID]*fakeTimer{}, rng: rand.New(rand.NewPCG(1, 2))}
}

func (e *fakeEnv) Name() string                { return "c1" }
func (e *fakeEnv) Now() int64                  { return e.nowNS }
func (e *fakeEnv) Mono() int64                 { return e.nowNS }
func (e *fakeEnv) Listen(string) error         { return fmt.Errorf("clients do not listen") }
func (e *fakeEnv) Close(c proc.ConnID)         { e.closed[c] = true }
func (e *fakeEnv) SendDatagram(string, []byte) {}
func (e *fakeEnv) Disk() proc.Disk             { return nil }
func (e *fakeEnv) Rand() *rand.Rand            { return e.rng }
func (e *fakeEnv) Logf(f string, a ...any)     { e.t.Logf("env: "+f, a...) }
func (e *fakeEnv) Emit(any)                    {}

func (e *fakeEnv) Dial(addr string) proc.ConnID {
	e.nextConn++
	e.dials = append(e.dials, dial{conn: e.nextConn, addr: addr})
	return e.nextConn
}

func (e *fakeEnv) Send(c proc.ConnID, b []byte) {
	if e.closed[c] {
		e.t.Fatalf("client sent on connection %d after closing it", c)
	}
	e.out[c] = append(e.out[c], b...)
}

func (e *fakeEnv) After(d time.Duration, tag any) proc.TimerID {
	e.nextTimer++
	e.seq++
	e.timers[e.nextTimer] = &fakeTimer{id: e.nextTimer, atNS: e.nowNS + int64(d), seq: e.seq, tag: tag}
	return e.nextTimer
}

func (e *fakeEnv) Cancel(id proc.TimerID) { delete(e.timers, id) }

// advance moves the clock by d, firing due timers in (time, arming) order.
func (e *fakeEnv) advance(c *Client, d time.Duration) {
	end := e.nowNS + int64(d)
	for {
		var due []*fakeTimer
		for _, tm := range e.timers {
			if tm.atNS <= end {
				due = append(due, tm)
			}
		}
		if len(due) == 0 {
			e.nowNS = end
			return
		}
		sort.Slice(due, func(i, j int) bool {
			if due[i].atNS != due[j].atNS {
				return due[i].atNS < due[j].atNS
			}
			return due[i].seq < due[j].seq
		})
		tm := due[0]
		delete(e.timers, tm.id)
		e.nowNS = max(e.nowNS, tm.atNS)
		if !c.Handle(proc.TimerFired{ID: tm.id, Tag: tm.tag}) {
			e.t.Fatalf("client did not claim its own timer %+v", tm.tag)
		}
	}
}

func (e *fakeEnv) lastDial() dial {
	if len(e.dials) == 0 {
		e.t.Fatal("client never dialled")
	}
	return e.dials[len(e.dials)-1]
}

// server is a scripted fake ZooKeeper server on one connection: it decodes
// what the client sent and injects replies the test writes.
type server struct {
	t      *testing.T
	env    *fakeEnv
	c      *Client
	conn   proc.ConnID
	read   int // bytes of env.out[conn] already framed
	framer wire.Framer
	frames [][]byte
}

// accept completes the client's latest dial and returns the server side.
func accept(t *testing.T, env *fakeEnv, c *Client) *server {
	t.Helper()
	d := env.lastDial()
	if !c.Handle(proc.Connected{Conn: d.conn, Remote: d.addr}) {
		t.Fatalf("client did not claim Connected for %v", d)
	}
	return &server{t: t, env: env, c: c, conn: d.conn}
}

// next returns the next frame the client sent, failing if there is none.
func (s *server) next() []byte {
	s.t.Helper()
	f, ok := s.tryNext()
	if !ok {
		s.t.Fatal("client sent no further frame")
	}
	return f
}

func (s *server) tryNext() ([]byte, bool) {
	out := s.env.out[s.conn]
	if s.read < len(out) {
		s.framer.Push(out[s.read:])
		s.read = len(out)
	}
	f, ok, err := s.framer.Next()
	if err != nil {
		s.t.Fatalf("client sent a bad frame: %v", err)
	}
	return f, ok
}

// handshake reads the ConnectRequest and answers it.
func (s *server) handshake(sessionID int64, timeoutMS int32, passwd []byte) wire.ConnectRequest {
	s.t.Helper()
	req, err := wire.DecodeConnectRequest(s.next(), wire.DecodeOptions{})
	if err != nil {
		s.t.Fatalf("connect request: %v", err)
	}
	s.deliver(wire.EncodeConnectResponse(req.Answer(timeoutMS, sessionID, passwd)))
	return req
}

// request reads the next request the client sent.
func (s *server) request() (wire.RequestHeader, wire.Request) {
	s.t.Helper()
	hdr, req, err := wire.DecodeRequest(s.next(), wire.DecodeOptions{})
	if err != nil {
		s.t.Fatalf("request: %v", err)
	}
	return hdr, req
}

// noRequest asserts the client sent nothing more.
func (s *server) noRequest() {
	s.t.Helper()
	if f, ok := s.tryNext(); ok {
		hdr, req, _ := wire.DecodeRequest(f, wire.DecodeOptions{})
		s.t.Fatalf("unexpected request %+v %#v", hdr, req)
	}
}

func (s *server) deliver(b []byte) {
	s.t.Helper()
	if !s.c.Handle(proc.Received{Conn: s.conn, Bytes: b}) {
		s.t.Fatalf("client did not claim bytes on its connection %d", s.conn)
	}
}

func (s *server) reply(xid int32, zxid int64, code wire.Err, resp wire.Response) {
	s.deliver(wire.EncodeReply(xid, zxid, code, resp))
}

// recorder collects callbacks and events in one ordered log.
type recorder struct {
	log     []string
	results []Result
	events  []Event
}

func (r *recorder) cb(name string) func(Result) {
	return func(res Result) {
		r.log = append(r.log, fmt.Sprintf("%s:%s", name, res.Err.Name()))
		r.results = append(r.results, res)
	}
}

func (r *recorder) onEvent(ev Event) {
	r.events = append(r.events, ev)
	if ev.Kind == EventWatch {
		r.log = append(r.log, fmt.Sprintf("event:%d:%s", ev.Type, ev.Path))
	} else {
		r.log = append(r.log, "session:"+ev.Kind.String())
	}
}

// newTestClient starts a client against s1..s3 with a 3 s requested timeout.
func newTestClient(t *testing.T, mutate func(*Config)) (*Client, *fakeEnv, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg := Config{Servers: []string{"s1:2181", "s2:2181", "s3:2181"}, SessionTimeout: 3 * time.Second,
		ReconnectDelay: 10 * time.Millisecond, OnEvent: rec.onEvent}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := newFakeEnv(t)
	c.Start(env)
	return c, env, rec
}

// connected returns a client with an established session 0x55 (timeout 3 s).
func connected(t *testing.T, mutate func(*Config)) (*Client, *fakeEnv, *recorder, *server) {
	t.Helper()
	c, env, rec := newTestClient(t, mutate)
	s := accept(t, env, c)
	s.handshake(0x55, 3000, []byte("0123456789abcdef"))
	if c.State() != StateConnected {
		t.Fatalf("state %v after handshake", c.State())
	}
	return c, env, rec, s
}
