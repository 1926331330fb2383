package registry

import (
	"sort"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// registry is Kafka's broker registry. The first half of the workers (at
// least one) are brokers: each registers an ephemeral /brokers/ids/<name>
// (f "join"), and now and then either shuts down cleanly (f "leave":
// closeSession) or crashes: it silences its client — no pings, no reads of
// its connection — so the server must expire the session. The crash is
// recorded as f "expire", invoked at the crash and completed ok only when
// the restarted broker, with a new session, sees its old ephemeral gone:
// the moment the harness knows the session ended. Then it joins again, as
// a Kafka broker re-registers after a restart. The other workers are
// controllers: they list /brokers/ids with a child watch and record every
// view (f "view"), re-listing after each event and reconnection; the final
// phase takes one more view.
type registry struct {
	broker bool

	joined     bool
	oldSession int64 // the crashed session whose ephemeral we wait to vanish
	gen        int   // bumped when a wait is abandoned
	waitingFor string

	dirty bool // controller: membership may have changed since the last view
}

// registryCrashPct and registryLeavePct are the per-step chances that a
// registered broker crashes or leaves.
const (
	registryCrashPct = 2
	registryLeavePct = 1
)

func newRegistry(index int, cfg workloads.WorkerConfig) workloads.Driver {
	brokers := max((cfg.Workers+1)/2, 1)
	return &registry{broker: index < brokers, dirty: true}
}

const brokersDir = "/brokers/ids"

func (r *registry) brokerPath(b *workloads.Base) string { return brokersDir + "/" + b.Name() }

func (r *registry) Setup() []workloads.Znode {
	return []workloads.Znode{{Path: "/brokers"}, {Path: brokersDir}}
}

func (r *registry) Step(b *workloads.Base) {
	if !r.broker {
		if r.dirty || b.Env().Rand().IntN(100) < 20 {
			r.view(b, func(bool) { b.Idle() })
			return
		}
		b.Idle()
		return
	}
	roll := b.Env().Rand().IntN(100)
	switch {
	case !r.joined:
		r.join(b)
	case roll < registryCrashPct:
		r.crash(b)
	case roll < registryCrashPct+registryLeavePct:
		r.leave(b)
	default:
		b.Idle() // stay registered
	}
}

// --- broker ---

func (r *registry) member(b *workloads.Base) Member {
	return Member{Broker: b.Name()}
}

func (r *registry) join(b *workloads.Base) {
	b.Invoke(FJoin, r.member(b))
	r.tryCreate(b)
}

// tryCreate creates the ephemeral. NODEEXISTS is resolved by looking at
// the owner: ours (an earlier attempt of this session succeeded) means
// joined; another session's means wait for it to vanish, as Kafka does.
func (r *registry) tryCreate(b *workloads.Base) {
	gen := r.gen
	b.Client().Create(r.brokerPath(b), []byte(b.Name()), wire.OpenACLUnsafe, wire.FlagEphemeral, func(res client.Result) {
		if gen != r.gen {
			return
		}
		switch {
		case res.Err == wire.ErrOK:
			r.joinedOK(b, &res)
		case res.Err == wire.ErrNodeExists:
			r.resolveExisting(b)
		case res.Indeterminate():
			// Same session: retrying is safe, NODEEXISTS tells us if the
			// first attempt won.
			b.After(workloads.RetryDelay, func() {
				if gen == r.gen {
					r.tryCreate(b)
				}
			})
		default:
			b.Complete(workloads.WriteOutcome(res), nil, &res, "")
			b.Idle()
		}
	})
}

func (r *registry) joinedOK(b *workloads.Base, res *client.Result) {
	r.joined = true
	b.Complete(history.OK, nil, res, "")
	b.Idle()
}

func (r *registry) resolveExisting(b *workloads.Base) {
	gen := r.gen
	path := r.brokerPath(b)
	b.Client().Exists(path, true, func(res client.Result) {
		if gen != r.gen {
			return
		}
		switch {
		case res.Err == wire.ErrNoNode:
			r.tryCreate(b)
		case res.Err == wire.ErrOK && res.Stat != nil && res.Stat.EphemeralOwner == b.SessionID():
			r.joinedOK(b, &res)
		case res.Err == wire.ErrOK:
			r.waitingFor = path // the NodeDeleted event retries
		default:
			b.After(workloads.RetryDelay, func() {
				if gen == r.gen {
					r.resolveExisting(b)
				}
			})
		}
	})
}

// leave closes the session, which deletes the ephemeral.
func (r *registry) leave(b *workloads.Base) {
	b.Invoke(FLeave, r.member(b))
	r.joined = false
	cl := b.Client()
	b.Retire()
	b.StartClient()
	cl.Close(func(res client.Result) {
		if res.Err == wire.ErrOK {
			b.Complete(history.OK, nil, &res, "")
		} else {
			b.Complete(history.Info, nil, &res, "")
		}
		b.Idle()
	})
}

// crash silences the client for up to a session timeout, then restarts
// with a new session and waits for the old ephemeral to vanish.
func (r *registry) crash(b *workloads.Base) {
	r.oldSession = b.SessionID()
	b.Invoke(FExpire, r.member(b))
	r.joined = false
	b.AbandonClient()
	b.After(b.Uniform(0, b.Config().SessionTimeout), func() {
		b.StartClient()
		r.awaitExpiry(b)
	})
}

func (r *registry) awaitExpiry(b *workloads.Base) {
	gen := r.gen
	path := r.brokerPath(b)
	b.Client().Exists(path, true, func(res client.Result) {
		if gen != r.gen {
			return
		}
		switch {
		case res.Err == wire.ErrNoNode:
			r.expired(b, &res)
		case res.Err == wire.ErrOK && res.Stat != nil && res.Stat.EphemeralOwner == r.oldSession:
			r.waitingFor = path // the NodeDeleted event looks again
		case res.Err == wire.ErrOK:
			r.expired(b, &res) // someone else's node: ours is gone
		default:
			b.After(workloads.RetryDelay, func() {
				if gen == r.gen {
					r.awaitExpiry(b)
				}
			})
		}
	})
}

func (r *registry) expired(b *workloads.Base, res *client.Result) {
	r.oldSession = 0
	b.Complete(history.OK, nil, res, "")
	b.Idle()
}

func (r *registry) brokerEvent(b *workloads.Base, ev client.Event) {
	if r.waitingFor != "" && ev.Kind == client.EventWatch && ev.Path == r.waitingFor && ev.Type == wire.EventNodeDeleted {
		r.waitingFor = ""
		if b.Open() == FExpire {
			r.awaitExpiry(b)
		} else if b.Open() == FJoin {
			r.tryCreate(b)
		}
		return
	}
	if ev.Kind != client.EventExpired {
		return
	}
	// The session ended under a live broker (e.g. a long partition).
	r.gen++
	r.waitingFor = ""
	switch {
	case b.Open() == FJoin:
		b.Complete(history.Info, nil, nil, "SESSIONEXPIRED")
	case b.Open() == "" && r.joined:
		b.Instant(FExpire, r.member(b))
	case b.Open() != "": // an expire wait: continue it with the next client
		b.After(workloads.RetryDelay, func() { r.awaitExpiry(b) })
		return
	}
	r.joined = false
	b.Idle()
}

// --- controller ---

func (r *registry) view(b *workloads.Base, then func(ok bool)) {
	r.dirty = false
	b.Invoke(FView, View{Watcher: b.Name()})
	b.Client().GetChildren(brokersDir, true, func(res client.Result) {
		if res.Err != wire.ErrOK {
			r.dirty = true
			b.Complete(workloads.ReadOutcome(res), nil, &res, "")
			then(false)
			return
		}
		members := append([]string{}, res.Children...)
		sort.Strings(members)
		b.Complete(history.OK, View{Watcher: b.Name(), Members: members}, &res, "")
		then(true)
	})
}

func (r *registry) Event(b *workloads.Base, ev client.Event) {
	if r.broker {
		r.brokerEvent(b, ev)
		return
	}
	if ev.Kind == client.EventConnected || (ev.Kind == client.EventWatch && ev.Path == brokersDir) {
		r.dirty = true
		if b.Done() {
			// After the final view, membership can still settle (a
			// crashed broker's session expiring): keep the last view
			// true to it, as a controller would.
			r.view(b, func(bool) {})
		}
	}
}

func (r *registry) Final(b *workloads.Base, done func()) {
	if r.broker {
		done()
		return
	}
	r.finalView(b, 0, done)
}

func (r *registry) finalView(b *workloads.Base, attempt int, done func()) {
	r.view(b, func(ok bool) {
		if !ok && attempt+1 < workloads.MaxFinalAttempts {
			b.After(workloads.RetryDelay, func() { r.finalView(b, attempt+1, done) })
			return
		}
		done()
	})
}
