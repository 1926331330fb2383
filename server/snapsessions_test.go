package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/storage"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// TestSnapSyncedLearnerSessions: a follower cut off while sessions come and
// go and more than the DIFF window of txns commits rejoins by SNAP. Its
// tracker, its global view, its touch table and its next snapshot must
// then all be the leader's global sessions. A learner that kept its old
// tracker refused a client resuming a session created while it was away
// (SESSIONEXPIRED), its snapshots, written from that tracker, lost sessions
// whose ephemerals they held (after a whole-ensemble restart from such a
// snapshot those ephemerals never expired), and its old touch table dropped
// the touches of such a session, so the leader expired it while its client
// was active (a lock holder lost its lock to another client).
func TestSnapSyncedLearnerSessions(t *testing.T) {
	procs := map[string]proc.Process{}
	n := 0
	ew := newEnsembleWrapped(t, 5, 3, 0, nil, nil, func(p proc.Process) proc.Process {
		n++
		procs[fmt.Sprintf("s%d", n)] = p // started in order s1..s3
		return p
	})
	ew.run(3 * time.Second)
	leader := ew.leader()
	if leader == "" {
		t.Fatal("no leader")
	}
	var away string
	var rest []string
	for _, name := range []string{"s1", "s2", "s3"} {
		if name != leader && away == "" {
			away = name
		} else {
			rest = append(rest, name)
		}
	}
	// A session the learner knows, which closes while it is away.
	ew.addEnsembleClient("old", create("/old", "", wire.FlagEphemeral))
	ew.run(2 * time.Second)
	// A session created while it is away, with an ephemeral, and enough
	// txns (the window is 500) that the leader must SNAP it.
	steps := []step{create("/eph", "", wire.FlagEphemeral)}
	for i := range 520 {
		steps = append(steps, create(fmt.Sprintf("/n%d", i), "", wire.FlagPersistent))
	}
	var addrs []string
	for _, name := range rest {
		addrs = append(addrs, name+":2181")
	}
	p := func() proc.Process {
		return &scriptProc{cfg: client.Config{Servers: addrs, SessionTimeout: 30 * time.Second}, steps: steps, log: &ew.log, events: &ew.evs}
	}
	if err := ew.w.AddNode("new", p, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Start("new"); err != nil {
		t.Fatal(err)
	}
	if err := ew.w.Partition([]string{away}, append(rest, "old", "new")); err != nil {
		t.Fatal(err)
	}
	ew.w.Crash("old", sim.CrashLoseUnsynced) // its session expires while away is away
	ew.run(20 * time.Second)
	if got := len(ew.log); got < 522 {
		t.Fatalf("only %d steps done: %v", got, ew.log[max(0, got-3):])
	}
	if err := ew.w.Heal(); err != nil {
		t.Fatal(err)
	}
	ew.run(5 * time.Second)
	if rc := ew.roles[away]; rc.Role != "follower" || !rc.Serving {
		t.Fatalf("%s did not rejoin: %+v", away, rc)
	}
	_, leaderGlobal, _, _, err := server.SessionViews(procs[leader])
	if err != nil {
		t.Fatal(err)
	}
	if len(leaderGlobal) != 1 {
		t.Fatalf("leader's global sessions %x: want only the new client's", leaderGlobal)
	}
	tracked, global, touchable, snapshot, err := server.SessionViews(procs[away])
	if err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string][]int64{"tracked": tracked, "global": global, "touchable": touchable, "snapshot": snapshot} {
		if !slices.Equal(got, leaderGlobal) {
			t.Errorf("%s: %s sessions %x, leader's global %x", away, what, got, leaderGlobal)
		}
	}
}

// TestEnsemblePurgesOldSnapshots: an ensemble member keeps the newest three
// snapshots and the logs after them, as a standalone server does (the
// simulated disk holds every file in memory; a run with frequent snapshots
// of a large tree kept them all and ran out of memory).
func TestEnsemblePurgesOldSnapshots(t *testing.T) {
	ew := newEnsemble(t, 6, 3) // SnapCount 50
	ew.run(3 * time.Second)
	var steps []step
	for i := range 400 {
		steps = append(steps, create(fmt.Sprintf("/n%d", i), "", wire.FlagPersistent))
	}
	ew.addEnsembleClient("c1", steps...)
	ew.run(20 * time.Second)
	if len(ew.log) != 400 {
		t.Fatalf("%d of 400 creates done", len(ew.log))
	}
	for _, name := range []string{"s1", "s2", "s3"} {
		d, err := ew.w.Disk(name)
		if err != nil {
			t.Fatal(err)
		}
		files, err := d.List()
		if err != nil {
			t.Fatal(err)
		}
		snaps := 0
		for _, f := range files {
			if strings.HasPrefix(f, "snapshot.") {
				snaps++
			}
		}
		if snaps < 1 || snaps > 3 {
			t.Errorf("%s holds %d snapshots after 400 txns with snapCount 50 (want 1-3): %v", name, snaps, files)
		}
	}
}

// TestLogWithoutItsSnapshotIsCorrupt: a disk holding a log that starts past
// the first txn (at 3:524) and no snapshot is refused as corrupt — the
// state a SNAP-synced learner left when it crashed (or its fsync failed)
// after the old files were cut and before the new snapshot was durable. It
// used to start over an empty tree while claiming 3:524; the supervisor
// now clears it and it resynchronises.
func TestLogWithoutItsSnapshotIsCorrupt(t *testing.T) {
	var failed []string
	opts := sim.DefaultOptions()
	opts.Observers = []sim.Observer{sim.ObserverFunc(func(r *sim.Record) {
		if f, ok := r.Note.(server.Failed); ok {
			failed = append(failed, f.Err)
		}
	})}
	w, err := sim.NewWorld(7, opts)
	if err != nil {
		t.Fatal(err)
	}
	f, err := server.Factory(server.Config{ID: 2, ClientAddr: "s2:2181", TickTimeMS: 200, SnapCount: 50,
		Peers: []server.PeerConfig{{ID: 1, Addr: "s1:2888"}, {ID: 2, Addr: "s2:2888"}, {ID: 3, Addr: "s3:2888"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddNode("s2", f, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := w.Disk("s2")
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := storage.Open(d, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx := txn.Txn{Header: txn.Header{Zxid: 0x300000524, Type: wire.OpCreate}, Record: &txn.Create{Path: "/x", ACL: wire.OpenACLUnsafe}}
	if err := st.Append(0x300000524, tx.Marshal()); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("s2"); err != nil {
		t.Fatal(err)
	}
	if err := w.RunFor(time.Second); err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "corrupt") || !strings.Contains(failed[0], "no snapshot before it") {
		t.Fatalf("server failures %q, want one: the log starts at 0x300000524 with no snapshot before it (corrupt)", failed)
	}
}
