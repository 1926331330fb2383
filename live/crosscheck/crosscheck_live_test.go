package crosscheck

import (
	"context"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/server"
)

// crossOpsDefault is CI's cross-check length; ZABSIM_XCHECK_OPS and
// ZABSIM_XCHECK_SEED override the run against Apache ZooKeeper.
const (
	crossOpsDefault  = 2000
	crossSeedDefault = 7
)

func TestCrossCheckZooKeeper(t *testing.T) {
	livetest.RequireZooKeeper(t)
	seed := uint64(envInt(t, "ZABSIM_XCHECK_SEED", crossSeedDefault))
	ops := envInt(t, "ZABSIM_XCHECK_OPS", crossOpsDefault)
	zabAddr := livetest.StartZabsim(t, func(c *server.Config) {
		c.TickTimeMS = 2000
		c.ContainerCheckIntervalMS = diffContainerCheckMS
	})
	zkAddr := startDiffZooKeeper(t)
	rep, err := Check(context.Background(), Options{ZabsimAddr: zabAddr, ZooKeeperAddr: zkAddr, Ops: ops, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("%s\nreproduce: ZABSIM_XCHECK_SEED=%d ZABSIM_XCHECK_OPS=%d go test -run TestCrossCheckZooKeeper ./live/crosscheck/", text.String(), seed, ops)
	}
	checkCrossCoverage(t, rep)
	t.Log(text.String())
}

// checkCrossCoverage fails a run that agreed only because it exercised
// little: both clients carried ops, watches fired, and the usual error
// codes came up.
func checkCrossCoverage(t *testing.T, rep *Report) {
	t.Helper()
	if rep.ViaGoZK < rep.Ops/2 || rep.ViaRaw == 0 || rep.Watches == 0 || rep.Events == 0 || rep.ZNodes < 5 {
		t.Fatalf("thin coverage: %+v", rep)
	}
	for _, code := range []string{"OK", "NONODE", "NODEEXISTS", "BADVERSION", "NOTEMPTY", "NOAUTH"} {
		if rep.Outcomes[code] == 0 {
			t.Errorf("no %s reply in %d ops: %v", code, rep.Ops, rep.Outcomes)
		}
	}
}

// Two zabsim servers must agree with each other: the cross-check's own
// machinery, without Java.
func TestCrossCheckZabsimAgainstItself(t *testing.T) {
	a := livetest.StartZabsim(t, crossConfig)
	b := livetest.StartZabsim(t, crossConfig)
	rep, err := Check(context.Background(), Options{ZabsimAddr: a, ZooKeeperAddr: b, Ops: 600, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		var text strings.Builder
		_ = rep.WriteText(&text)
		t.Fatalf("zabsim differs from itself:\n%s", text.String())
	}
	checkCrossCoverage(t, rep)
}

// A server that answers differently must be reported, with the op index
// and both answers: here the second server refuses TTL nodes
// (extendedTypesEnabled=false, ZooKeeper's default).
func TestCrossCheckReportsDifferences(t *testing.T) {
	a := livetest.StartZabsim(t, crossConfig)
	b := livetest.StartZabsim(t, func(c *server.Config) {
		crossConfig(c)
		c.ExtendedTypesEnabled = false
	})
	rep, err := Check(context.Background(), Options{ZabsimAddr: a, ZooKeeperAddr: b, Ops: 300, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Differences) == 0 {
		t.Fatalf("TTL nodes refused on one side, yet no difference reported: %+v", rep)
	}
	first := rep.Differences[0]
	if first.Index <= 0 || !strings.Contains(first.Op, "createTTL") || !strings.Contains(first.ZooKeeper, "UNIMPLEMENTED") || strings.Contains(first.Zabsim, "UNIMPLEMENTED") {
		t.Fatalf("first difference %+v, want a createTTL answered UNIMPLEMENTED on the second server only", first)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "difference at op ") || !strings.Contains(text.String(), "reproduce: zabsim crosscheck") {
		t.Fatalf("report:\n%s", text.String())
	}
}

func crossConfig(c *server.Config) {
	c.TickTimeMS = 2000
	c.ContainerCheckIntervalMS = diffContainerCheckMS
}
