package register

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// register drives versioned registers /register/k<i>: plain reads,
// sync-reads, blind writes and compare-and-set by version. Written values
// are unique across the run, so a checker can tell which write a read saw.
type register struct {
	keys  int
	names []string // registerKey(i), made once: every op names its key
	paths []string // registerPath(names[i])
	// readValues[i] is the encoded value of a read invocation of key i,
	// {"key":"k<i>"}, made once and shared by those records (record values
	// are never modified, and completions already share their invocation's).
	readValues []json.RawMessage
	seen       []int32 // last version this worker saw per key: cas expects it
	// lastInfo reports that the last read ended info; final reads retry.
	lastInfo bool

	// The operation in flight: its key, the value a write writes, a
	// write's expected version and a read's continuation. A worker has
	// one operation in flight at a time (the base starts the next only
	// after this one's callback completed it, and a read's continuation
	// reads them before it starts another), so the callbacks below take
	// them from here and an operation allocates no closure.
	cur     int
	curVal  int64
	curExp  int32
	curThen func()
	// The callbacks, bound to the base once (see bind).
	bound                   *workloads.Base
	onWrite, onSync, onRead func(client.Result)
}

// bind makes the operation callbacks for b once.
func (r *register) bind(b *workloads.Base) {
	if r.bound == b {
		return
	}
	r.bound = b
	r.onWrite = func(res client.Result) { r.writeDone(b, res) }
	r.onSync = func(res client.Result) { r.syncDone(b, res) }
	r.onRead = func(res client.Result) {
		i, then := r.cur, r.curThen
		r.readDone(b, i, res)
		then()
	}
}

func newRegister(_ int, cfg workloads.WorkerConfig) workloads.Driver {
	r := &register{keys: cfg.Keys, seen: make([]int32, cfg.Keys)}
	for i := range cfg.Keys {
		r.names = append(r.names, registerKey(i))
		r.paths = append(r.paths, registerPath(registerKey(i)))
		// Clipped: an append to one shared value cannot write into another's.
		r.readValues = append(r.readValues, slices.Clip(history.RegisterValue{Key: registerKey(i)}.Encode()))
	}
	return r
}

func registerKey(i int) string     { return "k" + strconv.Itoa(i) }
func registerPath(k string) string { return "/register/" + k }

func (r *register) Setup() []workloads.Znode {
	nodes := []workloads.Znode{{Path: "/register"}}
	for i := range r.keys {
		nodes = append(nodes, workloads.Znode{Path: registerPath(registerKey(i)), Data: []byte("0")})
	}
	return nodes
}

func (r *register) Step(b *workloads.Base) {
	i := b.Env().Rand().IntN(r.keys)
	switch roll := b.Env().Rand().IntN(100); {
	case roll < 30:
		r.read(b, i, false, b.IdleFunc())
	case roll < 50:
		r.read(b, i, true, b.IdleFunc())
	case roll < 75:
		r.write(b, i, -1)
	default:
		r.write(b, i, r.seen[i])
	}
}

func (r *register) Event(*workloads.Base, client.Event) {}

// final sync-reads every key once, retrying indeterminate reads.
func (r *register) Final(b *workloads.Base, done func()) { r.finalKey(b, 0, 0, done) }

func (r *register) finalKey(b *workloads.Base, i, attempt int, done func()) {
	if i == r.keys {
		done()
		return
	}
	r.read(b, i, true, func() {
		if r.lastInfo && attempt+1 < workloads.MaxFinalAttempts {
			b.After(workloads.RetryDelay, func() { r.finalKey(b, i, attempt+1, done) })
			return
		}
		r.finalKey(b, i+1, 0, done)
	})
}

// read records f "read" or "sync-read" of key i and calls then.
func (r *register) read(b *workloads.Base, i int, sync bool, then func()) {
	f := history.FRead
	if sync {
		f = history.FSyncRead
	}
	b.InvokeRaw(f, r.readValues[i])
	r.bind(b)
	r.cur, r.curThen = i, then
	if !sync {
		b.Client().GetData(r.paths[i], false, r.onRead)
		return
	}
	b.Client().Sync(r.paths[i], r.onSync)
}

// syncDone continues a sync-read of key r.cur once its sync is answered.
func (r *register) syncDone(b *workloads.Base, res client.Result) {
	if res.Err != wire.ErrOK {
		then := r.curThen
		r.lastInfo = workloads.ReadOutcome(res) == history.Info
		b.Complete(workloads.ReadOutcome(res), nil, &res, "")
		then()
		return
	}
	b.Client().GetData(r.paths[r.cur], false, r.onRead)
}

func (r *register) readDone(b *workloads.Base, i int, res client.Result) {
	key := r.names[i]
	r.lastInfo = false
	switch {
	case res.Err == wire.ErrNoNode:
		b.CompleteRaw(history.OK, history.RegisterValue{Key: key, Version: history.Int32(-1)}.Encode(), &res, "")
	case res.Err != wire.ErrOK || res.Stat == nil:
		r.lastInfo = workloads.ReadOutcome(res) == history.Info
		b.Complete(workloads.ReadOutcome(res), nil, &res, "")
	default:
		v, err := strconv.ParseInt(string(res.Data), 10, 64)
		if err != nil {
			// Not a value any writer wrote: surface it, never guess.
			b.Complete(history.Fail, nil, &res, fmt.Sprintf("BADDATA %q", res.Data))
			return
		}
		r.seen[i] = max(r.seen[i], res.Stat.Version)
		b.CompleteRaw(history.OK, history.RegisterValue{Key: key, Value: &v, Version: &res.Stat.Version}.Encode(), &res, "")
	}
}

// write records a blind write (expect -1) or a cas (expect >= 0) of a
// fresh unique value.
func (r *register) write(b *workloads.Base, i int, expect int32) {
	val := b.Unique()
	f := history.FWrite
	if expect >= 0 {
		f = history.FCas
	}
	b.InvokeRaw(f, r.writeValue(i, val, expect, nil))
	r.bind(b)
	r.cur, r.curVal, r.curExp = i, val, expect
	b.Client().SetData(r.paths[i], strconv.AppendInt(make([]byte, 0, 20), val, 10), expect, r.onWrite)
}

// writeDone completes the write of r.curVal to key r.cur.
func (r *register) writeDone(b *workloads.Base, res client.Result) {
	i, val, expect := r.cur, r.curVal, r.curExp
	t := workloads.WriteOutcome(res)
	if t != history.OK || res.Stat == nil {
		if t == history.OK { // ok without a Stat: the version is unknown
			t = history.Info
		}
		b.Complete(t, nil, &res, "")
		b.Idle()
		return
	}
	r.seen[i] = max(r.seen[i], res.Stat.Version)
	b.CompleteRaw(history.OK, r.writeValue(i, val, expect, &res.Stat.Version), &res, "")
	b.Idle()
}

// writeValue encodes the value of a write (expect < 0) or cas of val to
// key i, with the version after it when known.
func (r *register) writeValue(i int, val int64, expect int32, version *int32) []byte {
	v := history.RegisterValue{Key: r.names[i], Value: &val, Version: version}
	if expect >= 0 {
		v.Expect = &expect
	}
	return v.Encode()
}
