package durability

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// durability creates unique keys /dur/k<i> holding a value, and at the end
// reads back every key it may have created (f "final-read"): after the
// cluster crashed and restarted, no acknowledged create may be missing.
type durability struct {
	keys     []durKey // every key whose create was ok or info, in write order
	failures int      // failed final-phase requests on the current server
}

type durKey struct {
	key   string
	value int64
}

func newDurability(int, workloads.WorkerConfig) workloads.Driver { return &durability{} }

func durPath(key string) string { return "/dur/" + key }

func (d *durability) Setup() []workloads.Znode            { return []workloads.Znode{{Path: "/dur"}} }
func (d *durability) Event(*workloads.Base, client.Event) {}

func (d *durability) Step(b *workloads.Base) {
	k := durKey{key: "k" + strconv.FormatInt(b.Unique(), 10), value: 1 + b.Env().Rand().Int64N(1_000_000)}
	b.Invoke(history.FWrite, Value{Key: k.key, Value: k.value})
	data := []byte(strconv.FormatInt(k.value, 10))
	b.Client().Create(durPath(k.key), data, wire.OpenACLUnsafe, wire.FlagPersistent, func(res client.Result) {
		t := workloads.WriteOutcome(res)
		if t != history.Fail {
			d.keys = append(d.keys, k)
		}
		b.Complete(t, nil, &res, "")
		b.Idle()
	})
}

// final reads every key from every server, each through a client pinned
// to that server, so a node that lost an acknowledged write is caught even
// when others kept it.
func (d *durability) Final(b *workloads.Base, done func()) {
	d.adoptLineage(b, 0, func() { d.finalServer(b, 0, done) })
}

// adoptLineage adds the keys under /dur that this worker index created in
// an earlier incarnation (a crashed worker forgets its list): key numbers
// come from unique(), which encodes the index. A key an earlier
// incarnation created and every server lost cannot be found this way; the
// durability checker then reports "unknown", never a pass.
func (d *durability) adoptLineage(b *workloads.Base, attempt int, then func()) {
	b.Client().GetChildren("/dur", false, func(res client.Result) {
		if res.Err != wire.ErrOK {
			if attempt+1 < workloads.MaxFinalAttempts {
				b.After(workloads.RetryDelay, func() { d.adoptLineage(b, attempt+1, then) })
				return
			}
			then()
			return
		}
		d.adopt(b, res.Children)
		then()
	})
}

func (d *durability) adopt(b *workloads.Base, children []string) {
	known := make(map[string]bool, len(d.keys))
	for _, k := range d.keys {
		known[k.key] = true
	}
	sorted := append([]string(nil), children...)
	sort.Strings(sorted)
	for _, c := range sorted {
		u, err := strconv.ParseInt(strings.TrimPrefix(c, "k"), 10, 64)
		if err != nil || u < 1 || known[c] || int((u-1)%int64(b.Config().Workers)) != b.Index() {
			continue
		}
		d.keys = append(d.keys, durKey{key: c})
	}
}

func (d *durability) finalServer(b *workloads.Base, i int, done func()) {
	if i == len(b.Config().Servers) {
		b.SetOpClient(nil)
		done()
		return
	}
	cl := b.PinnedClient(b.Config().Servers[i])
	if cl == nil {
		d.finalServer(b, i+1, done)
		return
	}
	b.SetOpClient(cl)
	d.failures = 0
	next := func() {
		cl.Close(nil)
		d.finalServer(b, i+1, done)
	}
	// A sync first: a follower that is still catching up must not pass
	// for one that lost data.
	d.sync(b, cl, func() { d.finalRead(b, cl, 0, next) })
}

func (d *durability) sync(b *workloads.Base, cl workloads.Client, then func()) {
	cl.Sync("/dur", func(res client.Result) {
		if res.Err != wire.ErrOK && d.fail() {
			b.After(workloads.RetryDelay, func() { d.sync(b, cl, then) })
			return
		}
		then()
	})
}

// fail counts a failed final-phase request and reports whether to retry:
// a server that keeps failing is given up after workloads.MaxFinalAttempts.
func (d *durability) fail() bool {
	d.failures++
	return d.failures < workloads.MaxFinalAttempts
}

func (d *durability) finalRead(b *workloads.Base, cl workloads.Client, i int, done func()) {
	if i == len(d.keys) || d.failures >= workloads.MaxFinalAttempts {
		done()
		return
	}
	key := d.keys[i].key
	b.Invoke(FFinalRead, Value{Key: key})
	cl.GetData(durPath(key), false, func(res client.Result) {
		switch {
		case res.Err == wire.ErrNoNode:
			b.Complete(history.OK, Value{Key: key}, &res, "")
		case res.Err == wire.ErrOK:
			v, err := strconv.ParseInt(string(res.Data), 10, 64)
			if err != nil {
				b.Complete(history.Fail, nil, &res, fmt.Sprintf("BADDATA %q", res.Data))
				break
			}
			b.Complete(history.OK, Value{Key: key, Value: v, Found: true}, &res, "")
		default:
			b.Complete(workloads.ReadOutcome(res), nil, &res, "")
			if d.fail() {
				b.After(workloads.RetryDelay, func() { d.finalRead(b, cl, i, done) })
				return
			}
		}
		d.finalRead(b, cl, i+1, done)
	})
}
