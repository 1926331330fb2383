package client

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

// Interaction scripts for the client's session logic — reconnects, session
// resumption, SetWatches, watch events against replies — in the style of
// etcd-io/raft's testdata (github.com/cockroachdb/datadriven). The test
// plays the servers by hand. Every command prints what the client did
// because of it, grouped: connections it dialled, the connection it closed,
// the requests it sent (decoded, in order), then its callbacks and session
// and watch events in the order the user saw them.
//
//	new [servers=a,b,c] [timeout=MS]   a client (3 s requested) started
//	accept                             the latest dial connects
//	handshake session=ID [timeout=MS] [expired]
//	                                   answer the ConnectRequest (expired: ZooKeeper's
//	                                   answer to a dead session, timeout 0)
//	do OP PATH [watch] [data=V] [mode=persistent|recursive]
//	                                   OP: getData exists getChildren setData create
//	                                   delete sync addWatch
//	reply xid=N zxid=Z [err=NAME]      answer request xid (body from its op)
//	event type=NAME path=P             a watch event (NodeCreated, NodeDeleted, ...)
//	drop                               the connection breaks
//	advance DURATION                   the clock moves; due timers fire
//	watches                            the watches the client holds
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		s := &script{t: t}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			s.t = t
			out, err := s.run(td)
			if err != nil {
				out += "error: " + err.Error() + "\n"
			}
			return out
		})
	})
}

type script struct {
	t      *testing.T
	c      *Client
	env    *fakeEnv
	srv    *server
	ready  bool // the handshake on srv is done: its frames are requests
	rec    *recorder
	logged int                   // rec.log entries already printed
	dials  int                   // env.dials already printed
	ops    map[int32]wire.OpCode // requests sent and not answered, by xid
	n      int                   // callbacks named so far
}

func (s *script) run(td *datadriven.TestData) (string, error) {
	if td.Cmd != "new" && s.c == nil {
		return "", fmt.Errorf("no client: start with new")
	}
	var b strings.Builder
	var err error
	switch td.Cmd {
	case "new":
		err = s.newClient(td)
	case "accept":
		err = s.accept()
	case "handshake":
		err = s.handshake(td, &b)
	case "do":
		err = s.do(td)
	case "reply":
		err = s.reply(td)
	case "event":
		err = s.event(td)
	case "drop":
		if s.srv == nil {
			return "", fmt.Errorf("no connection")
		}
		s.c.Handle(proc.Closed{Conn: s.srv.conn, Err: proc.ErrConnReset})
		s.srv = nil
	case "advance":
		var d time.Duration
		if d, err = time.ParseDuration(td.CmdArgs[0].Key); err == nil {
			s.env.advance(s.c, d)
		}
	case "watches":
		w := s.c.watches
		fmt.Fprintf(&b, "data=%v exist=%v child=%v persistent=%v recursive=%v\n", slices.Sorted(maps.Keys(w.data)), slices.Sorted(maps.Keys(w.exist)), slices.Sorted(maps.Keys(w.child)), slices.Sorted(maps.Keys(w.persistent)), slices.Sorted(maps.Keys(w.recursive)))
	default:
		err = fmt.Errorf("unknown command %q", td.Cmd)
	}
	s.effects(&b)
	return b.String(), err
}

// effects prints what the client did since the last command.
func (s *script) effects(b *strings.Builder) {
	for ; s.dials < len(s.env.dials); s.dials++ {
		d := s.env.dials[s.dials]
		fmt.Fprintf(b, "dial %s (conn %d)\n", d.addr, d.conn)
	}
	if s.srv != nil {
		if s.env.closed[s.srv.conn] {
			fmt.Fprintf(b, "closed conn %d\n", s.srv.conn)
			s.srv = nil
		} else if s.ready {
			for {
				f, ok := s.srv.tryNext()
				if !ok {
					break
				}
				s.printRequest(b, f)
			}
		}
	}
	for ; s.logged < len(s.rec.log); s.logged++ {
		fmt.Fprintf(b, "%s\n", s.rec.log[s.logged])
	}
}

func (s *script) printRequest(b *strings.Builder, f []byte) {
	hdr, req, err := wire.DecodeRequest(f, wire.DecodeOptions{})
	if err != nil {
		fmt.Fprintf(b, "sent a bad frame: %v\n", err)
		return
	}
	if hdr.Xid >= 0 || hdr.Xid == wire.XidSetWatches {
		s.ops[hdr.Xid] = req.Op()
	}
	switch r := req.(type) {
	case *wire.SetWatchesRequest:
		fmt.Fprintf(b, "sent xid=%d setWatches relZxid=%#x data=%v exist=%v child=%v\n",
			hdr.Xid, r.RelativeZxid, r.DataWatches, r.ExistWatches, r.ChildWatches)
	case *wire.SetWatches2Request:
		fmt.Fprintf(b, "sent xid=%d setWatches2 relZxid=%#x data=%v exist=%v child=%v persistent=%v recursive=%v\n",
			hdr.Xid, r.RelativeZxid, r.DataWatches, r.ExistWatches, r.ChildWatches, r.PersistentWatches, r.PersistentRecursiveWatches)
	default:
		fmt.Fprintf(b, "sent xid=%d %v %+v\n", hdr.Xid, req.Op(), strings.TrimPrefix(fmt.Sprintf("%+v", req), "&"))
	}
}

func (s *script) newClient(td *datadriven.TestData) error {
	servers := []string{"s1:2181", "s2:2181", "s3:2181"}
	timeout := 3 * time.Second
	for _, a := range td.CmdArgs {
		switch a.Key {
		case "servers":
			servers = strings.Split(a.Vals[0], ",")
		case "timeout":
			ms, err := strconv.Atoi(a.Vals[0])
			if err != nil {
				return err
			}
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	s.rec = &recorder{}
	c, err := New(Config{Servers: servers, SessionTimeout: timeout, ReconnectDelay: 10 * time.Millisecond, OnEvent: s.rec.onEvent})
	if err != nil {
		return err
	}
	s.c, s.env, s.srv, s.logged, s.dials, s.ops, s.n = c, newFakeEnv(s.t), nil, 0, 0, map[int32]wire.OpCode{}, 0
	c.Start(s.env)
	return nil
}

func (s *script) accept() error {
	if len(s.env.dials) == 0 {
		return fmt.Errorf("nothing dialled")
	}
	d := s.env.lastDial()
	if !s.c.Handle(proc.Connected{Conn: d.conn, Remote: d.addr}) {
		return fmt.Errorf("client did not claim conn %d", d.conn)
	}
	s.srv, s.ready = &server{t: s.t, env: s.env, c: s.c, conn: d.conn}, false
	return nil
}

func (s *script) handshake(td *datadriven.TestData, b *strings.Builder) error {
	if s.srv == nil {
		return fmt.Errorf("no connection")
	}
	var session int64
	timeout, expired := int32(3000), false
	for _, a := range td.CmdArgs {
		switch a.Key {
		case "session":
			v, err := strconv.ParseInt(a.Vals[0], 0, 64)
			if err != nil {
				return err
			}
			session = v
		case "timeout":
			v, err := strconv.Atoi(a.Vals[0])
			if err != nil {
				return err
			}
			timeout = int32(v)
		case "expired":
			expired = true
		}
	}
	f, ok := s.srv.tryNext()
	if !ok {
		return fmt.Errorf("client sent no ConnectRequest")
	}
	req, err := wire.DecodeConnectRequest(f, wire.DecodeOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "connect request: session=%#x lastZxidSeen=%#x timeout=%d passwd=%q\n", req.SessionID, req.LastZxidSeen, req.TimeoutMS, req.Passwd)
	if expired {
		timeout, session = 0, 0
	}
	s.srv.deliver(wire.EncodeConnectResponse(req.Answer(timeout, session, []byte("0123456789abcdef"))))
	s.ready = true
	return nil
}

func (s *script) do(td *datadriven.TestData) error {
	if len(td.CmdArgs) < 2 {
		return fmt.Errorf("do OP PATH")
	}
	op, path := td.CmdArgs[0].Key, td.CmdArgs[1].Key
	watch, data, mode := false, []byte("v"), wire.AddWatchPersistent
	for _, a := range td.CmdArgs[2:] {
		switch a.Key {
		case "watch":
			watch = true
		case "data":
			data = []byte(a.Vals[0])
		case "mode":
			if a.Vals[0] == "recursive" {
				mode = wire.AddWatchPersistentRecursive
			}
		}
	}
	s.n++
	cb := s.rec.cb(fmt.Sprintf("%s#%d", op, s.n))
	switch op {
	case "getData":
		s.c.GetData(path, watch, cb)
	case "exists":
		s.c.Exists(path, watch, cb)
	case "getChildren":
		s.c.GetChildren(path, watch, cb)
	case "setData":
		s.c.SetData(path, data, -1, cb)
	case "create":
		s.c.Create(path, data, wire.OpenACLUnsafe, 0, cb)
	case "delete":
		s.c.Delete(path, -1, cb)
	case "sync":
		s.c.Sync(path, cb)
	case "addWatch":
		s.c.AddWatch(path, mode, cb)
	default:
		return fmt.Errorf("unknown op %q", op)
	}
	return nil
}

func (s *script) reply(td *datadriven.TestData) error {
	if s.srv == nil {
		return fmt.Errorf("no connection")
	}
	var xid int64
	var zxid int64
	code := wire.ErrOK
	for _, a := range td.CmdArgs {
		var err error
		switch a.Key {
		case "xid":
			xid, err = strconv.ParseInt(a.Vals[0], 0, 32)
		case "zxid":
			zxid, err = strconv.ParseInt(a.Vals[0], 0, 64)
		case "err":
			code, err = errByName(a.Vals[0])
		}
		if err != nil {
			return err
		}
	}
	op, ok := s.ops[int32(xid)]
	if !ok {
		return fmt.Errorf("no request with xid %d outstanding", xid)
	}
	delete(s.ops, int32(xid))
	var body wire.Response
	if code == wire.ErrOK {
		body = responseFor(op)
	}
	s.srv.deliver(wire.EncodeReply(int32(xid), zxid, code, body))
	return nil
}

func responseFor(op wire.OpCode) wire.Response {
	switch op {
	case wire.OpGetData:
		return &wire.GetDataResponse{Data: []byte("v")}
	case wire.OpExists:
		return &wire.ExistsResponse{}
	case wire.OpGetChildren:
		return &wire.GetChildrenResponse{Children: []string{}}
	case wire.OpSetData:
		return &wire.SetDataResponse{}
	case wire.OpCreate:
		return &wire.CreateResponse{Path: "/"}
	case wire.OpSync:
		return &wire.SyncResponse{Path: "/"}
	case wire.OpAddWatch:
		return &wire.ErrorResponse{Err: wire.ErrOK}
	}
	return nil
}

func errByName(name string) (wire.Err, error) {
	for e := wire.Err(-200); e <= 0; e++ {
		if e.Name() == name {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown error name %q", name)
}

func (s *script) event(td *datadriven.TestData) error {
	if s.srv == nil {
		return fmt.Errorf("no connection")
	}
	ev := wire.WatcherEvent{State: wire.StateSyncConnected}
	for _, a := range td.CmdArgs {
		switch a.Key {
		case "type":
			found := false
			for t := wire.EventNone; t <= wire.EventPersistentWatchRemoved; t++ {
				if t.String() == a.Vals[0] {
					ev.Type, found = t, true
				}
			}
			if !found {
				return fmt.Errorf("unknown event type %q", a.Vals[0])
			}
		case "path":
			ev.Path = a.Vals[0]
		}
	}
	s.srv.deliver(wire.EncodeWatchEvent(ev))
	return nil
}
