package checker

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/history"
)

type ev = history.ElectionValue

func electionBase() *hb {
	return (&hb{}).
		inv(0, 0, "campaign", ev{Candidate: "c1"}).
		ok(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		inv(11, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 5}).
		ok(12, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 5}, zx(100)).
		inv(13, 1, "campaign", ev{Candidate: "c2"}).
		nemesis(20, "kill", "c1").
		ok(50, 1, "campaign", ev{Candidate: "c2", Term: 2}).
		inv(51, 1, "fenced-write", ev{Candidate: "c2", Token: 2, Value: 6}).
		ok(52, 1, "fenced-write", ev{Candidate: "c2", Token: 2, Value: 6}, zx(101)).
		// the deposed leader's late write is rejected: fine
		inv(53, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 7}).
		fail(54, 0, "fenced-write", nil, errName("FENCED")).
		// an info write from the old leader tells nothing
		inv(55, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 8}).
		info(56, 0, "fenced-write", nil)
}

func TestElectionGood(t *testing.T) {
	r := CheckElection(electionBase().history(t))
	wantValid(t, r)
	if r.Stats["failover_max_ns"] != 30 || r.Counts["failovers"] != 1 {
		t.Fatalf("failover from kill at 20 to election at 50 should be 30ns: %v %v", r.Stats, r.Counts)
	}
}

func TestElectionDoubleLeader(t *testing.T) {
	h := electionBase().
		inv(60, 2, "campaign", ev{Candidate: "c3"}).
		ok(61, 2, "campaign", ev{Candidate: "c3", Term: 2}).
		history(t)
	wantAnomaly(t, CheckElection(h), "double-leader")
}

func TestElectionDeposedLeaderWriteAccepted(t *testing.T) {
	byZxid := electionBase().
		inv(60, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}).
		ok(61, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}, zx(102)).
		history(t)
	wantAnomaly(t, CheckElection(byZxid), "deposed-leader-write")
	byTime := electionBase().
		inv(60, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}).
		ok(61, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}).
		history(t)
	wantAnomaly(t, CheckElection(byTime), "deposed-leader-write")
}

func TestElectionNoFailover(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "campaign", ev{Candidate: "c1"}).
		ok(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		inv(15, 1, "campaign", ev{Candidate: "c2"}).
		inv(20, 0, "resign", ev{Candidate: "c1", Term: 1}).
		ok(21, 0, "resign", ev{Candidate: "c1", Term: 1}).
		history(t)
	wantAnomaly(t, CheckElection(h), "no-failover")
	// c2 gave up (timeout) after the loss: still no failover.
	gaveUp := (&hb{}).
		inv(0, 0, "campaign", ev{Candidate: "c1"}).
		ok(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		inv(15, 1, "campaign", ev{Candidate: "c2"}).
		inv(20, 0, "resign", ev{Candidate: "c1", Term: 1}).
		ok(21, 0, "resign", ev{Candidate: "c1", Term: 1}).
		info(40, 1, "campaign", nil, errName("timeout")).
		history(t)
	wantAnomaly(t, CheckElection(gaveUp), "no-failover")
}

// The last leader resigning once every candidate has finished (the end of
// a run) owes no failover: nobody is left to elect.
func TestElectionLastResignNeedsNoFailover(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "campaign", ev{Candidate: "c1"}).
		ok(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		inv(11, 1, "campaign", ev{Candidate: "c2"}).info(12, 1, "campaign", nil, errName("CONNECTIONLOSS")).
		inv(20, 0, "resign", ev{Candidate: "c1", Term: 1}).
		ok(21, 0, "resign", ev{Candidate: "c1", Term: 1}).
		history(t)
	wantValid(t, CheckElection(h))
}

// A leader whose session expired silently records its resign only after the
// next leader was elected: that is a failover (of zero length), not a
// missing one.
func TestElectionFailoverBeforeOldLeaderNotices(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "campaign", ev{Candidate: "c1"}).
		ok(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		inv(11, 1, "campaign", ev{Candidate: "c2"}).
		ok(30, 1, "campaign", ev{Candidate: "c2", Term: 2}).
		inv(40, 0, "resign", ev{Candidate: "c1", Term: 1}).
		ok(41, 0, "resign", ev{Candidate: "c1", Term: 1}).
		history(t)
	r := CheckElection(h)
	wantValid(t, r)
	if r.Counts["failovers"] != 1 || r.Stats["failover_max_ns"] != 0 {
		t.Fatalf("want one failover of 0 ns: %v %v", r.Counts, r.Stats)
	}
}

type rm = history.RegistryMember

func view(w string, members ...string) history.RegistryView {
	if members == nil {
		members = []string{}
	}
	return history.RegistryView{Watcher: w, Members: members}
}

func registryBase() *hb {
	return (&hb{}).
		inv(0, 0, "join", rm{Broker: "b1"}).ok(1, 0, "join", rm{Broker: "b1"}).
		inv(0, 1, "join", rm{Broker: "b2"}).ok(2, 1, "join", rm{Broker: "b2"}).
		inv(3, 9, "view", view("w1")).ok(4, 9, "view", view("w1", "b1", "b2")).
		nemesis(5, "partition", "s1").
		inv(6, 1, "expire", rm{Broker: "b2"}).ok(100, 1, "expire", rm{Broker: "b2"}).
		// a view shortly after expiry may still list b2 (within the bound)
		inv(110, 9, "view", view("w1")).ok(111, 9, "view", view("w1", "b1", "b2")).
		nemesis(200, "heal").
		// b3 joined, but its join is indeterminate: either view is fine
		inv(201, 2, "join", rm{Broker: "b3"}).info(202, 2, "join", nil).
		inv(300, 9, "view", view("w1")).ok(301, 9, "view", view("w1", "b1")).
		inv(300, 8, "view", view("w2")).ok(302, 8, "view", view("w2", "b1", "b3"))
}

func TestRegistryGood(t *testing.T) {
	r := CheckRegistry(registryBase().history(t), RegistryOptions{DetectionBound: 50})
	wantValid(t, r)
	if r.Stats["detection_max_ns"] != 201 {
		t.Fatalf("detection of b2's expiry (at 100, first view without it done at 301): %v", r.Stats)
	}
}

func TestRegistryGhostMember(t *testing.T) {
	h := registryBase().
		inv(400, 9, "view", view("w1")).ok(401, 9, "view", view("w1", "b1", "b2")).
		history(t)
	r := CheckRegistry(h, RegistryOptions{DetectionBound: 50})
	wantAnomaly(t, r, "ghost-member")
	wantAnomaly(t, r, "not-converged")
}

// A broker's re-join (or expire) still open long after the heal means an
// ephemeral of an ended session still holds its name (ZOOKEEPER-1208,
// -1367); one invoked within the bound of the end may just be slow.
func TestRegistryStuckMember(t *testing.T) {
	base := registryBase().
		inv(400, 9, "view", view("w1")).ok(401, 9, "view", view("w1", "b1", "b3"))
	recent := (&hb{ops: append([]history.Op(nil), base.ops...)}).
		inv(390, 0, "join", rm{Broker: "b1"}).history(t)
	wantValid(t, CheckRegistry(recent, RegistryOptions{DetectionBound: 50}))
	stuck := (&hb{ops: append([]history.Op(nil), base.ops...)}).
		inv(210, 0, "join", rm{Broker: "b1"}).history(t)
	wantAnomaly(t, CheckRegistry(stuck, RegistryOptions{DetectionBound: 50}), "stuck-member")
}

func TestRegistryNotConverged(t *testing.T) {
	h := registryBase().
		inv(400, 8, "view", view("w2")).ok(401, 8, "view", view("w2")).
		history(t)
	wantAnomaly(t, CheckRegistry(h, RegistryOptions{DetectionBound: 50}), "not-converged")
}

func TestRegistryNoHealedViewIsUnknown(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "join", rm{Broker: "b1"}).ok(1, 0, "join", rm{Broker: "b1"}).
		inv(3, 9, "view", view("w1")).ok(4, 9, "view", view("w1", "b1")).
		nemesis(5, "heal").
		history(t)
	wantUnknown(t, CheckRegistry(h, RegistryOptions{}))
}

type cv = history.ConfigValue

func configBase() *hb {
	return (&hb{}).
		inv(0, 0, "write", cv{Key: "t", Value: 1}).ok(1, 0, "write", cv{Key: "t", Value: 1}, zx(10)).
		inv(2, 1, "observe", cv{Key: "t", Watcher: "w1"}).ok(3, 1, "observe", cv{Key: "t", Value: 1, Watcher: "w1", Mzxid: 10}).
		inv(4, 0, "write", cv{Key: "t", Value: 2}).ok(5, 0, "write", cv{Key: "t", Value: 2}, zx(11)).
		inv(6, 0, "write", cv{Key: "t", Value: 3}).ok(7, 0, "write", cv{Key: "t", Value: 3}, zx(12)).
		// w1 skipped 2 (one-shot watches): fine
		inv(8, 1, "observe", cv{Key: "t", Watcher: "w1"}).ok(9, 1, "observe", cv{Key: "t", Value: 3, Watcher: "w1", Mzxid: 12}).
		inv(8, 2, "observe", cv{Key: "t", Watcher: "w2"}).ok(9, 2, "observe", cv{Key: "t", Value: 0, Watcher: "w2"}).
		inv(10, 2, "observe", cv{Key: "t", Watcher: "w2"}).ok(11, 2, "observe", cv{Key: "t", Value: 3, Watcher: "w2"})
}

func TestConfigGood(t *testing.T) {
	wantValid(t, CheckConfig(configBase().history(t), ConfigOptions{}))
	// an info write committed last: watchers converge on it
	h := configBase().
		inv(20, 0, "write", cv{Key: "t", Value: 4}).info(21, 0, "write", nil).
		inv(22, 1, "observe", cv{Key: "t", Watcher: "w1"}).ok(23, 1, "observe", cv{Key: "t", Value: 4, Watcher: "w1", Mzxid: 13}).
		inv(22, 2, "observe", cv{Key: "t", Watcher: "w2"}).ok(23, 2, "observe", cv{Key: "t", Value: 4, Watcher: "w2", Mzxid: 13}).
		history(t)
	wantValid(t, CheckConfig(h, ConfigOptions{}))
}

func TestConfigWatcherGoesBackwards(t *testing.T) {
	h := configBase().
		inv(12, 1, "observe", cv{Key: "t", Watcher: "w1"}).ok(13, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 11}).
		inv(14, 1, "observe", cv{Key: "t", Watcher: "w1"}).ok(15, 1, "observe", cv{Key: "t", Value: 3, Watcher: "w1", Mzxid: 12}).
		history(t)
	wantAnomaly(t, CheckConfig(h, ConfigOptions{}), "went-backwards")
}

func TestConfigNotConverged(t *testing.T) {
	h := configBase().
		inv(12, 2, "observe", cv{Key: "t", Watcher: "w2"}).ok(13, 2, "observe", cv{Key: "t", Value: 2, Watcher: "w2"}).
		history(t)
	r := CheckConfig(h, ConfigOptions{})
	wantAnomaly(t, r, "not-converged")
	wantAnomaly(t, r, "went-backwards")
	phantom := configBase().
		inv(12, 2, "observe", cv{Key: "t", Watcher: "w2"}).ok(13, 2, "observe", cv{Key: "t", Value: 99, Watcher: "w2"}).
		history(t)
	wantAnomaly(t, CheckConfig(phantom, ConfigOptions{}), "phantom-value")
}

type cev = history.ConfigEvent

// configWatchBase: w1 (process 1, events on process 91) reads t and u in
// session 7, arming watches; the writer (process 0) then changes t at 0x11.
func configWatchBase() *hb {
	s := sess(7)
	return (&hb{}).
		inv(0, 0, "write", cv{Key: "t", Value: 1}).ok(1, 0, "write", cv{Key: "t", Value: 1}, zx(0x10)).
		inv(2, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).ok(3, 1, "observe", cv{Key: "t", Value: 1, Watcher: "w1", Mzxid: 0x10}, s, zx(0x10)).
		inv(4, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).ok(5, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, zx(0x10)).
		inv(6, 0, "write", cv{Key: "t", Value: 2}).ok(7, 0, "write", cv{Key: "t", Value: 2}, zx(0x11))
}

func (h *hb) notify(t int64, key string, session int64) *hb {
	e := cev{Key: key, Watcher: "w1", Event: "NodeDataChanged"}
	return h.inv(t, 91, "notify", e, sess(session)).ok(t, 91, "notify", e, sess(session))
}

func TestConfigEventBeforeNewerReply(t *testing.T) {
	s := sess(7)
	// the event, then the re-read
	h := configWatchBase().notify(8, "t", 7).
		inv(9, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).ok(10, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, s, zx(0x11)).
		history(t)
	wantValid(t, CheckConfig(h, ConfigOptions{}))
	// a reply older than the change needs no event yet (a lagging server)
	h = configWatchBase().
		inv(9, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).ok(10, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, zx(0x10)).
		history(t)
	noLostEvent(t, CheckConfig(h, ConfigOptions{})) // (w1 has not converged yet)
	// a new session (the old one expired) holds no watches: no event owed
	h = configWatchBase().
		inv(9, 1, "observe", cv{Key: "t", Watcher: "w1"}, sess(8)).ok(10, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, sess(8), zx(0x11)).
		history(t)
	wantValid(t, CheckConfig(h, ConfigOptions{}))
	// the change came after the watcher's last reply: nothing to judge
	noLostEvent(t, CheckConfig(configWatchBase().history(t), ConfigOptions{}))
	// an event of another session does not count, but one event covers
	// several changes (watches are one-shot)
	h = configWatchBase().notify(8, "t", 7).
		inv(9, 0, "write", cv{Key: "t", Value: 3}).ok(9, 0, "write", cv{Key: "t", Value: 3}, zx(0x12)).
		inv(10, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).ok(11, 1, "observe", cv{Key: "t", Value: 3, Watcher: "w1", Mzxid: 0x12}, s, zx(0x12)).
		history(t)
	wantValid(t, CheckConfig(h, ConfigOptions{}))
}

func noLostEvent(t *testing.T, r Result) {
	t.Helper()
	for _, a := range r.Anomalies {
		if a.Kind == "lost-event" {
			t.Fatalf("unexpected lost-event: %s", a.Explanation)
		}
	}
}

func TestConfigLostEvent(t *testing.T) {
	s := sess(7)
	// the watcher re-reads t (in its final phase, say) and sees the change
	// without ever hearing of it
	h := configWatchBase().
		inv(9, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).ok(10, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, s, zx(0x11)).
		history(t)
	a := wantAnomaly(t, CheckConfig(h, ConfigOptions{}), "lost-event")
	if len(a.Ops) != 2 || a.Ops[0] != 3 || a.Ops[1] != 9 {
		t.Fatalf("lost-event should name t's watched read (3) and the covering reply (9): %v", a.Ops)
	}
	// a reply about another key already covers t's change: the event
	// SetWatches should have replayed on reconnection never came
	h = configWatchBase().
		inv(9, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).ok(10, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, zx(0x13)).
		history(t)
	wantAnomaly(t, CheckConfig(h, ConfigOptions{}), "lost-event")
	// an event from another session does not count
	h = configWatchBase().notify(8, "t", 9).
		inv(9, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).ok(10, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, zx(0x13)).
		history(t)
	wantAnomaly(t, CheckConfig(h, ConfigOptions{}), "lost-event")
	// an info write that took effect (observed by w2) counts as committed
	h = configWatchBase().
		inv(8, 0, "write", cv{Key: "u", Value: 4}).info(9, 0, "write", nil).
		inv(10, 2, "observe", cv{Key: "u", Watcher: "w2"}, sess(3)).ok(11, 2, "observe", cv{Key: "u", Value: 4, Watcher: "w2", Mzxid: 0x12}, sess(3), zx(0x12)).
		notify(12, "t", 7).
		inv(13, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).ok(14, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, s, zx(0x12)).
		history(t)
	wantAnomaly(t, CheckConfig(h, ConfigOptions{}), "lost-event")
}

type lv = history.LockValue

func lockBase() *hb {
	return (&hb{}).
		inv(0, 0, "acquire", lv{Client: "c1"}).ok(1, 0, "acquire", lv{Client: "c1", Token: 1}).
		inv(2, 1, "acquire", lv{Client: "c2"}).
		inv(5, 0, "release", lv{Client: "c1", Token: 1}).ok(6, 0, "release", lv{Client: "c1", Token: 1}).
		ok(7, 1, "acquire", lv{Client: "c2", Token: 2}).
		nemesis(8, "partition", "s1").
		// c2 learns it may have lost the lock before c1 gets it again
		inv(9, 1, "lost", lv{Client: "c2", Token: 2}).ok(9, 1, "lost", lv{Client: "c2", Token: 2}).
		inv(10, 0, "acquire", lv{Client: "c1"}).info(11, 0, "acquire", nil).
		nemesis(12, "heal").
		inv(13, 0, "acquire", lv{Client: "c1"}).ok(14, 0, "acquire", lv{Client: "c1", Token: 4})
}

func TestLockGood(t *testing.T) { wantValid(t, CheckLock(lockBase().history(t))) }

func TestLockOverlappingHolds(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "acquire", lv{Client: "c1"}).ok(1, 0, "acquire", lv{Client: "c1", Token: 1}).
		inv(2, 1, "acquire", lv{Client: "c2"}).ok(3, 1, "acquire", lv{Client: "c2", Token: 2}).
		inv(4, 0, "release", lv{Client: "c1", Token: 1}).ok(5, 0, "release", lv{Client: "c1", Token: 1}).
		history(t)
	wantAnomaly(t, CheckLock(h), "overlapping-holds")
	dup := lockBase().
		inv(20, 1, "acquire", lv{Client: "c2"}).ok(21, 1, "acquire", lv{Client: "c2", Token: 4}).
		history(t)
	wantAnomaly(t, CheckLock(dup), "duplicate-token")
}

// The live incident behind the fencing rule: c2's session was closed by the
// new leader (token 24's node deleted), c3 took tokens 26-30, then a
// resumed, deposed leader granted c2 token 24 from its stale state. A
// fenced resource refuses token 24 after 30: the lock checker counts it
// fenced and stays valid; the sessions checker sees c2's session was closed
// by the quorum before its acquire was answered and fails the run.
func TestLockStaleGrantIsFencedAndCaughtBySessions(t *testing.T) {
	const c2, c3 = 0x200, 0x300
	h := (&hb{}).
		inv(0, 0, "acquire", lv{Client: "c2"}, sess(c2)).
		inv(1, 1, "acquire", lv{Client: "c3"}, sess(c3)).
		nemesis(2, "pause", "s3").
		closed(60, c2, 0x200000001, "s1").
		ok(61, 1, "acquire", lv{Client: "c3", Token: 26}, sess(c3)).
		inv(62, 1, "release", lv{Client: "c3", Token: 26}, sess(c3)).ok(63, 1, "release", nil, sess(c3)).
		inv(64, 1, "acquire", lv{Client: "c3"}, sess(c3)).ok(65, 1, "acquire", lv{Client: "c3", Token: 30}, sess(c3)).
		nemesis(69, "resume", "s3").
		// c2's acquire, invoked before the close, is answered by s3: the
		// grant is fenced (24 < 30); its next acquire is invoked after the
		// close and succeeds too: a closed session served.
		ok(70, 0, "acquire", lv{Client: "c2", Token: 24}, sess(c2), node("s3")).
		inv(71, 0, "release", lv{Client: "c2", Token: 24}, sess(c2)).ok(72, 0, "release", nil, sess(c2), node("s3")).
		inv(73, 1, "release", lv{Client: "c3", Token: 30}, sess(c3)).ok(74, 1, "release", nil, sess(c3)).
		inv(75, 0, "acquire", lv{Client: "c2"}, sess(c2)).ok(76, 0, "acquire", lv{Client: "c2", Token: 25}, sess(c2), node("s3")).
		inv(80, 1, "acquire", lv{Client: "c3"}, sess(c3)).ok(81, 1, "acquire", lv{Client: "c3", Token: 31}, sess(c3)).
		history(t)
	lock := CheckLock(h)
	wantValid(t, lock)
	if lock.Counts["fenced"] != 2 {
		t.Errorf("fenced = %d, want 2 (tokens 24 and 25 after 30)", lock.Counts["fenced"])
	}
	a := wantAnomaly(t, CheckSessions(h), "op-after-close")
	if len(a.Ops) != 3 || a.Ops[0] != 3 {
		t.Errorf("anomaly ops %v: want the close record (3) and the release", a.Ops)
	}
}

// The same stale grant without the session closing (an ordinary slow
// reply) is fenced and valid; a later, higher token overlapping an accepted
// hold is still a mutual-exclusion violation.
func TestLockFencingSemantics(t *testing.T) {
	stale := (&hb{}).
		inv(0, 0, "acquire", lv{Client: "c1"}).
		inv(1, 1, "acquire", lv{Client: "c2"}).ok(2, 1, "acquire", lv{Client: "c2", Token: 5}).
		inv(3, 1, "release", lv{Client: "c2", Token: 5}).ok(4, 1, "release", nil).
		ok(5, 0, "acquire", lv{Client: "c1", Token: 3}).
		inv(6, 0, "release", lv{Client: "c1", Token: 3}).ok(7, 0, "release", nil).
		history(t)
	wantValid(t, CheckLock(stale))
	wantValid(t, CheckSessions(stale))
	overlap := (&hb{}).
		inv(0, 0, "acquire", lv{Client: "c1"}).ok(1, 0, "acquire", lv{Client: "c1", Token: 3}).
		inv(2, 1, "acquire", lv{Client: "c2"}).ok(3, 1, "acquire", lv{Client: "c2", Token: 5}).
		inv(4, 0, "release", lv{Client: "c1", Token: 3}).ok(5, 0, "release", nil).
		history(t)
	wantAnomaly(t, CheckLock(overlap), "overlapping-holds")
}

// The sessions rule: ops invoked before the close may succeed; ops of other
// sessions are not constrained; failures after the close are what the
// server owes; an ok after the close is flagged, whatever the workload.
func TestSessionsRule(t *testing.T) {
	const s1, s2 = 0x11, 0x22
	rv := reg("k", nil, nil)
	good := (&hb{}).
		inv(0, 0, "read", rv, sess(s1)).
		closed(5, s1, 0x100000009, "s1").
		ok(6, 0, "read", rv, sess(s1)). // invoked before the close
		inv(7, 0, "read", rv, sess(s1)).fail(8, 0, "read", rv, sess(s1), node("s2"), errName("SESSIONEXPIRED")).
		inv(9, 1, "read", rv, sess(s2)).ok(10, 1, "read", rv, sess(s2), node("s1")).
		// the worker's own record of a step-down: no server answered
		inv(11, 0, "resign", rv, sess(s1)).ok(11, 0, "resign", nil, sess(s1)).
		history(t)
	res := CheckSessions(good)
	wantValid(t, res)
	if res.Counts["closed"] != 1 || res.Counts["ops-after-close"] != 1 {
		t.Errorf("counts %v", res.Counts)
	}
	bad := (&hb{}).
		closed(5, s1, 0x100000009, "s1").
		inv(7, 0, "read", rv, sess(s1)).ok(8, 0, "read", rv, sess(s1), node("s3")).
		history(t)
	a := wantAnomaly(t, CheckSessions(bad), "op-after-close")
	if !strings.Contains(a.Explanation, "s3") || !strings.Contains(a.Explanation, "0x100000009") {
		t.Errorf("explanation %q names neither the server nor the close", a.Explanation)
	}
	// With a clock-rate fault the timing argument is void: a stale answer
	// is not judged, one from a state that holds the close still is.
	slow := (&hb{}).
		nemesis(1, "clock rate", "s3").
		closed(5, s1, 0x100000009, "s1").
		inv(7, 0, "read", rv, sess(s1)).ok(8, 0, "read", rv, sess(s1), node("s3"), zx(0x100000008)).
		history(t)
	res = CheckSessions(slow)
	wantValid(t, res)
	if res.Counts["timing-rule"] != 0 {
		t.Errorf("timing rule applied under a clock-rate fault: %v", res.Counts)
	}
	applied := (&hb{}).
		nemesis(1, "clock rate", "s3").
		closed(5, s1, 0x100000009, "s1").
		inv(7, 0, "read", rv, sess(s1)).ok(8, 0, "read", rv, sess(s1), node("s2"), zx(0x10000000a)).
		history(t)
	wantAnomaly(t, CheckSessions(applied), "served-after-apply")
}

func TestLockNoProgress(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "acquire", lv{Client: "c1"}).ok(1, 0, "acquire", lv{Client: "c1", Token: 1}).
		inv(2, 0, "release", lv{Client: "c1", Token: 1}).ok(3, 0, "release", lv{Client: "c1", Token: 1}).
		nemesis(4, "heal").
		inv(5, 1, "acquire", lv{Client: "c2"}).info(9, 1, "acquire", nil, errName("timeout")).
		history(t)
	wantAnomaly(t, CheckLock(h), "no-progress")
}

type sv = history.SequentialValue

func TestSequential(t *testing.T) {
	good := (&hb{}).
		inv(0, 0, "create", sv{Prefix: "/s/n-"}, sess(1)).ok(1, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000000"}, sess(1)).
		inv(0, 1, "create", sv{Prefix: "/s/n-"}, sess(2)).ok(2, 1, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000001"}, sess(2)).
		inv(3, 0, "create", sv{Prefix: "/s/n-"}, sess(1)).info(4, 0, "create", nil, sess(1)).
		inv(5, 0, "create", sv{Prefix: "/s/n-"}, sess(1)).ok(6, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000003"}, sess(1))
	wantValid(t, CheckSequential(good.history(t)))

	dup := (&hb{ops: append([]history.Op(nil), good.ops...)}).
		inv(7, 1, "create", sv{Prefix: "/s/n-"}, sess(2)).ok(8, 1, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000003"}, sess(2)).
		history(t)
	wantAnomaly(t, CheckSequential(dup), "duplicate-name")

	backwards := (&hb{ops: append([]history.Op(nil), good.ops...)}).
		inv(7, 0, "create", sv{Prefix: "/s/n-"}, sess(1)).ok(8, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000002"}, sess(1)).
		history(t)
	wantAnomaly(t, CheckSequential(backwards), "non-monotonic")

	badName := (&hb{}).inv(0, 0, "create", sv{Prefix: "/s/n-"}).ok(1, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-12"}).history(t)
	wantAnomaly(t, CheckSequential(badName), "bad-name")

	// A sequential create never collides on a correct server (ZOOKEEPER-1046).
	collision := (&hb{ops: append([]history.Op(nil), good.ops...)}).
		inv(7, 1, "create", sv{Prefix: "/s/n-"}, sess(2)).fail(8, 1, "create", nil, errName("NODEEXISTS"), sess(2)).
		history(t)
	wantAnomaly(t, CheckSequential(collision), "name-collision")

	// A client never sees SESSIONMOVED on its own connection (ZOOKEEPER-710).
	moved := (&hb{ops: append([]history.Op(nil), good.ops...)}).
		inv(7, 1, "create", sv{Prefix: "/s/n-"}, sess(2)).fail(8, 1, "create", nil, errName("SESSIONMOVED"), sess(2)).
		history(t)
	wantAnomaly(t, CheckSequential(moved), "session-moved")
}

func bankRead(b map[string]int64) history.BankRead { return history.BankRead{Balances: b} }

func TestBank(t *testing.T) {
	tr := history.BankTransfer{From: "a", To: "b", Amount: 3}
	good := (&hb{}).
		inv(0, 0, "read", "{}").ok(1, 0, "read", bankRead(map[string]int64{"a": 10, "b": 0})).
		inv(2, 1, "transfer", tr).ok(3, 1, "transfer", tr).
		inv(4, 1, "transfer", tr).info(5, 1, "transfer", nil).
		inv(4, 2, "transfer", history.BankTransfer{From: "b", To: "a", Amount: 50}).fail(5, 2, "transfer", nil, errName("BADVERSION")).
		inv(6, 0, "read", "{}").ok(7, 0, "read", bankRead(map[string]int64{"a": 4, "b": 6}))
	r := CheckBank(good.history(t), BankOptions{Total: 10, Accounts: 2})
	wantValid(t, r)
	wantValid(t, CheckBank(good.ops, BankOptions{})) // total inferred from the first read

	partial := (&hb{ops: append([]history.Op(nil), good.ops...)}).
		inv(8, 0, "read", "{}").ok(9, 0, "read", bankRead(map[string]int64{"a": 1, "b": 6})).
		history(t)
	wantAnomaly(t, CheckBank(partial, BankOptions{Total: 10}), "wrong-total")

	negative := (&hb{}).inv(0, 0, "read", "{}").ok(1, 0, "read", bankRead(map[string]int64{"a": -1, "b": 11})).history(t)
	wantAnomaly(t, CheckBank(negative, BankOptions{Total: 10}), "negative-balance")

	wantUnknown(t, CheckBank((&hb{}).inv(0, 0, "read", "{}").info(1, 0, "read", nil).history(t), BankOptions{Total: 10}))
}

type dv = history.DurabilityValue

func durabilityBase() *hb {
	return (&hb{}).
		inv(0, 0, "write", dv{Key: "k1", Value: 1}).ok(1, 0, "write", dv{Key: "k1", Value: 1}, zx(5)).
		inv(2, 0, "write", dv{Key: "k1", Value: 2}).ok(3, 0, "write", dv{Key: "k1", Value: 2}, zx(6)).
		inv(4, 0, "write", dv{Key: "k2", Value: 1}).info(5, 0, "write", nil).
		inv(4, 1, "write", dv{Key: "k1", Value: 3}).info(5, 1, "write", nil).
		nemesis(10, "kill", "s1", "s2", "s3").
		nemesis(20, "restart", "s1", "s2", "s3")
}

func TestDurability(t *testing.T) {
	good := durabilityBase().
		inv(30, 0, "final-read", dv{Key: "k1"}).ok(31, 0, "final-read", dv{Key: "k1", Value: 2, Found: true}, node("s1")).
		inv(30, 1, "final-read", dv{Key: "k1"}).ok(31, 1, "final-read", dv{Key: "k1", Value: 3, Found: true}, node("s2")).
		inv(32, 0, "final-read", dv{Key: "k2"}).ok(33, 0, "final-read", dv{Key: "k2"}, node("s1"))
	wantValid(t, CheckDurability(good.history(t)))

	older := durabilityBase().
		inv(30, 0, "final-read", dv{Key: "k1"}).ok(31, 0, "final-read", dv{Key: "k1", Value: 1, Found: true}, node("s3")).
		history(t)
	wantAnomaly(t, CheckDurability(older), "lost-write")

	missing := durabilityBase().
		inv(30, 0, "final-read", dv{Key: "k1"}).ok(31, 0, "final-read", dv{Key: "k1"}, node("s3")).
		history(t)
	wantAnomaly(t, CheckDurability(missing), "lost-write")

	wantUnknown(t, CheckDurability(durabilityBase().history(t)))
}

func TestStats(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "read", "{}").ok(10, 0, "read", "{}").
		inv(10, 0, "read", "{}").ok(40, 0, "read", "{}").
		inv(40, 0, "write", "{}").fail(41, 0, "write", nil).
		inv(int64(time.Second), 1, "write", "{}").info(int64(time.Second)+5, 1, "write", nil).
		history(t)
	r := CheckStats(h, StatsOptions{Window: time.Second})
	wantValid(t, r)
	if r.Counts["read:ok"] != 2 || r.Counts["write:fail"] != 1 || r.Counts["write:info"] != 1 {
		t.Fatalf("counts %v", r.Counts)
	}
	if r.Stats["read:latency_max_ns"] != 30 || r.Stats["read:latency_p50_ns"] != 10 || r.Stats["availability_min"] != 0 {
		t.Fatalf("stats %v", r.Stats)
	}
	sum := Summarize(h, StatsOptions{Window: time.Second})
	if len(sum.Windows) != 2 || sum.Windows[0].OK != 2 || sum.Windows[0].Total != 3 {
		t.Fatalf("windows %+v", sum.Windows)
	}
	dead := (&hb{}).
		inv(0, 0, "read", "{}").ok(1, 0, "read", "{}").
		nemesis(2, "heal").
		inv(3, 0, "read", "{}").info(4, 0, "read", nil).
		history(t)
	wantAnomaly(t, CheckStats(dead, StatsOptions{}), "unavailable-after-heal")

	// A watch event is not a request: no latency, no availability credit.
	notify := `{"key":"k","watcher":"w1","event":"NodeDataChanged"}`
	withEvents := (&hb{}).
		inv(0, 0, "read", "{}").ok(1, 0, "read", "{}").
		nemesis(2, "heal").
		inv(3, 0, "read", "{}").info(9, 0, "read", nil).
		inv(5, 7, history.FNotify, notify).ok(5, 7, history.FNotify, notify).
		history(t)
	r = CheckStats(withEvents, StatsOptions{})
	wantAnomaly(t, r, "unavailable-after-heal")
	if _, ok := r.Counts[history.FNotify+":ok"]; ok || r.Counts["notifications"] != 1 || r.Counts["healed:invoked"] != 1 {
		t.Fatalf("notifications counted as requests: %v", r.Counts)
	}
	if sum := Summarize(withEvents, StatsOptions{}); len(sum.Windows) != 1 || sum.Windows[0].Total != 2 || sum.Windows[0].OK != 1 {
		t.Fatalf("windows %+v", sum.Windows)
	}
}

func TestComposeAndJSON(t *testing.T) {
	valid := func([]history.Op) Result { return Result{Name: "a", Valid: Valid} }
	unknown := func([]history.Op) Result { return Result{Name: "b", Valid: Unknown} }
	invalid := func([]history.Op) Result { return Result{Name: "c", Valid: Invalid} }
	cases := []struct {
		checkers []Checker
		want     Validity
	}{
		{[]Checker{valid, valid}, Valid},
		{[]Checker{valid, unknown}, Unknown},
		{[]Checker{unknown, invalid, valid}, Invalid},
		{nil, Valid},
	}
	for i, c := range cases {
		r := Compose("all", nil, c.checkers...)
		if r.Valid != c.want || len(r.Children) != len(c.checkers) {
			t.Fatalf("case %d: %s with %d children, want %s", i, r.Valid, len(r.Children), c.want)
		}
	}
	b, err := json.Marshal(Compose("all", nil, valid, unknown))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"all","valid":"unknown","children":[{"name":"a","valid":true},{"name":"b","valid":"unknown"}]}`
	if string(b) != want {
		t.Fatalf("json %s\nwant %s", b, want)
	}
	var v Validity
	if err := json.Unmarshal([]byte(`false`), &v); err != nil || v != Invalid {
		t.Fatalf("unmarshal false: %v %v", v, err)
	}
	if err := json.Unmarshal([]byte(`"maybe"`), &v); err == nil {
		t.Fatal("accepted a bogus validity")
	}
}

func TestMalformedValuesAreFlagged(t *testing.T) {
	h := (&hb{}).inv(0, 0, "campaign", `{"candidate":"c1"}`).ok(1, 0, "campaign", `{"candidate":7}`).history(t)
	wantAnomaly(t, CheckElection(h), "malformed")
}
