package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// resumeProc resumes an existing session on one server over a raw
// connection (id + password, as a client that moved would) and then sends
// one setData, recording the connect answer and the reply's error code.
type resumeProc struct {
	rawConn
	session int64
	path    string

	got []string
}

func (p *resumeProc) Start(env proc.Env) {
	p.connect = wire.ConnectRequest{TimeoutMS: 3000, SessionID: p.session, Passwd: session.Password(p.session)}
	p.start(env)
}

func (p *resumeProc) Handle(ev proc.Event) {
	p.handle(ev, p.resumed, p.frame, func() { p.got = append(p.got, "closed") })
}

func (p *resumeProc) resumed(frame []byte) {
	resp, err := wire.DecodeConnectResponse(frame, wire.DecodeOptions{})
	if err != nil {
		p.got = append(p.got, "bad connect response: "+err.Error())
		return
	}
	p.got = append(p.got, fmt.Sprintf("resumed=%v", resp.SessionID == p.session))
	p.env.Send(p.conn, wire.EncodeRequest(1, &wire.SetDataRequest{Path: p.path, Data: []byte("new"), Version: -1}))
}

func (p *resumeProc) frame(frame []byte) {
	hdr, _, err := wire.DecodeReply(frame, wire.OpSetData, wire.DecodeOptions{})
	if err != nil {
		p.got = append(p.got, "bad reply: "+err.Error())
		return
	}
	p.got = append(p.got, "setData "+hdr.Err.Name())
}

// electedTrio lets a 3-node ensemble elect and returns its leader and its
// two followers.
func electedTrio(t *testing.T, ew *ensembleWorld) (leader, f1, f2 string) {
	t.Helper()
	ew.run(3 * time.Second)
	leader = ew.leader()
	if leader == "" {
		t.Fatalf("no serving leader: %v", ew.roles)
	}
	var followers []string
	for _, n := range []string{"s1", "s2", "s3"} {
		if n != leader {
			followers = append(followers, n)
		}
	}
	return leader, followers[0], followers[1]
}

// moveSession runs a 3-node ensemble in which client c1, pinned to one
// follower, writes, then its session is resumed through the other follower
// (which revalidates it with the leader), then c1 writes again through the
// first. It returns the second write's result, the script log and the
// processes' log lines.
func moveSession(t *testing.T) (moved client.Result, script, logs string) {
	var logBuf strings.Builder
	ew := newEnsembleWith(t, 21, 3, 0, &logBuf)
	_, oldSrv, newSrv := electedTrio(t, ew)

	var sid int64
	wait := func(x *stepCtx, done func(string)) {
		sid = x.c.SessionID()
		x.timers[x.env.After(2*time.Second, sleepTag{})] = func() { done("waited") }
	}
	setMoved := func(x *stepCtx, done func(string)) {
		x.c.SetData("/moved", []byte("old"), -1, func(r client.Result) {
			moved = r
			done(fmtResult("setData via old server", r))
		})
	}
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: []string{oldSrv + ":2181"}, SessionTimeout: 3 * time.Second},
			steps: []step{create("/moved", "v", wire.FlagPersistent), set("/moved", "before", -1), wait, setMoved},
			log:   &ew.log, events: &ew.evs}
	}
	if err := ew.w.AddNode("c1", p, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("c1"); err != nil {
		t.Fatal(err)
	}
	ew.run(time.Second) // c1 created its session through oldSrv and wrote twice
	if sid == 0 {
		t.Fatalf("c1 has no session yet:\n%s", strings.Join(ew.log, "\n"))
	}
	rp := &resumeProc{rawConn: rawConn{addr: newSrv + ":2181"}, session: sid, path: "/moved"}
	if err := ew.w.AddNode("mover", func() proc.Process { return rp }, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("mover"); err != nil {
		t.Fatal(err)
	}
	ew.run(4 * time.Second)
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
	script = strings.Join(ew.log, "\n")
	if !strings.Contains(script, "set /moved v-1 -> OK version=1") {
		t.Fatalf("the write before the move failed:\n%s", script)
	}
	if want := []string{"resumed=true", "setData OK"}; strings.Join(rp.got, ",") != strings.Join(want, ",") {
		t.Fatalf("resume through %s: got %v, want %v", newSrv, rp.got, want)
	}
	return moved, script, logBuf.String()
}

// TestSessionMovedAcrossServers: a client's session moves from one follower
// to another; the new server revalidates it with the leader, which records
// the new owner, so a request still arriving through the old server fails in
// prep with SESSIONMOVED (-118), as PrepRequestProcessor's
// checkSession(owner) answers, while the new connection's requests succeed.
// The old server then tears the connection down (FinalRequestProcessor since
// ZOOKEEPER-710), so the client sees a connection loss, never the code.
func TestSessionMovedAcrossServers(t *testing.T) {
	moved, script, logs := moveSession(t)
	if moved.Err != wire.ErrConnectionLoss {
		t.Fatalf("setData through the old server after the move: %s, want CONNECTIONLOSS (the connection torn down)\n%s", moved.Err.Name(), script)
	}
	if !strings.Contains(logs, "moved (SESSIONMOVED -118): closing the connection") {
		t.Fatalf("the old server did not fail the request with SESSIONMOVED (-118):\n%s", logs)
	}
}

// loggedEnsemble is a 3-node ensemble whose processes' log lines are
// printed if the test fails.
func loggedEnsemble(t *testing.T, seed uint64) *ensembleWorld {
	t.Helper()
	var logBuf strings.Builder
	ew := newEnsembleWith(t, seed, 3, 0, &logBuf)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logBuf.String())
		}
	})
	return ew
}

// startIdleOwner starts client c1 on server home: it creates the ephemeral
// /eph and then idles; the returned pointer holds its session id once it
// has one.
func startIdleOwner(t *testing.T, ew *ensembleWorld, home string, timeout time.Duration) *int64 {
	t.Helper()
	sid := new(int64)
	idle := func(x *stepCtx, done func(string)) {
		*sid = x.c.SessionID()
		x.timers[x.env.After(time.Hour, sleepTag{})] = func() { done("idle") }
	}
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: []string{home + ":2181"}, SessionTimeout: timeout},
			steps: []step{create("/eph", "v", wire.FlagEphemeral), idle}, log: &ew.log, events: &ew.evs}
	}
	if err := ew.w.AddNode("c1", p, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("c1"); err != nil {
		t.Fatal(err)
	}
	return sid
}

// startResume starts "mover", which resumes session sid through server
// addr and then writes path.
func startResume(t *testing.T, ew *ensembleWorld, addr string, sid int64, path string) *resumeProc {
	t.Helper()
	rp := &resumeProc{rawConn: rawConn{addr: addr}, session: sid, path: path}
	if err := ew.w.AddNode("mover", func() proc.Process { return rp }, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("mover"); err != nil {
		t.Fatal(err)
	}
	return rp
}

// TestResumeExpiredSessionOnLaggingFollower: a client's session expires at
// the leader while one follower lags (its link from the leader is slow, so
// it has not applied the closeSession yet). A resume of that session
// through the lagging follower must be answered "expired", as ZooKeeper's
// Learner.validateSession waits for the leader: answering from the
// follower's own stale view would let a dead session read stale state (a
// lock recipe then grants a lock to a dead session).
func TestResumeExpiredSessionOnLaggingFollower(t *testing.T) {
	answered := 0
	defer func() {
		if answered == 0 && !t.Failed() {
			t.Error("no resume was answered expired: the test no longer reaches the lagging follower's window")
		}
	}()
	for _, resumeAfter := range []time.Duration{2600 * time.Millisecond, 2800 * time.Millisecond, 3000 * time.Millisecond} {
		t.Run(resumeAfter.String(), func(t *testing.T) {
			ew := loggedEnsemble(t, 21)
			leader, home, lagging := electedTrio(t, ew)
			sidp := startIdleOwner(t, ew, home, 2*time.Second)
			ew.run(time.Second)
			sid := *sidp
			if sid == 0 {
				t.Fatalf("c1 has no session:\n%s", strings.Join(ew.log, "\n"))
			}
			// The client dies; the leader expires its session ~2 s later, and
			// the lagging follower learns it 800 ms after the others.
			if err := ew.w.Crash("c1", sim.CrashLoseUnsynced); err != nil {
				t.Fatal(err)
			}
			if err := ew.w.Spike(leader, lagging, 800*time.Millisecond, time.Minute); err != nil {
				t.Fatal(err)
			}
			ew.run(resumeAfter)
			rp := startResume(t, ew, lagging+":2181", sid, "/eph")
			ew.run(5 * time.Second)
			// "closed" (the follower gave up the connection: the client tries
			// elsewhere) is fine too; a resumed session is not.
			if len(rp.got) == 0 || (rp.got[0] != "resumed=false" && rp.got[0] != "closed") {
				t.Fatalf("resuming the expired session %#x through the lagging %s: got %v, want resumed=false (or closed) first", sid, lagging, rp.got)
			}
			answered += strings.Count(strings.Join(rp.got, ","), "resumed=false")
			if !ew.inv.OK() {
				t.Fatalf("zab invariants: %v", ew.inv.Violations())
			}
		})
	}
}

// TestResumeNewSessionOnLaggingFollower is the mirror case: a session
// created through one follower is resumed, at once, through a follower that
// lags (its link from the leader is slow) and has not applied the
// createSession yet. The lagging follower must ask the leader
// (LearnerZooKeeperServer.revalidateSession) and resume the session after
// the barrier, not answer "expired" from its own stale view: the client
// would lose a live session, and the session's ephemerals would linger
// until the leader expired it.
func TestResumeNewSessionOnLaggingFollower(t *testing.T) {
	ew := loggedEnsemble(t, 21)
	leader, home, lagging := electedTrio(t, ew)
	if err := ew.w.Spike(leader, lagging, 800*time.Millisecond, time.Minute); err != nil {
		t.Fatal(err)
	}
	sidp := startIdleOwner(t, ew, home, 3*time.Second)
	ew.run(200 * time.Millisecond)
	sid := *sidp
	if sid == 0 {
		t.Fatalf("c1 has no session:\n%s", strings.Join(ew.log, "\n"))
	}
	rp := startResume(t, ew, lagging+":2181", sid, "/eph")
	ew.run(3 * time.Second)
	if want := []string{"resumed=true", "setData OK"}; strings.Join(rp.got, ",") != strings.Join(want, ",") {
		t.Fatalf("resuming the live session %#x through the lagging %s: got %v, want %v", sid, lagging, rp.got, want)
	}
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}
