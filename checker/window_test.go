package checker

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/history"
)

// appendPair appends an invoke and its ok completion of process p to h.
func appendPair(h []history.Op, p int, f string, call, ret int64, in, out history.RegisterValue) []history.Op {
	inv := history.Op{Index: len(h), Time: call, Process: p, Type: history.Invoke, F: f, Value: mustJSON(in)}
	ok := history.Op{Index: len(h) + 1, Time: ret, Process: p, Type: history.OK, F: f, Value: mustJSON(out)}
	return append(h, inv, ok)
}

// TestLinearWindowOfLongHistory: a stale read at the end of a history far
// too long for Porcupine's whole timeline gets a window of the two ops the
// anomaly cites, confirmed on its own, and timeline.html draws it.
func TestLinearWindowOfLongHistory(t *testing.T) {
	h := genRegisterHistory(genOptions{ops: 6000, keys: 2, clients: 6, seed: 3})
	end := history.EndTime(h)
	// A write of k0 that completes, then a sync-read of k0 that returns
	// the initial value.
	h = appendPair(h, 100, history.FWrite, end+10, end+20, reg("k0", i64(-7), nil), reg("k0", i64(-7), i32(10_000)))
	h = appendPair(h, 101, history.FSyncRead, end+30, end+40, reg("k0", nil, nil), reg("k0", i64(0), i32(0)))
	var viz bytes.Buffer
	r := CheckLinearizable(h, LinearOptions{Visualization: &viz})
	if r.Valid != Invalid || r.Counts["ops"] <= MaxVisualizedOps {
		t.Fatalf("want an invalid verdict on > %d ops; got %v on %d", MaxVisualizedOps, r.Valid, r.Counts["ops"])
	}
	ws := LinearWindows(h, r)
	if len(ws) != 1 || ws[0].Key != "k0" || !ws[0].Confirmed || ws[0].FromStart {
		t.Fatalf("windows: %+v", ws)
	}
	var idx []int
	for _, op := range ws[0].Ops {
		idx = append(idx, op.Index)
	}
	if !slices.Contains(idx, len(h)-4) || !slices.Contains(idx, len(h)-2) || len(idx) > 10 {
		t.Fatalf("window ops %v: want the write %d and the read %d, and few others", idx, len(h)-4, len(h)-2)
	}
	if r.Counts["visualization:windows"] != 1 || strings.Contains(viz.String(), "skipped") || !strings.Contains(viz.String(), "k0") || !strings.Contains(viz.String(), "process 101") {
		t.Fatalf("timeline of a long failing history is not a drawing of its window (counts %v): %.300s", r.Counts, viz.String())
	}
}

// TestLinearWindowGrowsBackwards: Porcupine cites only the read no order
// can place; on its own it is legal, so the window takes in the write
// before it, which makes it fail.
func TestLinearWindowGrowsBackwards(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "write", reg("a", i64(5), nil)).
		ok(1, 0, "write", reg("a", i64(5), i32(1)), zx(5)).
		inv(10, 1, "sync-read", reg("a", nil, nil)).
		ok(11, 1, "sync-read", reg("a", i64(0), i32(0)), zx(4)).
		history(t)
	r := CheckLinearizable(h, LinearOptions{NoFastPath: true})
	a := wantAnomaly(t, r, "nonlinearizable")
	if !slices.Equal(a.Ops, []int{2}) {
		t.Fatalf("Porcupine cites %v, want only the read [2]", a.Ops)
	}
	ws := LinearWindows(h, r)
	if len(ws) != 1 || !ws[0].Confirmed || !ws[0].FromStart || len(ws[0].Ops) != 2 || ws[0].Ops[0].Index != 0 || ws[0].Ops[0].Cited || !ws[0].Ops[1].Cited {
		t.Fatalf("window %+v: want the uncited write then the cited read, confirmed", ws)
	}
}

// TestLinearWindowsOnlyFailingKeys: a valid result has no windows.
func TestLinearWindowsOnlyFailingKeys(t *testing.T) {
	h := genRegisterHistory(genOptions{ops: 300, keys: 3, clients: 4, seed: 1})
	r := CheckLinearizable(h, LinearOptions{})
	wantValid(t, r)
	if ws := LinearWindows(h, r); len(ws) != 0 {
		t.Fatalf("valid history has windows %+v", ws)
	}
}

// TestLinearWindowUnconfirmed: cited ops that a legal order explains (a
// result that names ops without a violation among them) get a window
// around them, marked unconfirmed, never grown past maxWindowOps.
func TestLinearWindowUnconfirmed(t *testing.T) {
	h := genRegisterHistory(genOptions{ops: 2000, keys: 1, clients: 8, seed: 2})
	var cite int
	for _, op := range h[len(h)/2:] {
		if op.Type == history.Invoke && op.F == history.FWrite {
			cite = op.Index
			break
		}
	}
	r := Result{Name: "linearizable", Valid: Invalid, Anomalies: []Anomaly{{Kind: "nonlinearizable", Ops: []int{cite}}}}
	ws := LinearWindows(h, r)
	if len(ws) != 1 || ws[0].Confirmed || len(ws[0].Ops) == 0 || len(ws[0].Ops) > maxWindowOps {
		t.Fatalf("windows %+v: want one unconfirmed window of at most %d ops", ws, maxWindowOps)
	}
	if !slices.ContainsFunc(ws[0].Ops, func(o WindowOp) bool { return o.Index == cite && o.Cited }) || len(ws[0].Ops) > 20 {
		t.Fatalf("window of %d ops does not hold the cited op %d, or holds more than its neighbours", len(ws[0].Ops), cite)
	}
}

// TestLinearWindowSound: a window of a linearizable history is never
// confirmed, wherever the cited ops are — a confirmed window claims that
// its ops alone prove a violation. (Before windows were closed under
// concurrency, a read overlapping the window's start was kept while the
// writes it raced were cut away, and a legal history got a "confirmed"
// window.)
func TestLinearWindowSound(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		h := genRegisterHistory(genOptions{ops: 400, keys: 2, clients: 6, infoPercent: 5, seed: seed})
		r := CheckLinearizable(h, LinearOptions{})
		wantValid(t, r)
		var invokes []int
		for _, op := range h {
			if op.Type == history.Invoke && op.F != history.FRead {
				invokes = append(invokes, op.Index)
			}
		}
		for k := 0; k < 6; k++ {
			a, b := invokes[(int(seed)*31+k*97)%len(invokes)], invokes[(int(seed)*17+k*53)%len(invokes)]
			cited := Result{Name: "linearizable", Valid: Invalid, Anomalies: []Anomaly{{Kind: "nonlinearizable", Ops: []int{a, b}}}}
			for _, w := range LinearWindows(h, cited) {
				if w.Confirmed {
					t.Fatalf("seed %d: a window of a linearizable history is confirmed (cited %d, %d): %+v", seed, a, b, w)
				}
			}
		}
	}
}
