package durability

import (
	"testing"

	"github.com/zabsim/zabsim/checker/checkertest"
)

type dv = Value

func durabilityBase() *checkertest.H {
	return (&checkertest.H{}).
		Inv(0, 0, "write", dv{Key: "k1", Value: 1}).OK(1, 0, "write", dv{Key: "k1", Value: 1}, checkertest.Zx(5)).
		Inv(2, 0, "write", dv{Key: "k1", Value: 2}).OK(3, 0, "write", dv{Key: "k1", Value: 2}, checkertest.Zx(6)).
		Inv(4, 0, "write", dv{Key: "k2", Value: 1}).Info(5, 0, "write", nil).
		Inv(4, 1, "write", dv{Key: "k1", Value: 3}).Info(5, 1, "write", nil).
		Nemesis(10, "kill", "s1", "s2", "s3").
		Nemesis(20, "restart", "s1", "s2", "s3")
}

func TestDurability(t *testing.T) {
	good := durabilityBase().
		Inv(30, 0, "final-read", dv{Key: "k1"}).OK(31, 0, "final-read", dv{Key: "k1", Value: 2, Found: true}, checkertest.Node("s1")).
		Inv(30, 1, "final-read", dv{Key: "k1"}).OK(31, 1, "final-read", dv{Key: "k1", Value: 3, Found: true}, checkertest.Node("s2")).
		Inv(32, 0, "final-read", dv{Key: "k2"}).OK(33, 0, "final-read", dv{Key: "k2"}, checkertest.Node("s1"))
	checkertest.WantValid(t, Check(good.History(t)))

	older := durabilityBase().
		Inv(30, 0, "final-read", dv{Key: "k1"}).OK(31, 0, "final-read", dv{Key: "k1", Value: 1, Found: true}, checkertest.Node("s3")).
		History(t)
	checkertest.WantAnomaly(t, Check(older), "lost-write")

	missing := durabilityBase().
		Inv(30, 0, "final-read", dv{Key: "k1"}).OK(31, 0, "final-read", dv{Key: "k1"}, checkertest.Node("s3")).
		History(t)
	checkertest.WantAnomaly(t, Check(missing), "lost-write")

	checkertest.WantUnknown(t, Check(durabilityBase().History(t)))
}
