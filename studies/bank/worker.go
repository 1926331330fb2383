package bank

import (
	"fmt"
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// bank moves money between accounts /bank/a<i>. A transfer reads both
// balances (one multiRead), then applies both new balances in one multi of
// versioned setData ops, so a concurrent change to either account fails the
// whole multi with BADVERSION. Reads are one multiRead of every account: a
// read that sees half a transfer breaks the constant total.
type bank struct{ accounts int }

// InitialBalance is every account's balance when the history starts.
const InitialBalance = 100

// bankMaxAmount bounds one transfer.
const bankMaxAmount = 5

func newBank(_ int, cfg workloads.WorkerConfig) workloads.Driver {
	return &bank{accounts: max(cfg.Keys, 2)}
}

func bankAccount(i int) string    { return "a" + strconv.Itoa(i) }
func bankPath(acct string) string { return "/bank/" + acct }

func (k *bank) Setup() []workloads.Znode {
	nodes := []workloads.Znode{{Path: "/bank"}}
	for i := range k.accounts {
		nodes = append(nodes, workloads.Znode{Path: bankPath(bankAccount(i)), Data: []byte(strconv.Itoa(InitialBalance))})
	}
	return nodes
}

func (k *bank) Event(*workloads.Base, client.Event) {}

func (k *bank) Step(b *workloads.Base) {
	if b.Env().Rand().IntN(100) < 30 {
		k.read(b, func(bool) { b.Idle() })
		return
	}
	from := b.Env().Rand().IntN(k.accounts)
	to := (from + 1 + b.Env().Rand().IntN(k.accounts-1)) % k.accounts
	k.transfer(b, Transfer{From: bankAccount(from), To: bankAccount(to), Amount: 1 + b.Env().Rand().Int64N(bankMaxAmount)})
}

func (k *bank) Final(b *workloads.Base, done func()) { k.finalRead(b, 0, done) }

func (k *bank) finalRead(b *workloads.Base, attempt int, done func()) {
	k.read(b, func(ok bool) {
		if !ok && attempt+1 < workloads.MaxFinalAttempts {
			b.After(workloads.RetryDelay, func() { k.finalRead(b, attempt+1, done) })
			return
		}
		done()
	})
}

// read records f "read" of all accounts; then learns whether it was ok.
func (k *bank) read(b *workloads.Base, then func(ok bool)) {
	b.Invoke(history.FRead, Read{})
	paths := make([]string, k.accounts)
	for i := range paths {
		paths[i] = bankPath(bankAccount(i))
	}
	readBalances(b, paths, func(res client.Result, balances []int64, bad string) {
		if bad != "" {
			b.Complete(history.Fail, nil, &res, bad)
			then(false)
			return
		}
		if balances == nil {
			b.Complete(workloads.ReadOutcome(res), nil, &res, "")
			then(false)
			return
		}
		m := make(map[string]int64, k.accounts)
		for i, v := range balances {
			m[bankAccount(i)] = v
		}
		b.Complete(history.OK, Read{Balances: m}, &res, "")
		then(true)
	})
}

// transfer records one transfer: read both balances, then a versioned
// multi. Nothing is written before the multi, so any failure before it is
// a certain fail.
func (k *bank) transfer(b *workloads.Base, t Transfer) {
	b.Invoke(FTransfer, t)
	from, to := bankPath(t.From), bankPath(t.To)
	readBalances(b, []string{from, to}, func(res client.Result, bal []int64, bad string) {
		switch {
		case bad != "":
			b.Complete(history.Fail, nil, &res, bad)
		case bal == nil:
			b.Complete(history.Fail, nil, &res, "")
		case bal[0] < t.Amount:
			b.Complete(history.Fail, nil, &res, "INSUFFICIENT")
		default:
			k.apply(b, t, bal, versionsOf(res))
			return
		}
		b.Idle()
	})
}

func (k *bank) apply(b *workloads.Base, t Transfer, bal []int64, versions []int32) {
	ops := []wire.Request{
		&wire.SetDataRequest{Path: bankPath(t.From), Data: []byte(strconv.FormatInt(bal[0]-t.Amount, 10)), Version: versions[0]},
		&wire.SetDataRequest{Path: bankPath(t.To), Data: []byte(strconv.FormatInt(bal[1]+t.Amount, 10)), Version: versions[1]},
	}
	b.Client().Multi(ops, func(res client.Result) {
		b.Complete(workloads.WriteOutcome(res), nil, &res, "")
		b.Idle()
	})
}

func versionsOf(res client.Result) []int32 {
	out := make([]int32, len(res.Multi))
	for i, m := range res.Multi {
		if m.Stat != nil {
			out[i] = m.Stat.Version
		}
	}
	return out
}

// readBalances reads paths in one multiRead. It reports balances (nil if
// the read failed; res says why) or bad, a description of a reply that
// makes no sense (missing results, unparsable data).
func readBalances(b *workloads.Base, paths []string, then func(res client.Result, balances []int64, bad string)) {
	ops := make([]wire.Request, len(paths))
	for i, p := range paths {
		ops[i] = &wire.GetDataRequest{Path: p}
	}
	b.Client().MultiRead(ops, func(res client.Result) {
		if res.Err != wire.ErrOK {
			then(res, nil, "")
			return
		}
		if len(res.Multi) != len(paths) {
			then(res, nil, fmt.Sprintf("BADREPLY %d results for %d reads", len(res.Multi), len(paths)))
			return
		}
		out := make([]int64, len(paths))
		for i, m := range res.Multi {
			if m.Err != wire.ErrOK || m.Stat == nil {
				then(res, nil, fmt.Sprintf("BADREPLY %s: %s", paths[i], m.Err.Name()))
				return
			}
			v, err := strconv.ParseInt(string(m.Data), 10, 64)
			if err != nil {
				then(res, nil, fmt.Sprintf("BADDATA %s %q", paths[i], m.Data))
				return
			}
			out[i] = v
		}
		then(res, out, "")
	})
}
