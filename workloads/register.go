package workloads

import (
	"fmt"
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
)

// register drives versioned registers /register/k<i>: plain reads,
// sync-reads, blind writes and compare-and-set by version. Written values
// are unique across the run, so a checker can tell which write a read saw.
type register struct {
	keys int
	seen []int32 // last version this worker saw per key: cas expects it
	// lastInfo reports that the last read ended info; final reads retry.
	lastInfo bool
}

func newRegister(_ int, cfg WorkerConfig) driver {
	return &register{keys: cfg.Keys, seen: make([]int32, cfg.Keys)}
}

func registerKey(i int) string     { return "k" + strconv.Itoa(i) }
func registerPath(k string) string { return "/register/" + k }

func (r *register) setup() []znode {
	nodes := []znode{{path: "/register"}}
	for i := range r.keys {
		nodes = append(nodes, znode{path: registerPath(registerKey(i)), data: []byte("0")})
	}
	return nodes
}

func (r *register) step(b *base) {
	i := b.env.Rand().IntN(r.keys)
	switch roll := b.env.Rand().IntN(100); {
	case roll < 30:
		r.read(b, i, false, b.idle)
	case roll < 50:
		r.read(b, i, true, b.idle)
	case roll < 75:
		r.write(b, i, -1)
	default:
		r.write(b, i, r.seen[i])
	}
}

func (r *register) event(*base, client.Event) {}

// final sync-reads every key once, retrying indeterminate reads.
func (r *register) final(b *base, done func()) { r.finalKey(b, 0, 0, done) }

func (r *register) finalKey(b *base, i, attempt int, done func()) {
	if i == r.keys {
		done()
		return
	}
	r.read(b, i, true, func() {
		if r.lastInfo && attempt+1 < maxFinalAttempts {
			b.after(retryDelay, func() { r.finalKey(b, i, attempt+1, done) })
			return
		}
		r.finalKey(b, i+1, 0, done)
	})
}

// read records f "read" or "sync-read" of key i and calls then.
func (r *register) read(b *base, i int, sync bool, then func()) {
	key := registerKey(i)
	f := history.FRead
	if sync {
		f = history.FSyncRead
	}
	b.invoke(f, history.RegisterValue{Key: key})
	get := func() {
		b.c.GetData(registerPath(key), false, func(res client.Result) {
			r.readDone(b, i, res)
			then()
		})
	}
	if !sync {
		get()
		return
	}
	b.c.Sync(registerPath(key), func(res client.Result) {
		if res.Err != wire.ErrOK {
			r.lastInfo = readOutcome(res) == history.Info
			b.complete(readOutcome(res), nil, &res, "")
			then()
			return
		}
		get()
	})
}

func (r *register) readDone(b *base, i int, res client.Result) {
	key := registerKey(i)
	r.lastInfo = false
	switch {
	case res.Err == wire.ErrNoNode:
		b.complete(history.OK, history.RegisterValue{Key: key, Version: history.Int32(-1)}, &res, "")
	case res.Err != wire.ErrOK || res.Stat == nil:
		r.lastInfo = readOutcome(res) == history.Info
		b.complete(readOutcome(res), nil, &res, "")
	default:
		v, err := strconv.ParseInt(string(res.Data), 10, 64)
		if err != nil {
			// Not a value any writer wrote: surface it, never guess.
			b.complete(history.Fail, nil, &res, fmt.Sprintf("BADDATA %q", res.Data))
			return
		}
		r.seen[i] = max(r.seen[i], res.Stat.Version)
		b.complete(history.OK, history.RegisterValue{Key: key, Value: history.Int64(v), Version: history.Int32(res.Stat.Version)}, &res, "")
	}
}

// write records a blind write (expect -1) or a cas (expect >= 0) of a
// fresh unique value.
func (r *register) write(b *base, i int, expect int32) {
	key := registerKey(i)
	val := b.unique()
	in := history.RegisterValue{Key: key, Value: history.Int64(val)}
	f := history.FWrite
	if expect >= 0 {
		f, in.Expect = history.FCas, history.Int32(expect)
	}
	b.invoke(f, in)
	b.c.SetData(registerPath(key), []byte(strconv.FormatInt(val, 10)), expect, func(res client.Result) {
		t := writeOutcome(res)
		if t != history.OK || res.Stat == nil {
			if t == history.OK { // ok without a Stat: the version is unknown
				t = history.Info
			}
			b.complete(t, nil, &res, "")
			b.idle()
			return
		}
		r.seen[i] = max(r.seen[i], res.Stat.Version)
		out := in
		out.Version = history.Int32(res.Stat.Version)
		b.complete(history.OK, out, &res, "")
		b.idle()
	})
}
