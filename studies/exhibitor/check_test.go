package exhibitor

import (
	"testing"

	"github.com/zabsim/zabsim/checker/checkertest"
)

var (
	three = []Member{{ID: 1, Client: "s1:2181"}, {ID: 2, Client: "s2:2181"}, {ID: 3, Client: "s3:2181"}, {ID: 4, Client: "s4:2181", Observer: true}}
	two   = []Member{{ID: 1, Client: "s1:2181"}, {ID: 3, Client: "s3:2181"}, {ID: 4, Client: "s4:2181", Observer: true}}
)

func cfgAt(v int64, ms []Member, server string) Config {
	return Config{Version: v, Members: ms, Server: server}
}

// exhibitorBase: the operator (process 0, session 7) reads version 0x10,
// removes server 2 (acknowledged with 0x20), reads 0x20, adds 2 back (0x30);
// a watcher (process 1, session 8) reads 0x10 then 0x30; every member
// serves 0x30 at the end, and s2 too.
func exhibitorBase() *checkertest.H {
	s7, s8 := checkertest.Sess(7), checkertest.Sess(8)
	h := (&checkertest.H{}).
		Inv(0, 0, FReadConfig, struct{}{}, s7).OK(1, 0, FReadConfig, cfgAt(0x10, three, ""), s7).
		Inv(2, 0, FReconfig, Change{Op: "remove", ID: 2, From: 0x10}, s7).OK(3, 0, FReconfig, cfgAt(0x20, two, ""), s7).
		Inv(3, 1, FReadConfig, struct{}{}, s8).OK(4, 1, FReadConfig, cfgAt(0x10, three, ""), s8).
		Inv(4, 0, FReadConfig, struct{}{}, s7).OK(5, 0, FReadConfig, cfgAt(0x20, two, ""), s7).
		Inv(6, 0, FReconfig, Change{Op: "add", ID: 2, From: 0x20}, s7).OK(7, 0, FReconfig, cfgAt(0x30, three, ""), s7).
		Inv(8, 1, FReadConfig, struct{}{}, s8).OK(9, 1, FReadConfig, cfgAt(0x30, three, ""), s8)
	for i, s := range []string{"s1:2181", "s2:2181", "s3:2181", "s4:2181"} {
		sess := checkertest.Sess(int64(100 + i))
		h.Inv(int64(20+2*i), 0, FFinalConfig, Config{Server: s}, sess).OK(int64(21+2*i), 0, FFinalConfig, cfgAt(0x30, three, s), sess)
	}
	return h
}

func TestExhibitorGood(t *testing.T) {
	h := exhibitorBase().History(t)
	checkertest.WantValid(t, CheckConvergence(h))
	checkertest.WantValid(t, CheckOrder(h))
	r := CheckAvailability(h)
	checkertest.WantValid(t, r)
	if r.Counts["reconfig:ok"] != 2 || r.Counts["final-config:ok"] != 4 || r.Stats["reconfig-availability"] != 1 {
		t.Fatalf("availability counts %v stats %v", r.Counts, r.Stats)
	}
	// A refused and an unanswered reconfig are counted, not judged.
	h2 := exhibitorBase().
		Inv(30, 0, FReconfig, Change{Op: "remove", ID: 3, From: 0x30}, checkertest.Sess(7)).Fail(31, 0, FReconfig, nil, checkertest.ErrName("NEWCONFIGNOQUORUM")).
		Inv(32, 0, FReconfig, Change{Op: "remove", ID: 3, From: 0x30}, checkertest.Sess(7)).Info(33, 0, FReconfig, nil, checkertest.ErrName("timeout")).
		History(t)
	r = CheckAvailability(h2)
	checkertest.WantValid(t, r)
	if r.Counts["reconfig:fail"] != 1 || r.Counts["reconfig:info"] != 1 || r.Counts["reconfig-error:NEWCONFIGNOQUORUM"] != 1 || r.Stats["reconfig-availability"] != 0.5 {
		t.Fatalf("availability counts %v stats %v", r.Counts, r.Stats)
	}
	checkertest.WantValid(t, CheckConvergence(h2))
}

// One member still serves the removal's config at the end.
func TestExhibitorNotConverged(t *testing.T) {
	h := exhibitorBase().
		Inv(40, 1, FFinalConfig, Config{Server: "s3:2181"}, checkertest.Sess(200)).OK(41, 1, FFinalConfig, cfgAt(0x20, two, "s3:2181"), checkertest.Sess(200)).
		History(t)
	checkertest.WantAnomaly(t, CheckConvergence(h), "not-converged")
}

// The servers end on the removal: the acknowledged add-back is lost.
func TestExhibitorLostReconfig(t *testing.T) {
	s7 := checkertest.Sess(7)
	h := (&checkertest.H{}).
		Inv(2, 0, FReconfig, Change{Op: "remove", ID: 2, From: 0x10}, s7).OK(3, 0, FReconfig, cfgAt(0x20, two, ""), s7).
		Inv(6, 0, FReconfig, Change{Op: "add", ID: 2, From: 0x20}, s7).OK(7, 0, FReconfig, cfgAt(0x30, three, ""), s7)
	for i, s := range []string{"s1:2181", "s3:2181", "s4:2181"} {
		sess := checkertest.Sess(int64(100 + i))
		h.Inv(int64(20+2*i), 0, FFinalConfig, Config{Server: s}, sess).OK(int64(21+2*i), 0, FFinalConfig, cfgAt(0x20, two, s), sess)
	}
	checkertest.WantAnomaly(t, CheckConvergence(h.History(t)), "lost-reconfig")
}

// The servers end on the acknowledged version with other members.
func TestExhibitorWrongMembership(t *testing.T) {
	s7 := checkertest.Sess(7)
	h := (&checkertest.H{}).
		Inv(2, 0, FReconfig, Change{Op: "remove", ID: 2, From: 0x10}, s7).OK(3, 0, FReconfig, cfgAt(0x20, two, ""), s7)
	for i, s := range []string{"s1:2181", "s2:2181", "s3:2181", "s4:2181"} {
		sess := checkertest.Sess(int64(100 + i))
		h.Inv(int64(20+2*i), 0, FFinalConfig, Config{Server: s}, sess).OK(int64(21+2*i), 0, FFinalConfig, cfgAt(0x20, three, s), sess)
	}
	checkertest.WantAnomaly(t, CheckConvergence(h.History(t)), "wrong-membership")
}

// A member that never answered leaves the verdict unknown, never a pass;
// no final read at all fails availability.
func TestExhibitorUnreadMember(t *testing.T) {
	s7 := checkertest.Sess(7)
	h := (&checkertest.H{}).
		Inv(0, 0, FReadConfig, struct{}{}, s7).OK(1, 0, FReadConfig, cfgAt(0x10, three, ""), s7).
		Inv(20, 0, FFinalConfig, Config{Server: "s1:2181"}, checkertest.Sess(9)).OK(21, 0, FFinalConfig, cfgAt(0x10, three, "s1:2181"), checkertest.Sess(9)).
		History(t)
	checkertest.WantUnknown(t, CheckConvergence(h))
	none := (&checkertest.H{}).
		Inv(0, 0, FReadConfig, struct{}{}, s7).OK(1, 0, FReadConfig, cfgAt(0x10, three, ""), s7).
		Inv(20, 0, FFinalConfig, Config{Server: "s1:2181"}, checkertest.Sess(9)).Info(21, 0, FFinalConfig, nil, checkertest.ErrName("CONNECTIONLOSS")).
		History(t)
	checkertest.WantAnomaly(t, CheckAvailability(none), "no-final-config")
}

// A session reads an older config after its own acknowledged reconfig, or
// after a newer read.
func TestExhibitorOrder(t *testing.T) {
	s7 := checkertest.Sess(7)
	stale := exhibitorBase().
		Inv(10, 0, FReadConfig, struct{}{}, s7).OK(11, 0, FReadConfig, cfgAt(0x20, two, ""), s7).
		History(t)
	checkertest.WantAnomaly(t, CheckOrder(stale), "reconfig-not-visible")
	s8 := checkertest.Sess(8)
	back := exhibitorBase().
		Inv(10, 1, FReadConfig, struct{}{}, s8).OK(11, 1, FReadConfig, cfgAt(0x10, three, ""), s8).
		History(t)
	checkertest.WantAnomaly(t, CheckOrder(back), "config-went-backwards")
	// Another session may lag: reads are served locally.
	other := exhibitorBase().
		Inv(10, 2, FReadConfig, struct{}{}, checkertest.Sess(9)).OK(11, 2, FReadConfig, cfgAt(0x10, three, ""), checkertest.Sess(9)).
		History(t)
	checkertest.WantValid(t, CheckOrder(other))
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte("server.2=s2:2888:3888:participant;s2:2181\nserver.1=s1:2888:3888:participant;s1:2181\n" +
		"server.4=s4:2888:3888:observer;s4:2181\nversion=10000002a"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 0x10000002a || len(c.Members) != 3 || c.Members[0].ID != 1 || !c.Members[2].Observer || c.Members[1].Client != "s2:2181" || c.Voters() != 2 {
		t.Fatalf("%+v", c)
	}
	if got := withRole(c.Members[2].line, false); got != "server.4=s4:2888:3888:participant;s4:2181" {
		t.Fatalf("promote line %q", got)
	}
	if got := withRole("server.5=s5:2888:3888;s5:2181", true); got != "server.5=s5:2888:3888:observer;s5:2181" {
		t.Fatalf("demote line %q", got)
	}
	if _, err := ParseConfig([]byte("version=zz")); err == nil {
		t.Fatal("bad version parsed")
	}
}
