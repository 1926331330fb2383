package checker

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/history"
)

func TestLinearizableGood(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil)).
		inv(1, 1, "sync-read", reg("a", nil, nil)).
		ok(5, 1, "sync-read", reg("a", i64(1), i32(1)), zx(0x100000002)).
		ok(6, 0, "write", reg("a", i64(1), i32(1)), zx(0x100000001)).
		// info write that took effect: a later read sees it
		inv(7, 0, "write", reg("a", i64(2), nil)).
		info(9, 0, "write", nil, errName("CONNECTIONLOSS")).
		// info cas that never took effect
		inv(10, 2, "cas", history.RegisterValue{Key: "a", Value: i64(9), Expect: i32(0)}).
		info(11, 2, "cas", nil, errName("timeout")).
		inv(12, 1, "sync-read", reg("a", nil, nil)).
		ok(13, 1, "sync-read", reg("a", i64(2), i32(2)), zx(0x100000004)).
		inv(14, 3, "cas", history.RegisterValue{Key: "a", Value: i64(3), Expect: i32(2)}).
		ok(15, 3, "cas", history.RegisterValue{Key: "a", Value: i64(3), Expect: i32(2), Version: i32(3)}, zx(0x100000005)).
		// a plain stale read is not judged by default (ZooKeeper allows it)
		inv(16, 1, "read", reg("a", nil, nil)).
		ok(17, 1, "read", reg("a", i64(1), i32(1))).
		// an invocation that never completed
		inv(18, 4, "write", reg("a", i64(4), nil)).
		history(t)
	r := CheckLinearizable(h, LinearOptions{})
	wantValid(t, r)
	if r.Counts["keys:fast-path"] != 1 || r.Counts["keys:porcupine"] != 0 {
		t.Fatalf("fast path should have verified the key: %v", r.Counts)
	}
	wantValid(t, CheckLinearizable(h, LinearOptions{NoFastPath: true}))
}

func TestLinearizableStaleSyncRead(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil)).
		ok(1, 0, "write", reg("a", i64(1), i32(1)), zx(5)).
		inv(2, 1, "sync-read", reg("a", nil, nil)).
		ok(3, 1, "sync-read", reg("a", i64(0), i32(0)), zx(4)).
		history(t)
	for noFast, kind := range map[bool]string{false: "stale-read", true: "nonlinearizable"} {
		r := CheckLinearizable(h, LinearOptions{NoFastPath: noFast})
		a := wantAnomaly(t, r, kind)
		if !strings.Contains(a.Explanation, `"a"`) {
			t.Fatalf("explanation should name the key: %q", a.Explanation)
		}
	}
}

func TestLinearizableLostWrite(t *testing.T) {
	// Two acknowledged writes, then a read that shows only the first: the
	// second write was lost.
	h := (&hb{}).
		inv(0, 0, "write", reg("k", i64(1), nil)).
		ok(1, 0, "write", reg("k", i64(1), i32(1)), zx(10)).
		inv(2, 0, "write", reg("k", i64(2), nil)).
		ok(3, 0, "write", reg("k", i64(2), i32(2)), zx(11)).
		inv(4, 1, "sync-read", reg("k", nil, nil)).
		ok(5, 1, "sync-read", reg("k", i64(1), i32(1)), zx(12)).
		history(t)
	wantAnomaly(t, CheckLinearizable(h, LinearOptions{}), "stale-read")
	wantAnomaly(t, CheckLinearizable(h, LinearOptions{NoFastPath: true}), "nonlinearizable")
}

func TestLinearizableDuplicateVersion(t *testing.T) {
	// Two concurrent writes both claim version 1: one of them was not
	// applied on top of the other.
	h := (&hb{}).
		inv(0, 0, "write", reg("k", i64(1), nil)).
		inv(0, 1, "write", reg("k", i64(2), nil)).
		ok(3, 0, "write", reg("k", i64(1), i32(1)), zx(10)).
		ok(3, 1, "write", reg("k", i64(2), i32(1)), zx(11)).
		history(t)
	wantAnomaly(t, CheckLinearizable(h, LinearOptions{}), "duplicate-version")
	wantAnomaly(t, CheckLinearizable(h, LinearOptions{NoFastPath: true}), "nonlinearizable")
}

func TestLinearizableFallsBackToPorcupine(t *testing.T) {
	// No versions on writes: the fast path cannot slot them, Porcupine can
	// still prove the history linearizable.
	h := (&hb{}).
		inv(0, 0, "write", reg("k", i64(1), nil)).
		ok(1, 0, "write", reg("k", i64(1), nil)).
		inv(2, 1, "sync-read", reg("k", nil, nil)).
		ok(3, 1, "sync-read", reg("k", i64(1), i32(1))).
		history(t)
	r := CheckLinearizable(h, LinearOptions{})
	wantValid(t, r)
	if r.Counts["keys:porcupine"] != 1 {
		t.Fatalf("expected the Porcupine fallback: %v", r.Counts)
	}
}

func TestLinearizableTimeoutIsUnknown(t *testing.T) {
	ops := genRegisterHistory(genOptions{ops: 4000, keys: 1, clients: 20, infoPercent: 10, seed: 3})
	r := CheckLinearizable(ops, LinearOptions{NoFastPath: true, Timeout: time.Nanosecond})
	wantUnknown(t, r)
}

func TestLinearizableMalformedIsUnknown(t *testing.T) {
	h := (&hb{}).inv(0, 0, "cas", `{"key":"k","value":1}`).ok(1, 0, "cas", `{"key":"k"}`).history(t)
	wantUnknown(t, CheckLinearizable(h, LinearOptions{}))
}

func TestLinearizableVisualization(t *testing.T) {
	h := (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil)).
		ok(1, 0, "write", reg("a", i64(1), i32(1)), zx(5)).
		inv(2, 1, "sync-read", reg("a", nil, nil)).
		ok(3, 1, "sync-read", reg("a", i64(0), i32(0))).
		history(t)
	for _, good := range []bool{true, false} {
		ops := h
		if good {
			ops = h[:2]
		}
		var buf bytes.Buffer
		r := CheckLinearizable(ops, LinearOptions{Visualization: &buf})
		if good != (r.Valid == Valid) {
			t.Fatalf("verdict %s", r.Valid)
		}
		if !strings.Contains(buf.String(), "<html") || !strings.Contains(buf.String(), "write(a, 1)") {
			t.Fatalf("visualization missing or without op descriptions (%d bytes)", buf.Len())
		}
	}
}

// TestLinearizableVisualizationBounded: a history over MaxVisualizedOps
// gets a page saying the timeline is skipped (Porcupine's verbose search of
// it ran out of memory), and the same verdict as without a visualization.
func TestLinearizableVisualizationBounded(t *testing.T) {
	ops := genRegisterHistory(genOptions{ops: MaxVisualizedOps * 3 / 2, keys: 3, clients: 12, infoPercent: 5, seed: 4})
	var buf bytes.Buffer
	r := CheckLinearizable(ops, LinearOptions{Visualization: &buf})
	wantValid(t, r)
	if r.Counts["visualization:skipped"] != 1 || !strings.Contains(buf.String(), "timeline is drawn for register histories of at most") {
		t.Fatalf("a %d-op history was visualized (%d bytes, counts %v)", r.Counts["ops"], buf.Len(), r.Counts)
	}
	if r.Counts["ops"] <= MaxVisualizedOps {
		t.Fatalf("the generated history has only %d register ops", r.Counts["ops"])
	}
}

// TestFastPathAgreesWithPorcupine: on generated linearizable histories the
// fast path verifies every key, and corrupting one sync-read (an older
// version) is caught whichever path runs.
func TestFastPathAgreesWithPorcupine(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		ops := genRegisterHistory(genOptions{ops: 3000, keys: 5, clients: 12, infoPercent: 15, seed: seed})
		r := CheckLinearizable(ops, LinearOptions{})
		wantValid(t, r)
		if r.Counts["keys:porcupine"] != 0 {
			t.Fatalf("seed %d: fast path failed on a valid history: %v", seed, r.Counts)
		}
		bad := corruptSyncRead(t, ops)
		wantAnomaly(t, CheckLinearizable(bad, LinearOptions{}), "phantom-read")
	}
	// Porcupine's search blows up on many info ops (each may apply anywhere
	// after its call), so the cross-check against it uses few.
	for seed := uint64(1); seed <= 5; seed++ {
		ops := genRegisterHistory(genOptions{ops: 600, keys: 3, clients: 8, infoPercent: 3, seed: seed})
		wantValid(t, CheckLinearizable(ops, LinearOptions{}))
		wantValid(t, CheckLinearizable(ops, LinearOptions{NoFastPath: true, Timeout: 10 * time.Second}))
		wantAnomaly(t, CheckLinearizable(corruptSyncRead(t, ops), LinearOptions{NoFastPath: true, Timeout: 10 * time.Second}), "nonlinearizable")
	}
}

// corruptSyncRead rewrites the last ok sync-read that saw version >= 2 to
// Report the previous write's version (value unknown to it: use a value
// no write wrote, so the history is certainly not linearizable).
func corruptSyncRead(t *testing.T, ops []history.Op) []history.Op {
	t.Helper()
	out := append([]history.Op(nil), ops...)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].F != history.FSyncRead || out[i].Type != history.OK {
			continue
		}
		var v history.RegisterValue
		if err := out[i].Decode(&v); err != nil {
			t.Fatal(err)
		}
		if *v.Version < 2 {
			continue
		}
		v.Value = i64(-1)
		out[i].Value = mustJSON(v)
		return out
	}
	t.Fatal("no sync-read to corrupt")
	return nil
}
