package sequential

import (
	"testing"

	"github.com/zabsim/zabsim/checker/checkertest"
)

type sv = Value

func TestSequential(t *testing.T) {
	good := (&checkertest.H{}).
		Inv(0, 0, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(1)).OK(1, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000000"}, checkertest.Sess(1)).
		Inv(0, 1, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(2)).OK(2, 1, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000001"}, checkertest.Sess(2)).
		Inv(3, 0, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(1)).Info(4, 0, "create", nil, checkertest.Sess(1)).
		Inv(5, 0, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(1)).OK(6, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000003"}, checkertest.Sess(1))
	checkertest.WantValid(t, Check(good.History(t)))

	dup := good.Clone().
		Inv(7, 1, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(2)).OK(8, 1, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000003"}, checkertest.Sess(2)).
		History(t)
	checkertest.WantAnomaly(t, Check(dup), "duplicate-name")

	backwards := good.Clone().
		Inv(7, 0, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(1)).OK(8, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-0000000002"}, checkertest.Sess(1)).
		History(t)
	checkertest.WantAnomaly(t, Check(backwards), "non-monotonic")

	badName := (&checkertest.H{}).Inv(0, 0, "create", sv{Prefix: "/s/n-"}).OK(1, 0, "create", sv{Prefix: "/s/n-", Name: "/s/n-12"}).History(t)
	checkertest.WantAnomaly(t, Check(badName), "bad-name")

	// A sequential create never collides on a correct server (ZOOKEEPER-1046).
	collision := good.Clone().
		Inv(7, 1, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(2)).Fail(8, 1, "create", nil, checkertest.ErrName("NODEEXISTS"), checkertest.Sess(2)).
		History(t)
	checkertest.WantAnomaly(t, Check(collision), "name-collision")

	// A client never sees SESSIONMOVED on its own connection (ZOOKEEPER-710).
	moved := good.Clone().
		Inv(7, 1, "create", sv{Prefix: "/s/n-"}, checkertest.Sess(2)).Fail(8, 1, "create", nil, checkertest.ErrName("SESSIONMOVED"), checkertest.Sess(2)).
		History(t)
	checkertest.WantAnomaly(t, Check(moved), "session-moved")
}
