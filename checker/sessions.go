package checker

import (
	"time"

	"github.com/zabsim/zabsim/history"
)

// CheckSessions holds every server to ZooKeeper's promise about a closed
// session: once the quorum has committed a session's closing (its expiry or
// the client's closeSession), no operation of that session succeeds. The
// history says when the quorum committed it through cluster records
// (history.FSessionClosed: session, zxid, time); a client operation of that
// session invoked after that time whose completion is ok is a violation
// ("op-after-close"): a server answered for a session the ensemble had
// already ended — for example a leader that was stopped, deposed and
// resumed and went on serving from its old state.
//
// Why it is sound: an operation invoked after the commit could only succeed
// on a server that has not applied the close, that is one that lost touch
// with the quorum. A correct server stops serving within syncLimit of
// losing its leader, and a leader within syncLimit of losing its quorum,
// measured on a clock that runs while the process is stopped; the new
// leader cannot commit a session's expiry before the session's timeout has
// run from its own takeover. The rule therefore assumes session timeouts
// longer than twice syncLimit (the simulator's scenarios use 2 s against
// 1 s), as ZooKeeper's defaults give (2 × tickTime minimum vs syncLimit).
// That argument needs clocks that run at the right rate: a clock-rate fault
// (a nemesis record "clock rate") lets a server sleep through its
// deadlines, and a fast leader expire a session its client still uses. In
// such a history only what holds whatever the clocks do is checked: an op
// answered with a reply zxid at or past the close's ("served-after-apply":
// the server had applied the close and answered anyway). Counts say which
// rule applied ("timing-rule" 1 or 0).
//
// Only completions that name the server that answered are judged (a
// worker's own records, such as a leader stepping down when told its
// session expired, name none). Operations invoked before the commit may
// complete ok (concurrency), and
// a session with no cluster record constrains nothing, so a history without
// cluster records (the live tier) is trivially valid; Counts["closed"] says
// how many closings the verdict rests on.
func CheckSessions(ops []history.Op) Result {
	r := NewReport("sessions")
	closedAt := map[int64]history.Op{}
	timing := true
	for _, op := range ops {
		if op.IsCluster() && op.F == history.FSessionClosed && op.Session != 0 {
			if _, seen := closedAt[op.Session]; !seen {
				closedAt[op.Session] = op
			}
		}
		if op.IsNemesis() && op.F == "clock rate" {
			timing = false
		}
	}
	r.Counts["closed"] = len(closedAt)
	r.Counts["timing-rule"] = 0
	if timing {
		r.Counts["timing-rule"] = 1
	}
	checked := 0
	for _, p := range history.Pairs(ops) {
		s := p.Session()
		if s == 0 {
			continue
		}
		c, closed := closedAt[s]
		// Only a server's answer counts: a completion that names no
		// server is the worker's own record (a leader stepping down on
		// its expiry, a lock holder's "lost").
		if !closed || p.Invoke.Time <= c.Time || p.Complete.Node == "" {
			continue
		}
		checked++
		if p.Type() != history.OK {
			continue
		}
		switch {
		case p.Complete.Zxid >= c.Zxid:
			r.FlagOps("served-after-apply", []int{c.Index, p.Invoke.Index, p.Complete.Index},
				"%s of session %#x invoked at %s succeeded on %s at zxid %#x, a state that already holds the session's close (zxid %#x, committed at %s on %s)",
				p.Invoke.F, s, fmtNS(p.Invoke.Time), nodeOr(p.Complete.Node), p.Complete.Zxid, c.Zxid, fmtNS(c.Time), nodeOr(c.Node))
		case timing:
			r.FlagOps("op-after-close", []int{c.Index, p.Invoke.Index, p.Complete.Index},
				"%s of session %#x invoked at %s succeeded on %s (state at zxid %#x), after the quorum closed the session (zxid %#x at %s on %s)",
				p.Invoke.F, s, fmtNS(p.Invoke.Time), nodeOr(p.Complete.Node), p.Complete.Zxid, c.Zxid, fmtNS(c.Time), nodeOr(c.Node))
		}
	}
	r.Counts["ops-after-close"] = checked
	return r.Done()
}

// Sessions returns CheckSessions as a Checker.
func Sessions() Checker { return CheckSessions }

// fmtNS prints a history time (ns since the run's start) as a duration.
func fmtNS(ns int64) string { return time.Duration(ns).String() }

func nodeOr(n string) string {
	if n == "" {
		return "an unknown server"
	}
	return n
}
