package lock

import (
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/checker/checkertest"
)

type lv = Value

func lockBase() *checkertest.H {
	return (&checkertest.H{}).
		Inv(0, 0, "acquire", lv{Client: "c1"}).OK(1, 0, "acquire", lv{Client: "c1", Token: 1}).
		Inv(2, 1, "acquire", lv{Client: "c2"}).
		Inv(5, 0, "release", lv{Client: "c1", Token: 1}).OK(6, 0, "release", lv{Client: "c1", Token: 1}).
		OK(7, 1, "acquire", lv{Client: "c2", Token: 2}).
		Nemesis(8, "partition", "s1").
		// c2 learns it may have lost the lock before c1 gets it again
		Inv(9, 1, "lost", lv{Client: "c2", Token: 2}).OK(9, 1, "lost", lv{Client: "c2", Token: 2}).
		Inv(10, 0, "acquire", lv{Client: "c1"}).Info(11, 0, "acquire", nil).
		Nemesis(12, "heal").
		Inv(13, 0, "acquire", lv{Client: "c1"}).OK(14, 0, "acquire", lv{Client: "c1", Token: 4})
}

func TestLockGood(t *testing.T) { checkertest.WantValid(t, Check(lockBase().History(t))) }

func TestLockOverlappingHolds(t *testing.T) {
	h := (&checkertest.H{}).
		Inv(0, 0, "acquire", lv{Client: "c1"}).OK(1, 0, "acquire", lv{Client: "c1", Token: 1}).
		Inv(2, 1, "acquire", lv{Client: "c2"}).OK(3, 1, "acquire", lv{Client: "c2", Token: 2}).
		Inv(4, 0, "release", lv{Client: "c1", Token: 1}).OK(5, 0, "release", lv{Client: "c1", Token: 1}).
		History(t)
	checkertest.WantAnomaly(t, Check(h), "overlapping-holds")
	dup := lockBase().
		Inv(20, 1, "acquire", lv{Client: "c2"}).OK(21, 1, "acquire", lv{Client: "c2", Token: 4}).
		History(t)
	checkertest.WantAnomaly(t, Check(dup), "duplicate-token")
}

// The live incident behind the fencing rule: c2's session was closed by the
// new leader (token 24's node deleted), c3 took tokens 26-30, then a
// resumed, deposed leader granted c2 token 24 from its stale state. A
// fenced resource refuses token 24 after 30: the lock checker counts it
// fenced and stays valid; the sessions checker sees c2's session was closed
// by the quorum before its acquire was answered and fails the run.
func TestLockStaleGrantIsFencedAndCaughtBySessions(t *testing.T) {
	const c2, c3 = 0x200, 0x300
	h := (&checkertest.H{}).
		Inv(0, 0, "acquire", lv{Client: "c2"}, checkertest.Sess(c2)).
		Inv(1, 1, "acquire", lv{Client: "c3"}, checkertest.Sess(c3)).
		Nemesis(2, "pause", "s3").
		Closed(60, c2, 0x200000001, "s1").
		OK(61, 1, "acquire", lv{Client: "c3", Token: 26}, checkertest.Sess(c3)).
		Inv(62, 1, "release", lv{Client: "c3", Token: 26}, checkertest.Sess(c3)).OK(63, 1, "release", nil, checkertest.Sess(c3)).
		Inv(64, 1, "acquire", lv{Client: "c3"}, checkertest.Sess(c3)).OK(65, 1, "acquire", lv{Client: "c3", Token: 30}, checkertest.Sess(c3)).
		Nemesis(69, "resume", "s3").
		// c2's acquire, invoked before the close, is answered by s3: the
		// grant is fenced (24 < 30); its next acquire is invoked after the
		// close and succeeds too: a closed session served.
		OK(70, 0, "acquire", lv{Client: "c2", Token: 24}, checkertest.Sess(c2), checkertest.Node("s3")).
		Inv(71, 0, "release", lv{Client: "c2", Token: 24}, checkertest.Sess(c2)).OK(72, 0, "release", nil, checkertest.Sess(c2), checkertest.Node("s3")).
		Inv(73, 1, "release", lv{Client: "c3", Token: 30}, checkertest.Sess(c3)).OK(74, 1, "release", nil, checkertest.Sess(c3)).
		Inv(75, 0, "acquire", lv{Client: "c2"}, checkertest.Sess(c2)).OK(76, 0, "acquire", lv{Client: "c2", Token: 25}, checkertest.Sess(c2), checkertest.Node("s3")).
		Inv(80, 1, "acquire", lv{Client: "c3"}, checkertest.Sess(c3)).OK(81, 1, "acquire", lv{Client: "c3", Token: 31}, checkertest.Sess(c3)).
		History(t)
	lock := Check(h)
	checkertest.WantValid(t, lock)
	if lock.Counts["fenced"] != 2 {
		t.Errorf("fenced = %d, want 2 (tokens 24 and 25 after 30)", lock.Counts["fenced"])
	}
	a := checkertest.WantAnomaly(t, checker.CheckSessions(h), "op-after-close")
	if len(a.Ops) != 3 || a.Ops[0] != 3 {
		t.Errorf("anomaly ops %v: want the close record (3) and the release", a.Ops)
	}
}

// The same stale grant without the session closing (an ordinary slow
// reply) is fenced and valid; a later, higher token overlapping an accepted
// hold is still a mutual-exclusion violation.
func TestLockFencingSemantics(t *testing.T) {
	stale := (&checkertest.H{}).
		Inv(0, 0, "acquire", lv{Client: "c1"}).
		Inv(1, 1, "acquire", lv{Client: "c2"}).OK(2, 1, "acquire", lv{Client: "c2", Token: 5}).
		Inv(3, 1, "release", lv{Client: "c2", Token: 5}).OK(4, 1, "release", nil).
		OK(5, 0, "acquire", lv{Client: "c1", Token: 3}).
		Inv(6, 0, "release", lv{Client: "c1", Token: 3}).OK(7, 0, "release", nil).
		History(t)
	checkertest.WantValid(t, Check(stale))
	checkertest.WantValid(t, checker.CheckSessions(stale))
	overlap := (&checkertest.H{}).
		Inv(0, 0, "acquire", lv{Client: "c1"}).OK(1, 0, "acquire", lv{Client: "c1", Token: 3}).
		Inv(2, 1, "acquire", lv{Client: "c2"}).OK(3, 1, "acquire", lv{Client: "c2", Token: 5}).
		Inv(4, 0, "release", lv{Client: "c1", Token: 3}).OK(5, 0, "release", nil).
		History(t)
	checkertest.WantAnomaly(t, Check(overlap), "overlapping-holds")
}

func TestLockNoProgress(t *testing.T) {
	h := (&checkertest.H{}).
		Inv(0, 0, "acquire", lv{Client: "c1"}).OK(1, 0, "acquire", lv{Client: "c1", Token: 1}).
		Inv(2, 0, "release", lv{Client: "c1", Token: 1}).OK(3, 0, "release", lv{Client: "c1", Token: 1}).
		Nemesis(4, "heal").
		Inv(5, 1, "acquire", lv{Client: "c2"}).Info(9, 1, "acquire", nil, checkertest.ErrName("timeout")).
		History(t)
	checkertest.WantAnomaly(t, Check(h), "no-progress")
}
