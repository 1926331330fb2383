package registry

import (
	"testing"

	"github.com/zabsim/zabsim/checker/checkertest"
)

type rm = Member

func view(w string, members ...string) View {
	if members == nil {
		members = []string{}
	}
	return View{Watcher: w, Members: members}
}

func registryBase() *checkertest.H {
	return (&checkertest.H{}).
		Inv(0, 0, "join", rm{Broker: "b1"}).OK(1, 0, "join", rm{Broker: "b1"}).
		Inv(0, 1, "join", rm{Broker: "b2"}).OK(2, 1, "join", rm{Broker: "b2"}).
		Inv(3, 9, "view", view("w1")).OK(4, 9, "view", view("w1", "b1", "b2")).
		Nemesis(5, "partition", "s1").
		Inv(6, 1, "expire", rm{Broker: "b2"}).OK(100, 1, "expire", rm{Broker: "b2"}).
		// a view shortly after expiry may still list b2 (within the bound)
		Inv(110, 9, "view", view("w1")).OK(111, 9, "view", view("w1", "b1", "b2")).
		Nemesis(200, "heal").
		// b3 joined, but its join is indeterminate: either view is fine
		Inv(201, 2, "join", rm{Broker: "b3"}).Info(202, 2, "join", nil).
		Inv(300, 9, "view", view("w1")).OK(301, 9, "view", view("w1", "b1")).
		Inv(300, 8, "view", view("w2")).OK(302, 8, "view", view("w2", "b1", "b3"))
}

func TestRegistryGood(t *testing.T) {
	r := Check(registryBase().History(t), Options{DetectionBound: 50})
	checkertest.WantValid(t, r)
	if r.Stats["detection_max_ns"] != 201 {
		t.Fatalf("detection of b2's expiry (at 100, first view without it done at 301): %v", r.Stats)
	}
}

func TestRegistryGhostMember(t *testing.T) {
	h := registryBase().
		Inv(400, 9, "view", view("w1")).OK(401, 9, "view", view("w1", "b1", "b2")).
		History(t)
	r := Check(h, Options{DetectionBound: 50})
	checkertest.WantAnomaly(t, r, "ghost-member")
	checkertest.WantAnomaly(t, r, "not-converged")
}

// A broker's re-join (or expire) still open long after the heal means an
// ephemeral of an ended session still holds its name (ZOOKEEPER-1208,
// -1367); one invoked within the bound of the end may just be slow.
func TestRegistryStuckMember(t *testing.T) {
	base := registryBase().
		Inv(400, 9, "view", view("w1")).OK(401, 9, "view", view("w1", "b1", "b3"))
	recent := base.Clone().
		Inv(390, 0, "join", rm{Broker: "b1"}).History(t)
	checkertest.WantValid(t, Check(recent, Options{DetectionBound: 50}))
	stuck := base.Clone().
		Inv(210, 0, "join", rm{Broker: "b1"}).History(t)
	checkertest.WantAnomaly(t, Check(stuck, Options{DetectionBound: 50}), "stuck-member")
}

func TestRegistryNotConverged(t *testing.T) {
	h := registryBase().
		Inv(400, 8, "view", view("w2")).OK(401, 8, "view", view("w2")).
		History(t)
	checkertest.WantAnomaly(t, Check(h, Options{DetectionBound: 50}), "not-converged")
}

func TestRegistryNoHealedViewIsUnknown(t *testing.T) {
	h := (&checkertest.H{}).
		Inv(0, 0, "join", rm{Broker: "b1"}).OK(1, 0, "join", rm{Broker: "b1"}).
		Inv(3, 9, "view", view("w1")).OK(4, 9, "view", view("w1", "b1")).
		Nemesis(5, "heal").
		History(t)
	checkertest.WantUnknown(t, Check(h, Options{}))
}
