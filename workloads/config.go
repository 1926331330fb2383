package workloads

import (
	"fmt"
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
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

func newConfig(index int, cfg WorkerConfig) driver {
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

func (c *config) setup() []znode {
	nodes := []znode{{path: "/config"}}
	for i := range c.keys {
		nodes = append(nodes, znode{path: configPath(configKey(i)), data: []byte("0")})
	}
	return nodes
}

func (c *config) event(b *base, ev client.Event) {
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
func (c *config) watchEvent(b *base, ev client.Event) {
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
func (c *config) recordEvent(b *base, ev client.Event, key string) {
	raw := b.encode(history.ConfigEvent{Key: key, Watcher: b.name, Event: ev.Type.String()})
	b.notify(raw, ev.SessionID, ev.Server, ev.Zxid)
}

func (c *config) step(b *base) {
	if c.writer {
		c.write(b)
		return
	}
	for i, d := range c.dirty {
		if d {
			c.observe(b, i, func(bool) { b.idle() })
			return
		}
	}
	b.idle() // nothing changed: look again after a think time
}

func (c *config) write(b *base) {
	key := configKey(b.env.Rand().IntN(c.keys))
	v := history.ConfigValue{Key: key, Value: b.unique()}
	b.invoke(history.FWrite, v)
	b.c.SetData(configPath(key), []byte(strconv.FormatInt(v.Value, 10)), -1, func(res client.Result) {
		b.complete(writeOutcome(res), nil, &res, "")
		b.idle()
	})
}

// observe reads key i with a watch and records it; then learns whether
// the observation was ok.
func (c *config) observe(b *base, i int, then func(ok bool)) {
	key := configKey(i)
	c.dirty[i] = false
	b.invoke(history.FObserve, history.ConfigValue{Key: key, Watcher: b.name})
	b.c.GetData(configPath(key), true, func(res client.Result) {
		if res.Err != wire.ErrOK || res.Stat == nil {
			c.dirty[i] = true
			b.complete(readOutcome(res), nil, &res, "")
			then(false)
			return
		}
		v, err := strconv.ParseInt(string(res.Data), 10, 64)
		if err != nil {
			b.complete(history.Fail, nil, &res, fmt.Sprintf("BADDATA %q", res.Data))
			then(false)
			return
		}
		b.complete(history.OK, history.ConfigValue{Key: key, Value: v, Watcher: b.name, Mzxid: res.Stat.Mzxid}, &res, "")
		then(true)
	})
}

// final: every watcher observes every key once more (retrying), so each
// watcher's last observation is taken in the healed phase.
func (c *config) final(b *base, done func()) {
	if c.writer {
		done()
		return
	}
	c.finalKey(b, 0, 0, done)
}

func (c *config) finalKey(b *base, i, attempt int, done func()) {
	if i == c.keys {
		done()
		return
	}
	c.observe(b, i, func(ok bool) {
		if !ok && attempt+1 < maxFinalAttempts {
			b.after(retryDelay, func() { c.finalKey(b, i, attempt+1, done) })
			return
		}
		c.finalKey(b, i+1, 0, done)
	})
}
