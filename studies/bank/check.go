package bank

import (
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/history"
)

// Options configures the bank checker.
type Options struct {
	// Total is the constant sum of all balances. Zero means: take it from
	// the first ok read (reported in Stats["total"]).
	Total int64
	// Accounts is how many accounts every read must show (0: not checked).
	Accounts int
	_        struct{}
}

// Check judges multi-based bank transfers: every ok read shows all
// accounts, no negative balance, and balances summing to the constant total —
// a read that sees one side of a transfer but not the other (a non-atomic
// multi) breaks the sum.
func Check(ops []history.Op, opts Options) checker.Result {
	r := checker.NewReport("bank")
	total, haveTotal := opts.Total, opts.Total != 0
	for _, p := range checker.CompletedInOrder(history.Pairs(ops)) {
		if p.Type() != history.OK {
			continue
		}
		switch p.Invoke.F {
		case FTransfer:
			r.Counts["transfers:ok"]++
			continue
		case history.FRead:
		default:
			continue
		}
		var v Read
		if err := p.Complete.Decode(&v); err != nil {
			checker.Malformed(r, p, err)
			continue
		}
		r.Counts["reads:ok"]++
		sum := checkBalances(r, p, v, opts)
		if !haveTotal {
			total, haveTotal = sum, true
			continue
		}
		if sum != total {
			r.FlagOps("wrong-total", []int{p.Complete.Index}, "read %v sums to %d, not %d: a transfer was seen in part", v.Balances, sum, total)
		}
	}
	if r.Counts["reads:ok"] == 0 {
		r.Doubt("no ok read to check")
	}
	r.Stats["total"] = float64(total)
	return r.Done()
}

func checkBalances(r *checker.Report, p history.Pair, v Read, opts Options) int64 {
	accounts := make([]string, 0, len(v.Balances))
	for a := range v.Balances {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	var sum int64
	for _, a := range accounts {
		sum += v.Balances[a]
		if v.Balances[a] < 0 {
			r.FlagOps("negative-balance", []int{p.Complete.Index}, "account %q has balance %d", a, v.Balances[a])
		}
	}
	if opts.Accounts > 0 && len(accounts) != opts.Accounts {
		r.FlagOps("missing-account", []int{p.Complete.Index}, "read shows %d accounts, want %d", len(accounts), opts.Accounts)
	}
	return sum
}
