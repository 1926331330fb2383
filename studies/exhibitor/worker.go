package exhibitor

import (
	"strconv"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// exhibitor is Exhibitor's job. Worker 0 is the operator: it reads
// /zookeeper/config, then makes one rolling change computed from what it
// read (conditional on that version, as Exhibitor does) — remove a voter,
// or promote an observer — and, after the next read, undoes it (adds the
// voter back, demotes the observer), and so on. The other workers watch
// the config as Exhibitor's monitoring does: they read it with a watch and
// again after every event. In the final phase the operator undoes a change
// still pending, so the run ends with the membership it started from, and
// every worker reads the config from each server once more.
type exhibitor struct {
	operator bool
	last     *Config // the operator's last read
	// undo is the change that restores the membership (nil: none pending);
	// undoLine is the server line it sends.
	undo     *Change
	undoLine string
	readNext bool  // the operator reads before its next change
	authed   int64 // the session the super user's credential was added to
	dirty    bool  // a watcher: the config changed since its last read
}

func newExhibitor(index int, _ workloads.WorkerConfig) workloads.Driver {
	return &exhibitor{operator: index == 0, readNext: true, dirty: true}
}

// Setup creates nothing: /zookeeper/config is the server's.
func (*exhibitor) Setup() []workloads.Znode { return nil }

func (e *exhibitor) Event(_ *workloads.Base, ev client.Event) {
	switch ev.Kind {
	case client.EventWatch:
		if ev.Path == ConfigPath {
			e.dirty = true
		}
	case client.EventConnected, client.EventExpired:
		e.dirty = true
	}
}

func (e *exhibitor) Step(b *workloads.Base) {
	switch {
	case !e.operator && !e.dirty:
		b.Idle() // nothing changed: look again after a think time
	case !e.operator || e.readNext || e.last == nil:
		e.read(b, func(bool) { b.Idle() })
	default:
		// Exhibitor rolls one change at a time and lets the ensemble
		// settle before looking again.
		e.change(b, false, func() { b.After(b.Uniform(settleMin, settleMax), b.Idle) })
	}
}

// settleMin and settleMax bound the operator's pause after a change.
const (
	settleMin = time.Second
	settleMax = 3 * time.Second
)

// read reads the config with a watch and records it.
func (e *exhibitor) read(b *workloads.Base, then func(ok bool)) {
	e.dirty = false
	b.Invoke(FReadConfig, struct{}{})
	b.Client().GetData(ConfigPath, true, func(res client.Result) {
		c, ok := e.complete(b, res, "")
		if ok {
			e.last, e.readNext = &c, false
		} else {
			e.dirty = true
		}
		then(ok)
	})
}

// complete records a config read's or reconfig's completion.
func (e *exhibitor) complete(b *workloads.Base, res client.Result, server string) (Config, bool) {
	if res.Err != wire.ErrOK {
		if res.Err == wire.ErrNoNode || res.Err == wire.ErrReconfigDisabled {
			b.Complete(history.Fail, nil, &res, "")
		} else {
			b.Complete(workloads.ReadOutcome(res), nil, &res, "")
		}
		return Config{}, false
	}
	c, err := ParseConfig(res.Data)
	if err != nil {
		b.Complete(history.Fail, nil, &res, "BADDATA "+strconv.Quote(err.Error()))
		return Config{}, false
	}
	if len(res.Data) == 0 && res.Stat != nil {
		c.Version = res.Stat.Mzxid // a client that returns the Stat only
	}
	c.Server = server
	b.Complete(history.OK, c, &res, "")
	return c, true
}

// change makes the operator's next change: the pending undo, else (unless
// undoOnly) a new one drawn from the last read config.
func (e *exhibitor) change(b *workloads.Base, undoOnly bool, then func()) {
	ch, line, undo, undoLine, ok := e.next(b, undoOnly)
	if !ok {
		e.readNext = true
		then()
		return
	}
	e.auth(b, func() {
		b.Invoke(FReconfig, ch)
		joining, leaving := []string(nil), []string(nil)
		if ch.Op == "remove" {
			leaving = []string{strconv.FormatInt(ch.ID, 10)}
		} else {
			joining = []string{line}
		}
		b.Client().Reconfig(joining, leaving, nil, ch.From, func(res client.Result) {
			if res.Err == wire.ErrOK {
				e.undo, e.undoLine = undo, undoLine // nil after an undo
			}
			// A refused change is the ensemble's answer (BADVERSION: the
			// config moved on; NEWCONFIGNOQUORUM: no quorum of the new
			// config): look again before the next one. A refused undo
			// stays pending.
			e.reconfigDone(b, res)
			e.readNext = true
			then()
		})
	})
}

// reconfigDone records a reconfig's completion: a write, so an
// unanswered one is indeterminate.
func (e *exhibitor) reconfigDone(b *workloads.Base, res client.Result) {
	if res.Err != wire.ErrOK {
		b.Complete(workloads.WriteOutcome(res), nil, &res, "")
		return
	}
	e.complete(b, res, "")
}

// next is the operator's next change against its last read: the pending
// undo while it still applies, else (unless undoOnly) remove a voter
// (leaving at least two) or promote an observer, with what would undo it.
func (e *exhibitor) next(b *workloads.Base, undoOnly bool) (ch Change, line string, undo *Change, undoLine string, ok bool) {
	c := *e.last
	if u := e.undo; u != nil {
		m, member := c.member(u.ID)
		switch {
		case u.Op == "add" && !member:
			return Change{Op: "add", ID: u.ID, From: c.Version}, e.undoLine, nil, "", true
		case u.Op == "demote" && member && !m.Observer:
			return Change{Op: "demote", ID: u.ID, From: c.Version}, withRole(m.line, true), nil, "", true
		}
		e.undo = nil // someone else restored it (or changed it further): nothing to undo
	}
	if undoOnly {
		return Change{}, "", nil, "", false
	}
	var moves []Change
	for _, m := range c.Members {
		switch {
		case m.Observer:
			moves = append(moves, Change{Op: "promote", ID: m.ID, From: c.Version})
		case c.Voters() > 2:
			moves = append(moves, Change{Op: "remove", ID: m.ID, From: c.Version})
		}
	}
	if len(moves) == 0 {
		return Change{}, "", nil, "", false
	}
	ch = moves[b.Env().Rand().IntN(len(moves))]
	m, _ := c.member(ch.ID)
	if ch.Op == "promote" {
		return ch, withRole(m.line, false), &Change{Op: "demote", ID: m.ID}, "", true
	}
	return ch, "", &Change{Op: "add", ID: m.ID}, withRole(m.line, false), true
}

// auth adds the super user's credential once per session: ZooKeeper lets
// only the super user reconfig.
func (e *exhibitor) auth(b *workloads.Base, then func()) {
	if s := b.SessionID(); s != 0 && s == e.authed {
		then()
		return
	}
	b.Client().AddAuth("digest", []byte(workloads.SuperAuth), func(res client.Result) {
		if res.Err == wire.ErrOK {
			e.authed = b.SessionID()
		}
		then() // a refused credential shows as the reconfig's NOAUTH
	})
}

// Final: the operator undoes a pending change (retrying), then every
// worker reads the config from each server.
func (e *exhibitor) Final(b *workloads.Base, done func()) {
	if e.operator && e.undo != nil {
		e.finalUndo(b, 0, func() { e.finalServer(b, 0, done) })
		return
	}
	e.finalServer(b, 0, done)
}

func (e *exhibitor) finalUndo(b *workloads.Base, attempt int, done func()) {
	if e.undo == nil || attempt >= workloads.MaxFinalAttempts {
		done()
		return
	}
	again := func() { b.After(workloads.RetryDelay, func() { e.finalUndo(b, attempt+1, done) }) }
	e.read(b, func(ok bool) {
		if !ok {
			again()
			return
		}
		e.change(b, true, again)
	})
}

// finalServer syncs and reads the config on server i through a session
// pinned to it.
func (e *exhibitor) finalServer(b *workloads.Base, i int, done func()) {
	servers := b.Config().Servers
	if i == len(servers) {
		b.SetOpClient(nil)
		done()
		return
	}
	cl := b.PinnedClient(servers[i])
	if cl == nil {
		e.finalServer(b, i+1, done)
		return
	}
	b.SetOpClient(cl)
	next := func() {
		cl.Close(nil)
		e.finalServer(b, i+1, done)
	}
	e.finalRead(b, cl, servers[i], 0, next)
}

func (e *exhibitor) finalRead(b *workloads.Base, cl workloads.Client, server string, attempt int, done func()) {
	retry := func() bool {
		if attempt+1 >= workloads.MaxFinalAttempts {
			return false
		}
		b.After(workloads.RetryDelay, func() { e.finalRead(b, cl, server, attempt+1, done) })
		return true
	}
	cl.Sync(ConfigPath, func(res client.Result) {
		if res.Err != wire.ErrOK {
			if !retry() {
				done()
			}
			return
		}
		b.Invoke(FFinalConfig, Config{Server: server})
		cl.GetData(ConfigPath, false, func(res client.Result) {
			if _, ok := e.complete(b, res, server); !ok && retry() {
				return
			}
			done()
		})
	})
}
