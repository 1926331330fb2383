package bank

import (
	"testing"

	"github.com/zabsim/zabsim/checker/checkertest"
)

func bankRead(b map[string]int64) Read { return Read{Balances: b} }

func TestBank(t *testing.T) {
	tr := Transfer{From: "a", To: "b", Amount: 3}
	good := (&checkertest.H{}).
		Inv(0, 0, "read", "{}").OK(1, 0, "read", bankRead(map[string]int64{"a": 10, "b": 0})).
		Inv(2, 1, "transfer", tr).OK(3, 1, "transfer", tr).
		Inv(4, 1, "transfer", tr).Info(5, 1, "transfer", nil).
		Inv(4, 2, "transfer", Transfer{From: "b", To: "a", Amount: 50}).Fail(5, 2, "transfer", nil, checkertest.ErrName("BADVERSION")).
		Inv(6, 0, "read", "{}").OK(7, 0, "read", bankRead(map[string]int64{"a": 4, "b": 6}))
	r := Check(good.History(t), Options{Total: 10, Accounts: 2})
	checkertest.WantValid(t, r)
	checkertest.WantValid(t, Check(good.Ops(), Options{})) // total inferred from the first read

	partial := good.Clone().
		Inv(8, 0, "read", "{}").OK(9, 0, "read", bankRead(map[string]int64{"a": 1, "b": 6})).
		History(t)
	checkertest.WantAnomaly(t, Check(partial, Options{Total: 10}), "wrong-total")

	negative := (&checkertest.H{}).Inv(0, 0, "read", "{}").OK(1, 0, "read", bankRead(map[string]int64{"a": -1, "b": 11})).History(t)
	checkertest.WantAnomaly(t, Check(negative, Options{Total: 10}), "negative-balance")

	checkertest.WantUnknown(t, Check((&checkertest.H{}).Inv(0, 0, "read", "{}").Info(1, 0, "read", nil).History(t), Options{Total: 10}))
}
