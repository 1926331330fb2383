package config

import (
	"testing"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/checker/checkertest"
)

type cv = Value

func configBase() *checkertest.H {
	return (&checkertest.H{}).
		Inv(0, 0, "write", cv{Key: "t", Value: 1}).OK(1, 0, "write", cv{Key: "t", Value: 1}, checkertest.Zx(10)).
		Inv(2, 1, "observe", cv{Key: "t", Watcher: "w1"}).OK(3, 1, "observe", cv{Key: "t", Value: 1, Watcher: "w1", Mzxid: 10}).
		Inv(4, 0, "write", cv{Key: "t", Value: 2}).OK(5, 0, "write", cv{Key: "t", Value: 2}, checkertest.Zx(11)).
		Inv(6, 0, "write", cv{Key: "t", Value: 3}).OK(7, 0, "write", cv{Key: "t", Value: 3}, checkertest.Zx(12)).
		// w1 skipped 2 (one-shot watches): fine
		Inv(8, 1, "observe", cv{Key: "t", Watcher: "w1"}).OK(9, 1, "observe", cv{Key: "t", Value: 3, Watcher: "w1", Mzxid: 12}).
		Inv(8, 2, "observe", cv{Key: "t", Watcher: "w2"}).OK(9, 2, "observe", cv{Key: "t", Value: 0, Watcher: "w2"}).
		Inv(10, 2, "observe", cv{Key: "t", Watcher: "w2"}).OK(11, 2, "observe", cv{Key: "t", Value: 3, Watcher: "w2"})
}

func TestConfigGood(t *testing.T) {
	checkertest.WantValid(t, Check(configBase().History(t), Options{}))
	// an info write committed last: watchers converge on it
	h := configBase().
		Inv(20, 0, "write", cv{Key: "t", Value: 4}).Info(21, 0, "write", nil).
		Inv(22, 1, "observe", cv{Key: "t", Watcher: "w1"}).OK(23, 1, "observe", cv{Key: "t", Value: 4, Watcher: "w1", Mzxid: 13}).
		Inv(22, 2, "observe", cv{Key: "t", Watcher: "w2"}).OK(23, 2, "observe", cv{Key: "t", Value: 4, Watcher: "w2", Mzxid: 13}).
		History(t)
	checkertest.WantValid(t, Check(h, Options{}))
}

func TestConfigWatcherGoesBackwards(t *testing.T) {
	h := configBase().
		Inv(12, 1, "observe", cv{Key: "t", Watcher: "w1"}).OK(13, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 11}).
		Inv(14, 1, "observe", cv{Key: "t", Watcher: "w1"}).OK(15, 1, "observe", cv{Key: "t", Value: 3, Watcher: "w1", Mzxid: 12}).
		History(t)
	checkertest.WantAnomaly(t, Check(h, Options{}), "went-backwards")
}

func TestConfigNotConverged(t *testing.T) {
	h := configBase().
		Inv(12, 2, "observe", cv{Key: "t", Watcher: "w2"}).OK(13, 2, "observe", cv{Key: "t", Value: 2, Watcher: "w2"}).
		History(t)
	r := Check(h, Options{})
	checkertest.WantAnomaly(t, r, "not-converged")
	checkertest.WantAnomaly(t, r, "went-backwards")
	phantom := configBase().
		Inv(12, 2, "observe", cv{Key: "t", Watcher: "w2"}).OK(13, 2, "observe", cv{Key: "t", Value: 99, Watcher: "w2"}).
		History(t)
	checkertest.WantAnomaly(t, Check(phantom, Options{}), "phantom-value")
}

type cev = Event

// configWatchBase: w1 (process 1, events on process 91) reads t and u in
// session 7, arming watches; the writer (process 0) then changes t at 0x11.
func configWatchBase() *checkertest.H {
	s := checkertest.Sess(7)
	return (&checkertest.H{}).
		Inv(0, 0, "write", cv{Key: "t", Value: 1}).OK(1, 0, "write", cv{Key: "t", Value: 1}, checkertest.Zx(0x10)).
		Inv(2, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).OK(3, 1, "observe", cv{Key: "t", Value: 1, Watcher: "w1", Mzxid: 0x10}, s, checkertest.Zx(0x10)).
		Inv(4, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).OK(5, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, checkertest.Zx(0x10)).
		Inv(6, 0, "write", cv{Key: "t", Value: 2}).OK(7, 0, "write", cv{Key: "t", Value: 2}, checkertest.Zx(0x11))
}

// notify appends a watch event w1 received (for Then).
func notify(t int64, key string, session int64) func(*checkertest.H) *checkertest.H {
	return func(h *checkertest.H) *checkertest.H {
		e := cev{Key: key, Watcher: "w1", Event: "NodeDataChanged"}
		return h.Inv(t, 91, "notify", e, checkertest.Sess(session)).OK(t, 91, "notify", e, checkertest.Sess(session))
	}
}

func TestConfigEventBeforeNewerReply(t *testing.T) {
	s := checkertest.Sess(7)
	// the event, then the re-read
	h := configWatchBase().Then(notify(8, "t", 7)).
		Inv(9, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).OK(10, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, s, checkertest.Zx(0x11)).
		History(t)
	checkertest.WantValid(t, Check(h, Options{}))
	// a reply older than the change needs no event yet (a lagging server)
	h = configWatchBase().
		Inv(9, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).OK(10, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, checkertest.Zx(0x10)).
		History(t)
	noLostEvent(t, Check(h, Options{})) // (w1 has not converged yet)
	// a new session (the old one expired) holds no watches: no event owed
	h = configWatchBase().
		Inv(9, 1, "observe", cv{Key: "t", Watcher: "w1"}, checkertest.Sess(8)).OK(10, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, checkertest.Sess(8), checkertest.Zx(0x11)).
		History(t)
	checkertest.WantValid(t, Check(h, Options{}))
	// the change came after the watcher's last reply: nothing to judge
	noLostEvent(t, Check(configWatchBase().History(t), Options{}))
	// an event of another session does not count, but one event covers
	// several changes (watches are one-shot)
	h = configWatchBase().Then(notify(8, "t", 7)).
		Inv(9, 0, "write", cv{Key: "t", Value: 3}).OK(9, 0, "write", cv{Key: "t", Value: 3}, checkertest.Zx(0x12)).
		Inv(10, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).OK(11, 1, "observe", cv{Key: "t", Value: 3, Watcher: "w1", Mzxid: 0x12}, s, checkertest.Zx(0x12)).
		History(t)
	checkertest.WantValid(t, Check(h, Options{}))
}

func noLostEvent(t *testing.T, r checker.Result) {
	t.Helper()
	for _, a := range r.Anomalies {
		if a.Kind == "lost-event" {
			t.Fatalf("unexpected lost-event: %s", a.Explanation)
		}
	}
}

func TestConfigLostEvent(t *testing.T) {
	s := checkertest.Sess(7)
	// the watcher re-reads t (in its final phase, say) and sees the change
	// without ever hearing of it
	h := configWatchBase().
		Inv(9, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).OK(10, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, s, checkertest.Zx(0x11)).
		History(t)
	a := checkertest.WantAnomaly(t, Check(h, Options{}), "lost-event")
	if len(a.Ops) != 2 || a.Ops[0] != 3 || a.Ops[1] != 9 {
		t.Fatalf("lost-event should name t's watched read (3) and the covering reply (9): %v", a.Ops)
	}
	// a reply about another key already covers t's change: the event
	// SetWatches should have replayed on reconnection never came
	h = configWatchBase().
		Inv(9, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).OK(10, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, checkertest.Zx(0x13)).
		History(t)
	checkertest.WantAnomaly(t, Check(h, Options{}), "lost-event")
	// an event from another session does not count
	h = configWatchBase().Then(notify(8, "t", 9)).
		Inv(9, 1, "observe", cv{Key: "u", Watcher: "w1"}, s).OK(10, 1, "observe", cv{Key: "u", Value: 0, Watcher: "w1", Mzxid: 0x5}, s, checkertest.Zx(0x13)).
		History(t)
	checkertest.WantAnomaly(t, Check(h, Options{}), "lost-event")
	// an info write that took effect (observed by w2) counts as committed
	h = configWatchBase().
		Inv(8, 0, "write", cv{Key: "u", Value: 4}).Info(9, 0, "write", nil).
		Inv(10, 2, "observe", cv{Key: "u", Watcher: "w2"}, checkertest.Sess(3)).OK(11, 2, "observe", cv{Key: "u", Value: 4, Watcher: "w2", Mzxid: 0x12}, checkertest.Sess(3), checkertest.Zx(0x12)).
		Then(notify(12, "t", 7)).
		Inv(13, 1, "observe", cv{Key: "t", Watcher: "w1"}, s).OK(14, 1, "observe", cv{Key: "t", Value: 2, Watcher: "w1", Mzxid: 0x11}, s, checkertest.Zx(0x12)).
		History(t)
	checkertest.WantAnomaly(t, Check(h, Options{}), "lost-event")
}
