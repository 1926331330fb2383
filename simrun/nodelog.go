package simrun

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zabsim/zabsim/nemesis"
	"github.com/zabsim/zabsim/rundir"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/zab"
	"github.com/zabsim/zabsim/sim"
)

// nodeLogger writes the servers' logs of a run. It is a sim observer of
// its own (notes and lifecycle changes only), so the recorder stays as it
// is; the nemesis's events reach it through nemesis. Every line is a pure
// function of the run, so logs are byte-identical for a seed. When out is
// set, every line also goes there (zabsim run/repro --log), interleaved
// with the processes' own Logf lines in execution order.
type nodeLogger struct {
	servers map[string]bool
	logs    map[string][]byte
	out     io.Writer
}

func newNodeLogger(servers []string, out io.Writer) *nodeLogger {
	l := &nodeLogger{servers: map[string]bool{}, logs: map[string][]byte{}, out: out}
	for _, s := range servers {
		l.servers[s] = true
		l.logs[s] = nil
	}
	return l
}

// Observes implements sim.KindObserver.
func (l *nodeLogger) Observes(k sim.RecordKind) bool {
	return k == sim.RecordNote || k == sim.RecordLifecycle
}

func (l *nodeLogger) Observe(rec *sim.Record) {
	switch rec.Kind {
	case sim.RecordLifecycle:
		if !l.servers[rec.Node] {
			return
		}
		msg := "process " + rec.Lifecycle.String()
		if rec.Detail != "" {
			msg += " (" + rec.Detail + ")"
		}
		l.line(rec.At, rec.Node, msg)
	case sim.RecordNote:
		// The note first: most notes (one per txn, op and node) make no
		// line, and they would pay a lookup by node name each.
		if msg := noteLine(rec.Note); msg != "" && l.servers[rec.Node] {
			l.line(rec.At, rec.Node, msg)
		}
	}
}

// noteLine renders the notes worth a line; "" for the rest (commits, log
// appends: one per txn, the history has them).
func noteLine(note any) string {
	switch n := note.(type) {
	case server.RoleChanged:
		s := "role " + n.Role
		if n.Role != "looking" {
			s += ", epoch " + strconv.FormatUint(uint64(n.Epoch), 10)
			if n.Leader != 0 {
				s += ", leader id " + strconv.FormatUint(n.Leader, 10)
			}
			if !n.Serving {
				s += " (syncing with the leader)"
			}
		}
		return s
	case server.Serving:
		return "serving clients, last zxid " + zab.ZxidString(n.Zxid)
	case server.Failed:
		return "stopped serving: " + n.Err
	case server.SessionExpired:
		return "expired session 0x" + strconv.FormatInt(n.Session, 16)
	case server.Moment:
		return momentLine(n.Kind)
	case zab.Established:
		return "established as leader of epoch " + strconv.FormatUint(uint64(n.Epoch), 10)
	case zab.Truncated:
		return "truncated its log to zxid " + zab.ZxidString(n.ToZxid)
	case zab.SnapshotInstalled:
		return "installed a snapshot as of zxid " + zab.ZxidString(n.Zxid)
	}
	return ""
}

// momentLine names the protocol moments worth a line (not the per-commit
// ones).
func momentLine(k server.MomentKind) string {
	switch k {
	case server.MomentSyncSent:
		return "sync: sent DIFF, TRUNC or SNAP to a learner"
	case server.MomentNewLeaderSent:
		return "sync: sent NEWLEADER"
	case server.MomentUpToDateSent:
		return "sync: sent UPTODATE (a learner is synced)"
	case server.MomentSnapReceived:
		return "sync: took a SNAP from the leader"
	case server.MomentTruncated:
		return "sync: cut its log (TRUNC)"
	case server.MomentEpochWritten:
		return "wrote an epoch file"
	case server.MomentSnapshotWriting:
		return "writing a snapshot"
	}
	return ""
}

// nemesis logs an applied fault on every server it touched (a partition on
// every server whose links it cut).
func (l *nodeLogger) nemesis(at time.Duration, ev nemesis.Event) {
	msg := "fault: " + ev.Action
	if shape := nemesis.DescribeCuts(slices.Sorted(maps.Keys(l.servers)), ev.Cuts); shape != "" {
		msg += ": " + shape
	}
	if ev.Note != "" {
		msg += " (" + ev.Note + ")"
	}
	targets := ev.Targets
	if len(targets) == 0 {
		targets = slices.Sorted(maps.Keys(l.servers)) // heal, stop partition, clock reset: every node
	}
	for _, n := range targets {
		if l.servers[n] {
			l.line(at, n, msg)
		}
	}
}

// intervention logs what the harness itself did to a node (the
// supervisor's restarts and wipes, window faults).
func (l *nodeLogger) intervention(at time.Duration, node, what string) {
	if l.servers[node] {
		l.line(at, node, what)
	}
}

func (l *nodeLogger) line(at time.Duration, node, msg string) {
	b := l.logs[node]
	b = append(b, fmt.Sprintf("%16s ", strconv.FormatFloat(at.Seconds(), 'f', 9, 64))...)
	b = append(b, msg...)
	l.logs[node] = append(b, '\n')
	if l.out != nil {
		fmt.Fprintf(l.out, "%14s %s: %s\n", at, node, msg)
	}
}

// result returns the logs in node order (s2 before s10).
func (l *nodeLogger) result() []rundir.NodeLog {
	nodes := slices.SortedFunc(maps.Keys(l.logs), func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	out := make([]rundir.NodeLog, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, rundir.NodeLog{Node: n, Text: l.logs[n]})
	}
	return out
}
