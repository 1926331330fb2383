package checker

import (
	"testing"

	"github.com/zabsim/zabsim/history"
)

// zxidBase is a good history: session 1 writes and reads, session 2 reads
// stale-but-committed state (allowed for plain reads), a watch fires before
// the read that shows the change, and an info write is observed.
func zxidBase() *hb {
	return (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil), sess(1)).
		ok(1, 0, "write", reg("a", i64(1), i32(1)), zx(10), sess(1)).
		inv(2, 1, "read", history.RegisterValue{Key: "a", Watch: true}, sess(2)).
		ok(3, 1, "read", history.RegisterValue{Key: "a", Value: i64(0), Version: i32(0), Watch: true}, zx(9), sess(2)).
		inv(4, 0, "write", reg("a", i64(2), nil), sess(1)).
		info(5, 0, "write", nil, errName("CONNECTIONLOSS"), sess(1)).
		inv(6, 1, "watch-event", history.WatchEventValue{Key: "a", Event: "NodeDataChanged"}, sess(2)).
		ok(6, 1, "watch-event", history.WatchEventValue{Key: "a", Event: "NodeDataChanged"}, sess(2)).
		inv(7, 1, "read", reg("a", nil, nil), sess(2)).
		ok(8, 1, "read", reg("a", i64(1), i32(1)), zx(10), sess(2)).
		inv(9, 1, "read", reg("a", nil, nil), sess(2)).
		ok(10, 1, "read", reg("a", i64(2), i32(2)), zx(12), sess(2)).
		inv(11, 0, "read", reg("a", nil, nil), sess(1)).
		ok(12, 0, "read", reg("a", i64(2), i32(2)), zx(13), sess(1))
}

func TestZxidOrderGood(t *testing.T) {
	r := CheckZxidOrder(zxidBase().history(t))
	wantValid(t, r)
	if r.Counts["sessions"] != 2 {
		t.Fatalf("sessions: %v", r.Counts)
	}
}

func TestZxidOrderGeneratedHistoriesPass(t *testing.T) {
	ops := genRegisterHistory(genOptions{ops: 5000, keys: 10, clients: 10, infoPercent: 10, seed: 9})
	wantValid(t, CheckZxidOrder(ops))
}

func TestZxidOrderZxidBackwards(t *testing.T) {
	h := zxidBase().
		inv(13, 0, "read", reg("a", nil, nil), sess(1)).
		ok(14, 0, "read", reg("a", i64(2), i32(2)), zx(11), sess(1)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h), "zxid-backwards")
}

func TestZxidOrderOwnWriteNotSeen(t *testing.T) {
	// Session 1 wrote version 1, then read version 0: older than its own write.
	h := (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil), sess(1)).
		ok(1, 0, "write", reg("a", i64(1), i32(1)), zx(10), sess(1)).
		inv(2, 0, "read", reg("a", nil, nil), sess(1)).
		ok(3, 0, "read", reg("a", i64(0), i32(0)), sess(1)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h), "stale-read")
}

func TestZxidOrderReadNotCommittedStateAtItsZxid(t *testing.T) {
	// The read claims zxid 12 but returns version 1, although version 2 was
	// committed at zxid 11: that state never existed at zxid 12.
	h := (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil)).
		ok(1, 0, "write", reg("a", i64(1), i32(1)), zx(10)).
		inv(2, 0, "write", reg("a", i64(2), nil)).
		ok(3, 0, "write", reg("a", i64(2), i32(2)), zx(11)).
		inv(4, 1, "read", reg("a", nil, nil)).
		ok(5, 1, "read", reg("a", i64(1), i32(1)), zx(12)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h), "stale-read")
	// and a read of a value nobody wrote
	h2 := (&hb{}).
		inv(0, 0, "write", reg("a", i64(1), nil)).
		ok(1, 0, "write", reg("a", i64(1), i32(1)), zx(10)).
		inv(2, 1, "read", reg("a", nil, nil)).
		ok(3, 1, "read", reg("a", i64(7), i32(1)), zx(10)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h2), "phantom-read")
}

func TestZxidOrderFIFO(t *testing.T) {
	// Two processes share session 5; the later invocation completes first.
	h := (&hb{}).
		inv(0, 0, "read", reg("a", nil, nil), sess(5)).
		inv(1, 1, "read", reg("a", nil, nil), sess(5)).
		ok(2, 1, "read", reg("a", i64(0), i32(0)), zx(3), sess(5)).
		ok(3, 0, "read", reg("a", i64(0), i32(0)), zx(3), sess(5)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h), "fifo")
}

func TestZxidOrderEventAfterData(t *testing.T) {
	// The watch armed at version 0; the session reads version 1 before the
	// event arrives.
	h := (&hb{}).
		inv(0, 1, "read", history.RegisterValue{Key: "a", Watch: true}, sess(2)).
		ok(1, 1, "read", history.RegisterValue{Key: "a", Value: i64(0), Version: i32(0), Watch: true}, zx(9), sess(2)).
		inv(2, 0, "write", reg("a", i64(1), nil), sess(1)).
		ok(3, 0, "write", reg("a", i64(1), i32(1)), zx(10), sess(1)).
		inv(4, 1, "read", reg("a", nil, nil), sess(2)).
		ok(5, 1, "read", reg("a", i64(1), i32(1)), zx(10), sess(2)).
		inv(6, 1, "watch-event", history.WatchEventValue{Key: "a", Event: "NodeDataChanged"}, sess(2)).
		ok(6, 1, "watch-event", history.WatchEventValue{Key: "a", Event: "NodeDataChanged"}, sess(2)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h), "event-after-data")

	// With the event's zxid known, any earlier reply at or past it is enough.
	h2 := (&hb{}).
		inv(0, 1, "read", reg("b", nil, nil), sess(2)).
		ok(1, 1, "read", reg("b", i64(0), i32(0)), zx(12), sess(2)).
		inv(2, 1, "watch-event", history.WatchEventValue{Key: "a", Event: "NodeDataChanged"}, sess(2)).
		ok(2, 1, "watch-event", history.WatchEventValue{Key: "a", Event: "NodeDataChanged"}, zx(11), sess(2)).
		history(t)
	wantAnomaly(t, CheckZxidOrder(h2), "event-after-data")
}
