package election

import (
	"testing"

	"github.com/zabsim/zabsim/checker/checkertest"
)

type ev = Value

func electionBase() *checkertest.H {
	return (&checkertest.H{}).
		Inv(0, 0, "campaign", ev{Candidate: "c1"}).
		OK(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		Inv(11, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 5}).
		OK(12, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 5}, checkertest.Zx(100)).
		Inv(13, 1, "campaign", ev{Candidate: "c2"}).
		Nemesis(20, "kill", "c1").
		OK(50, 1, "campaign", ev{Candidate: "c2", Term: 2}).
		Inv(51, 1, "fenced-write", ev{Candidate: "c2", Token: 2, Value: 6}).
		OK(52, 1, "fenced-write", ev{Candidate: "c2", Token: 2, Value: 6}, checkertest.Zx(101)).
		// the deposed leader's late write is rejected: fine
		Inv(53, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 7}).
		Fail(54, 0, "fenced-write", nil, checkertest.ErrName("FENCED")).
		// an info write from the old leader tells nothing
		Inv(55, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 8}).
		Info(56, 0, "fenced-write", nil)
}

func TestElectionGood(t *testing.T) {
	r := Check(electionBase().History(t))
	checkertest.WantValid(t, r)
	if r.Stats["failover_max_ns"] != 30 || r.Counts["failovers"] != 1 {
		t.Fatalf("failover from kill at 20 to election at 50 should be 30ns: %v %v", r.Stats, r.Counts)
	}
}

func TestElectionDoubleLeader(t *testing.T) {
	h := electionBase().
		Inv(60, 2, "campaign", ev{Candidate: "c3"}).
		OK(61, 2, "campaign", ev{Candidate: "c3", Term: 2}).
		History(t)
	checkertest.WantAnomaly(t, Check(h), "double-leader")
}

func TestElectionDeposedLeaderWriteAccepted(t *testing.T) {
	byZxid := electionBase().
		Inv(60, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}).
		OK(61, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}, checkertest.Zx(102)).
		History(t)
	checkertest.WantAnomaly(t, Check(byZxid), "deposed-leader-write")
	byTime := electionBase().
		Inv(60, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}).
		OK(61, 0, "fenced-write", ev{Candidate: "c1", Token: 1, Value: 9}).
		History(t)
	checkertest.WantAnomaly(t, Check(byTime), "deposed-leader-write")
}

func TestElectionNoFailover(t *testing.T) {
	h := (&checkertest.H{}).
		Inv(0, 0, "campaign", ev{Candidate: "c1"}).
		OK(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		Inv(15, 1, "campaign", ev{Candidate: "c2"}).
		Inv(20, 0, "resign", ev{Candidate: "c1", Term: 1}).
		OK(21, 0, "resign", ev{Candidate: "c1", Term: 1}).
		History(t)
	checkertest.WantAnomaly(t, Check(h), "no-failover")
	// c2 gave up (timeout) after the loss: still no failover.
	gaveUp := (&checkertest.H{}).
		Inv(0, 0, "campaign", ev{Candidate: "c1"}).
		OK(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		Inv(15, 1, "campaign", ev{Candidate: "c2"}).
		Inv(20, 0, "resign", ev{Candidate: "c1", Term: 1}).
		OK(21, 0, "resign", ev{Candidate: "c1", Term: 1}).
		Info(40, 1, "campaign", nil, checkertest.ErrName("timeout")).
		History(t)
	checkertest.WantAnomaly(t, Check(gaveUp), "no-failover")
}

// The last leader resigning once every candidate has finished (the end of
// a run) owes no failover: nobody is left to elect.
func TestElectionLastResignNeedsNoFailover(t *testing.T) {
	h := (&checkertest.H{}).
		Inv(0, 0, "campaign", ev{Candidate: "c1"}).
		OK(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		Inv(11, 1, "campaign", ev{Candidate: "c2"}).Info(12, 1, "campaign", nil, checkertest.ErrName("CONNECTIONLOSS")).
		Inv(20, 0, "resign", ev{Candidate: "c1", Term: 1}).
		OK(21, 0, "resign", ev{Candidate: "c1", Term: 1}).
		History(t)
	checkertest.WantValid(t, Check(h))
}

// A leader whose session expired silently records its resign only after the
// next leader was elected: that is a failover (of zero length), not a
// missing one.
func TestElectionFailoverBeforeOldLeaderNotices(t *testing.T) {
	h := (&checkertest.H{}).
		Inv(0, 0, "campaign", ev{Candidate: "c1"}).
		OK(10, 0, "campaign", ev{Candidate: "c1", Term: 1}).
		Inv(11, 1, "campaign", ev{Candidate: "c2"}).
		OK(30, 1, "campaign", ev{Candidate: "c2", Term: 2}).
		Inv(40, 0, "resign", ev{Candidate: "c1", Term: 1}).
		OK(41, 0, "resign", ev{Candidate: "c1", Term: 1}).
		History(t)
	r := Check(h)
	checkertest.WantValid(t, r)
	if r.Counts["failovers"] != 1 || r.Stats["failover_max_ns"] != 0 {
		t.Fatalf("want one failover of 0 ns: %v %v", r.Counts, r.Stats)
	}
}

func TestMalformedValuesAreFlagged(t *testing.T) {
	h := (&checkertest.H{}).Inv(0, 0, "campaign", `{"candidate":"c1"}`).OK(1, 0, "campaign", `{"candidate":7}`).History(t)
	checkertest.WantAnomaly(t, Check(h), "malformed")
}
