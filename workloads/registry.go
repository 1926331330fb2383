package workloads

import (
	"sort"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
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

func newRegistry(index int, cfg WorkerConfig) driver {
	brokers := max((cfg.Workers+1)/2, 1)
	return &registry{broker: index < brokers, dirty: true}
}

const brokersDir = "/brokers/ids"

func (r *registry) brokerPath(b *base) string { return brokersDir + "/" + b.name }

func (r *registry) setup() []znode { return []znode{{path: "/brokers"}, {path: brokersDir}} }

func (r *registry) step(b *base) {
	if !r.broker {
		if r.dirty || b.env.Rand().IntN(100) < 20 {
			r.view(b, func(bool) { b.idle() })
			return
		}
		b.idle()
		return
	}
	roll := b.env.Rand().IntN(100)
	switch {
	case !r.joined:
		r.join(b)
	case roll < registryCrashPct:
		r.crash(b)
	case roll < registryCrashPct+registryLeavePct:
		r.leave(b)
	default:
		b.idle() // stay registered
	}
}

// --- broker ---

func (r *registry) member(b *base) history.RegistryMember {
	return history.RegistryMember{Broker: b.name}
}

func (r *registry) join(b *base) {
	b.invoke(history.FJoin, r.member(b))
	r.tryCreate(b)
}

// tryCreate creates the ephemeral. NODEEXISTS is resolved by looking at
// the owner: ours (an earlier attempt of this session succeeded) means
// joined; another session's means wait for it to vanish, as Kafka does.
func (r *registry) tryCreate(b *base) {
	gen := r.gen
	b.c.Create(r.brokerPath(b), []byte(b.name), wire.OpenACLUnsafe, wire.FlagEphemeral, func(res client.Result) {
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
			b.after(retryDelay, func() {
				if gen == r.gen {
					r.tryCreate(b)
				}
			})
		default:
			b.complete(writeOutcome(res), nil, &res, "")
			b.idle()
		}
	})
}

func (r *registry) joinedOK(b *base, res *client.Result) {
	r.joined = true
	b.complete(history.OK, nil, res, "")
	b.idle()
}

func (r *registry) resolveExisting(b *base) {
	gen := r.gen
	path := r.brokerPath(b)
	b.c.Exists(path, true, func(res client.Result) {
		if gen != r.gen {
			return
		}
		switch {
		case res.Err == wire.ErrNoNode:
			r.tryCreate(b)
		case res.Err == wire.ErrOK && res.Stat != nil && res.Stat.EphemeralOwner == b.sessionID():
			r.joinedOK(b, &res)
		case res.Err == wire.ErrOK:
			r.waitingFor = path // the NodeDeleted event retries
		default:
			b.after(retryDelay, func() {
				if gen == r.gen {
					r.resolveExisting(b)
				}
			})
		}
	})
}

// leave closes the session, which deletes the ephemeral.
func (r *registry) leave(b *base) {
	b.invoke(history.FLeave, r.member(b))
	r.joined = false
	cl := b.c
	b.retire()
	b.newClient()
	cl.Close(func(res client.Result) {
		if res.Err == wire.ErrOK {
			b.complete(history.OK, nil, &res, "")
		} else {
			b.complete(history.Info, nil, &res, "")
		}
		b.idle()
	})
}

// crash silences the client for up to a session timeout, then restarts
// with a new session and waits for the old ephemeral to vanish.
func (r *registry) crash(b *base) {
	r.oldSession = b.sessionID()
	b.invoke(history.FExpire, r.member(b))
	r.joined = false
	b.abandonClient()
	b.after(b.uniform(0, b.cfg.SessionTimeout), func() {
		b.newClient()
		r.awaitExpiry(b)
	})
}

func (r *registry) awaitExpiry(b *base) {
	gen := r.gen
	path := r.brokerPath(b)
	b.c.Exists(path, true, func(res client.Result) {
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
			b.after(retryDelay, func() {
				if gen == r.gen {
					r.awaitExpiry(b)
				}
			})
		}
	})
}

func (r *registry) expired(b *base, res *client.Result) {
	r.oldSession = 0
	b.complete(history.OK, nil, res, "")
	b.idle()
}

func (r *registry) brokerEvent(b *base, ev client.Event) {
	if r.waitingFor != "" && ev.Kind == client.EventWatch && ev.Path == r.waitingFor && ev.Type == wire.EventNodeDeleted {
		r.waitingFor = ""
		if b.open != nil && b.open.f == history.FExpire {
			r.awaitExpiry(b)
		} else if b.open != nil && b.open.f == history.FJoin {
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
	case b.open != nil && b.open.f == history.FJoin:
		b.complete(history.Info, nil, nil, "SESSIONEXPIRED")
	case b.open == nil && r.joined:
		b.instant(history.FExpire, r.member(b))
	case b.open != nil: // an expire wait: continue it with the next client
		b.after(retryDelay, func() { r.awaitExpiry(b) })
		return
	}
	r.joined = false
	b.idle()
}

// --- controller ---

func (r *registry) view(b *base, then func(ok bool)) {
	r.dirty = false
	b.invoke(history.FView, history.RegistryView{Watcher: b.name})
	b.c.GetChildren(brokersDir, true, func(res client.Result) {
		if res.Err != wire.ErrOK {
			r.dirty = true
			b.complete(readOutcome(res), nil, &res, "")
			then(false)
			return
		}
		members := append([]string{}, res.Children...)
		sort.Strings(members)
		b.complete(history.OK, history.RegistryView{Watcher: b.name, Members: members}, &res, "")
		then(true)
	})
}

func (r *registry) event(b *base, ev client.Event) {
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

func (r *registry) final(b *base, done func()) {
	if r.broker {
		done()
		return
	}
	r.finalView(b, 0, done)
}

func (r *registry) finalView(b *base, attempt int, done func()) {
	r.view(b, func(ok bool) {
		if !ok && attempt+1 < maxFinalAttempts {
			b.after(retryDelay, func() { r.finalView(b, attempt+1, done) })
			return
		}
		done()
	})
}
