package config

import (
	"fmt"
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// config is Kafka's topic-config pattern. Writers (the first half of the
// workers, at least one) set /config/topic-<i> to fresh unique values;
// watchers (the rest) getData with a watch, record every watch event (f
// "notify") and re-read a key after every event on it, recording each
// observation (f "observe"). Like a Kafka broker, a watcher re-reads every
// key only when it starts a new session: on a resumed one it trusts the
// watches the client re-armed with SetWatches, so an event the server fails
// to replay stays missing, and the config checker's lost-event rule sees
// it. The final phase observes every key once more.
type config struct {
	keys    int
	writer  bool
	dirty   []bool // watcher: keys to (re)observe
	session int64  // watcher: the session the keys were last read in
}

func newConfig(index int, cfg workloads.WorkerConfig) workloads.Driver {
	writers := max(cfg.Workers/2, 1)
	c := &config{keys: cfg.Keys, writer: index < writers, dirty: make([]bool, cfg.Keys)}
	if !c.writer {
		for i := range c.dirty {
			c.dirty[i] = true
		}
	}
	return c
}

func configKey(i int) string     { return "topic-" + strconv.Itoa(i) }
func configPath(k string) string { return "/config/" + k }

func (c *config) Setup() []workloads.Znode {
	nodes := []workloads.Znode{{Path: "/config"}}
	for i := range c.keys {
		nodes = append(nodes, workloads.Znode{Path: configPath(configKey(i)), Data: []byte("0")})
	}
	return nodes
}

func (c *config) Event(b *workloads.Base, ev client.Event) {
	if c.writer {
		return
	}
	switch ev.Kind {
	case client.EventConnected:
		if ev.SessionID == 0 || ev.SessionID != c.session {
			// A new session (or one we cannot tell) holds no watches:
			// read everything again.
			c.session = ev.SessionID
			c.markAll()
		}
	case client.EventExpired:
		c.markAll()
	case client.EventWatch:
		c.watchEvent(b, ev)
	}
}

func (c *config) markAll() {
	for i := range c.dirty {
		c.dirty[i] = true
	}
}

// watchEvent records a watch event on a config key and marks the key for
// a re-read.
func (c *config) watchEvent(b *workloads.Base, ev client.Event) {
	for i := range c.keys {
		if configPath(configKey(i)) != ev.Path {
			continue
		}
		c.recordEvent(b, ev, configKey(i))
		c.dirty[i] = true
		if b.Done() {
			// A change after the final observation (a write that was
			// still in flight): observe it too.
			c.observe(b, i, func(bool) {})
		}
	}
}

// recordEvent emits a notify record pair on the worker's event process:
// an observe of the same worker may be open, and a record on its process
// would complete it.
func (c *config) recordEvent(b *workloads.Base, ev client.Event, key string) {
	raw := b.Encode(Event{Key: key, Watcher: b.Name(), Event: ev.Type.String()})
	b.Notify(raw, ev.SessionID, ev.Server, ev.Zxid)
}

func (c *config) Step(b *workloads.Base) {
	if c.writer {
		c.write(b)
		return
	}
	for i, d := range c.dirty {
		if d {
			c.observe(b, i, func(bool) { b.Idle() })
			return
		}
	}
	b.Idle() // nothing changed: look again after a think time
}

func (c *config) write(b *workloads.Base) {
	key := configKey(b.Env().Rand().IntN(c.keys))
	v := Value{Key: key, Value: b.Unique()}
	b.Invoke(history.FWrite, v)
	b.Client().SetData(configPath(key), []byte(strconv.FormatInt(v.Value, 10)), -1, func(res client.Result) {
		b.Complete(workloads.WriteOutcome(res), nil, &res, "")
		b.Idle()
	})
}

// observe reads key i with a watch and records it; then learns whether
// the observation was ok.
func (c *config) observe(b *workloads.Base, i int, then func(ok bool)) {
	key := configKey(i)
	c.dirty[i] = false
	b.Invoke(FObserve, Value{Key: key, Watcher: b.Name()})
	b.Client().GetData(configPath(key), true, func(res client.Result) {
		if res.Err != wire.ErrOK || res.Stat == nil {
			c.dirty[i] = true
			b.Complete(workloads.ReadOutcome(res), nil, &res, "")
			then(false)
			return
		}
		v, err := strconv.ParseInt(string(res.Data), 10, 64)
		if err != nil {
			b.Complete(history.Fail, nil, &res, fmt.Sprintf("BADDATA %q", res.Data))
			then(false)
			return
		}
		b.Complete(history.OK, Value{Key: key, Value: v, Watcher: b.Name(), Mzxid: res.Stat.Mzxid}, &res, "")
		then(true)
	})
}

// final: every watcher observes every key once more (retrying), so each
// watcher's last observation is taken in the healed phase.
func (c *config) Final(b *workloads.Base, done func()) {
	if c.writer {
		done()
		return
	}
	c.finalKey(b, 0, 0, done)
}

func (c *config) finalKey(b *workloads.Base, i, attempt int, done func()) {
	if i == c.keys {
		done()
		return
	}
	c.observe(b, i, func(ok bool) {
		if !ok && attempt+1 < workloads.MaxFinalAttempts {
			b.After(workloads.RetryDelay, func() { c.finalKey(b, i, attempt+1, done) })
			return
		}
		c.finalKey(b, i+1, 0, done)
	})
}
