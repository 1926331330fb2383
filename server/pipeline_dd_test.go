package server_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// Interaction scripts for the request pipeline of a standalone server
// (testdata/pipeline, github.com/cockroachdb/datadriven): prep → txn → log
// and group-commit fsync → apply → reply, per-session ordering (a read
// waits behind its session's writes, not behind another's), watch events
// before the replies that reflect their change. The server runs in the
// simulator with a fixed fsync latency; raw-protocol clients send the
// frames a script names and print every frame they receive, decoded, in
// the order received, stamped with the simulated time since the command
// began.
//
//	server [fsync=DURATION]            a standalone server (fsync 50ms by default)
//	connect NAME                       a client session (prints the connect response)
//	send NAME OP PATH [data=V] [version=N] [watch] [ephemeral]
//	                                   OP: create delete setData getData exists getChildren sync
//	run DURATION                       the world runs; received frames are printed
func TestPipelineScripts(t *testing.T) {
	datadriven.Walk(t, "testdata/pipeline", func(t *testing.T, path string) {
		p := &pipeline{t: t}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			p.t = t
			out, err := p.exec(td)
			if err != nil {
				out += "error: " + err.Error() + "\n"
			}
			return out
		})
	})
}

type pipeline struct {
	t       *testing.T
	w       *sim.World
	clients map[string]*ddClient
	log     []string
	startNS int64
}

// ddClient is a raw-protocol client process: it sends what the script says
// and logs what it receives.
type ddClient struct {
	name string
	p    *pipeline
	raw  rawConn
	ops  map[int32]wire.OpCode
	xid  int32
}

func (c *ddClient) Start(env proc.Env) { c.raw.start(env) }

func (c *ddClient) Handle(ev proc.Event) {
	c.raw.handle(ev, func(frame []byte) {
		r, err := wire.DecodeConnectResponse(frame, wire.DecodeOptions{})
		if err != nil {
			c.logf("bad connect response: %v", err)
			return
		}
		c.logf("connected session=%#x timeout=%dms", r.SessionID, r.TimeoutMS)
	}, c.frame, func() { c.logf("connection closed") })
}

func (c *ddClient) frame(f []byte) {
	xid, _ := peekXid(f)
	op := wire.OpNotification
	if xid >= 0 {
		op = c.ops[xid]
		delete(c.ops, xid)
	}
	h, resp, err := wire.DecodeReply(f, op, wire.DecodeOptions{})
	if err != nil {
		c.logf("bad reply: %v", err)
		return
	}
	switch r := resp.(type) {
	case *wire.WatcherEvent:
		c.logf("event %v %s", r.Type, r.Path)
		return
	case nil:
		c.logf("reply xid=%d %v %s zxid=%#x", h.Xid, op, h.Err.Name(), h.Zxid)
		return
	default:
		c.logf("reply xid=%d %v %s zxid=%#x %s", h.Xid, op, h.Err.Name(), h.Zxid, describe(r))
	}
}

func peekXid(f []byte) (int32, bool) {
	if len(f) < 4 {
		return 0, false
	}
	return int32(uint32(f[0])<<24 | uint32(f[1])<<16 | uint32(f[2])<<8 | uint32(f[3])), true
}

// describe prints a response's fields that a script checks.
func describe(r wire.Response) string {
	switch r := r.(type) {
	case *wire.CreateResponse:
		return r.Path
	case *wire.GetDataResponse:
		return fmt.Sprintf("%q version=%d mzxid=%#x", r.Data, r.Stat.Version, r.Stat.Mzxid)
	case *wire.SetDataResponse:
		return fmt.Sprintf("version=%d mzxid=%#x", r.Stat.Version, r.Stat.Mzxid)
	case *wire.ExistsResponse:
		return fmt.Sprintf("version=%d", r.Stat.Version)
	case *wire.GetChildrenResponse:
		return fmt.Sprint(r.Children)
	case *wire.SyncResponse:
		return r.Path
	}
	return fmt.Sprintf("%T", r)
}

func (c *ddClient) logf(format string, args ...any) {
	at := time.Duration(int64(c.p.w.Now()) - c.p.startNS)
	c.p.log = append(c.p.log, fmt.Sprintf("%v %s: %s", at, c.name, fmt.Sprintf(format, args...)))
}

func (p *pipeline) exec(td *datadriven.TestData) (string, error) {
	if td.Cmd != "server" && p.w == nil {
		return "", fmt.Errorf("no server: start with server")
	}
	p.log = nil
	if p.w != nil {
		p.startNS = int64(p.w.Now())
	}
	var err error
	switch td.Cmd {
	case "server":
		err = p.server(td)
	case "connect":
		err = p.connect(td.CmdArgs[0].Key)
	case "send":
		err = p.send(td)
	case "run":
		var d time.Duration
		if d, err = time.ParseDuration(td.CmdArgs[0].Key); err == nil {
			err = p.w.RunFor(d)
		}
	default:
		err = fmt.Errorf("unknown command %q", td.Cmd)
	}
	out := strings.Join(p.log, "\n")
	if out != "" {
		out += "\n"
	}
	return out, err
}

func (p *pipeline) server(td *datadriven.TestData) error {
	fsync := 50 * time.Millisecond
	for _, a := range td.CmdArgs {
		if a.Key == "fsync" {
			d, err := time.ParseDuration(a.Vals[0])
			if err != nil {
				return err
			}
			fsync = d
		}
	}
	opts := sim.DefaultOptions()
	// Fixed link latency: the script's times read as pipeline stages.
	opts.Link.Latency, opts.Link.ReorderDelay = sim.ConstantLatency(time.Millisecond), sim.ConstantLatency(0)
	w, err := sim.NewWorld(1, opts)
	if err != nil {
		return err
	}
	f, err := server.Factory(server.Config{ClientAddr: "s1:2181", TickTimeMS: 200, SnapCount: 1000})
	if err != nil {
		return err
	}
	if err := w.AddNode("s1", f, sim.NodeOptions{Disk: sim.DiskOptions{SyncLatency: sim.ConstantLatency(fsync)}}); err != nil {
		return err
	}
	if err := w.Start("s1"); err != nil {
		return err
	}
	p.w, p.clients, p.startNS = w, map[string]*ddClient{}, 0
	return w.RunFor(10 * time.Millisecond)
}

func (p *pipeline) connect(name string) error {
	c := &ddClient{name: name, p: p, ops: map[int32]wire.OpCode{},
		raw: rawConn{addr: "s1:2181", connect: wire.ConnectRequest{TimeoutMS: 4000, Passwd: make([]byte, 16)}}}
	if err := p.w.AddNode(name, func() proc.Process { return c }, sim.NodeOptions{}); err != nil {
		return err
	}
	if err := p.w.Start(name); err != nil {
		return err
	}
	p.clients[name] = c
	// createSession is a txn: the session exists once it is fsynced.
	return p.w.RunWhile(func() bool { return !c.raw.connected }, time.Second)
}

func (p *pipeline) send(td *datadriven.TestData) error {
	if len(td.CmdArgs) < 3 {
		return fmt.Errorf("send NAME OP PATH")
	}
	c, ok := p.clients[td.CmdArgs[0].Key]
	if !ok || !c.raw.connected {
		return fmt.Errorf("no connected client %q", td.CmdArgs[0].Key)
	}
	op, path := td.CmdArgs[1].Key, td.CmdArgs[2].Key
	data, version, watch, flags := []byte("v"), int32(-1), false, int32(0)
	for _, a := range td.CmdArgs[3:] {
		switch a.Key {
		case "data":
			data = []byte(a.Vals[0])
		case "version":
			v, err := strconv.Atoi(a.Vals[0])
			if err != nil {
				return err
			}
			version = int32(v)
		case "watch":
			watch = true
		case "ephemeral":
			flags = 1
		}
	}
	var req wire.Request
	switch op {
	case "create":
		req = &wire.CreateRequest{Path: path, Data: data, ACL: wire.OpenACLUnsafe, Flags: flags}
	case "delete":
		req = &wire.DeleteRequest{Path: path, Version: version}
	case "setData":
		req = &wire.SetDataRequest{Path: path, Data: data, Version: version}
	case "getData":
		req = &wire.GetDataRequest{Path: path, Watch: watch}
	case "exists":
		req = &wire.ExistsRequest{Path: path, Watch: watch}
	case "getChildren":
		req = &wire.GetChildrenRequest{Path: path, Watch: watch}
	case "sync":
		req = &wire.SyncRequest{Path: path}
	default:
		return fmt.Errorf("unknown op %q", op)
	}
	c.xid++
	c.ops[c.xid] = req.Op()
	c.raw.env.Send(c.raw.conn, wire.EncodeRequest(c.xid, req))
	return nil
}
