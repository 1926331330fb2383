package checker

import (
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/history"
)

// CheckZxidOrder judges ZooKeeper's promises for plain reads, which are
// served locally and need not be linearizable:
//
//   - per session, reply zxids never go backwards (a client never sees older
//     state than it already saw, its own writes included);
//   - per session, completions arrive in invocation order (FIFO);
//   - per session and key, register versions never go backwards;
//   - a register read at reply zxid Z equals the committed state at Z: the
//     write that produced the version it returned has zxid <= Z, the next
//     write on that key has zxid > Z, and the value is that write's (a
//     version produced by an info write must carry some info write's value);
//   - a watch event reaches the session before any reply that reflects the
//     change: with the event's zxid, no earlier reply in the session may
//     carry a zxid >= it; without it, a read that armed a watch and a later
//     read of a newer version must have an event for that key between them.
//
// Sessions are Op.Session, or the process when no session was recorded.
func CheckZxidOrder(ops []history.Op) Result {
	r := NewReport("zxid-order")
	writes := registerWrites(r, ops)
	completed := CompletedInOrder(history.Pairs(ops))
	sessions := map[string]*sessionView{}
	var names []string
	for _, p := range completed {
		if p.Invoke.F == history.FNotify {
			continue // a config watcher's event record is no reply: CheckConfig judges it
		}
		name := SessionName(p)
		s := sessions[name]
		if s == nil {
			s = newSessionView(name)
			sessions[name] = s
			names = append(names, name)
		}
		s.observe(r, p, writes)
	}
	r.Counts["sessions"] = len(names)
	r.Counts["completions"] = len(completed)
	return r.Done()
}

// SessionName names an op's session in explanations (its process if it
// has none).
func SessionName(p history.Pair) string {
	if s := p.Session(); s != 0 {
		return fmt.Sprintf("session 0x%x", s)
	}
	return fmt.Sprintf("process %d", p.Invoke.Process)
}

// CompletedInOrder returns the ok and fail pairs in completion order (info
// completions carry no observation).
func CompletedInOrder(pairs []history.Pair) []history.Pair {
	var out []history.Pair
	for _, p := range pairs {
		if p.Type() == history.OK || p.Type() == history.Fail {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Complete.Index < out[j].Complete.Index })
	return out
}

type producer struct {
	zxid  int64
	value int64
	index int
}

// keyWrites is what the history proves about one key's committed writes.
type keyWrites struct {
	byVersion  map[int32]producer
	infoValues map[int64]bool
}

func registerWrites(r *Report, ops []history.Op) map[string]*keyWrites {
	out := map[string]*keyWrites{}
	get := func(k string) *keyWrites {
		if out[k] == nil {
			out[k] = &keyWrites{byVersion: map[int32]producer{}, infoValues: map[int64]bool{}}
		}
		return out[k]
	}
	for _, p := range history.Pairs(ops) {
		if (p.Invoke.F != history.FWrite && p.Invoke.F != history.FCas) || p.Type() == history.Fail {
			continue
		}
		var v history.RegisterValue
		if err := p.Decode(&v); err != nil || v.Value == nil {
			continue // not a register write (the durability workload shares "write")
		}
		kw := get(v.Key)
		if p.Type() != history.OK || v.Version == nil {
			kw.infoValues[*v.Value] = true
			continue
		}
		kw.byVersion[*v.Version] = producer{zxid: p.Complete.Zxid, value: *v.Value, index: p.Complete.Index}
	}
	return out
}

type armedWatch struct {
	version int32
	index   int
}

type sessionView struct {
	name       string
	maxZxid    int64
	maxZxidAt  int
	lastInvoke int
	lastDoneAt int
	versions   map[string]int32
	armed      map[string]armedWatch
}

func newSessionView(name string) *sessionView {
	return &sessionView{name: name, lastInvoke: -1, versions: map[string]int32{}, armed: map[string]armedWatch{}}
}

func (s *sessionView) observe(r *Report, p history.Pair, writes map[string]*keyWrites) {
	s.checkFIFO(r, p)
	s.checkZxid(r, p)
	switch {
	case p.Invoke.F == history.FWatchEvent:
		s.watchEvent(r, p)
	case p.Type() != history.OK:
	case p.Invoke.F == history.FRead || p.Invoke.F == history.FSyncRead:
		s.read(r, p, writes)
	case p.Invoke.F == history.FWrite || p.Invoke.F == history.FCas:
		var v history.RegisterValue
		if p.Decode(&v) == nil && v.Version != nil {
			s.versions[v.Key] = max(s.versions[v.Key], *v.Version)
		}
	}
}

func (s *sessionView) checkFIFO(r *Report, p history.Pair) {
	if p.Invoke.Index < s.lastInvoke {
		r.FlagOps("fifo", []int{s.lastDoneAt, p.Complete.Index},
			"%s: op %d completed after op %d but was invoked before it", s.name, p.Complete.Index, s.lastDoneAt)
	}
	s.lastInvoke, s.lastDoneAt = max(s.lastInvoke, p.Invoke.Index), p.Complete.Index
}

func (s *sessionView) checkZxid(r *Report, p history.Pair) {
	z := p.Complete.Zxid
	if z <= 0 || p.Invoke.F == history.FWatchEvent {
		return
	}
	if z < s.maxZxid {
		r.FlagOps("zxid-backwards", []int{s.maxZxidAt, p.Complete.Index},
			"%s: reply zxid 0x%x after it already saw 0x%x", s.name, z, s.maxZxid)
	} else {
		s.maxZxid, s.maxZxidAt = z, p.Complete.Index
	}
}

func (s *sessionView) read(r *Report, p history.Pair, writes map[string]*keyWrites) {
	var v history.RegisterValue
	if err := p.Complete.Decode(&v); err != nil || v.Version == nil || *v.Version < 0 {
		return
	}
	ver := *v.Version
	if seen, ok := s.versions[v.Key]; ok && ver < seen {
		r.FlagOps("stale-read", []int{p.Complete.Index},
			"%s: read %q version %d after it had seen version %d", s.name, v.Key, ver, seen)
	}
	s.versions[v.Key] = max(s.versions[v.Key], ver)
	if kw := writes[v.Key]; kw != nil && v.Value != nil {
		checkCommitted(r, p, v.Key, *v.Value, ver, kw)
	} else if v.Value != nil && ver > 0 {
		r.FlagOps("phantom-read", []int{p.Complete.Index}, "read %q version %d but no write on it exists", v.Key, ver)
	}
	s.checkArmedWatch(r, p, v.Key, ver)
	if v.Watch {
		s.armed[v.Key] = armedWatch{version: ver, index: p.Complete.Index}
	}
}

// checkCommitted checks that a read equals the committed state at its reply
// zxid.
func checkCommitted(r *Report, p history.Pair, key string, value int64, ver int32, kw *keyWrites) {
	z, at := p.Complete.Zxid, p.Complete.Index
	prod, known := kw.byVersion[ver]
	switch {
	case ver == 0 && value != 0:
		r.FlagOps("phantom-read", []int{at}, "read %q version 0 with value %d; the initial value is 0", key, value)
	case known && prod.value != value:
		r.FlagOps("phantom-read", []int{at, prod.index}, "read %q version %d value %d, but op %d wrote %d at that version", key, ver, value, prod.index, prod.value)
	case !known && ver > 0 && !kw.infoValues[value]:
		r.FlagOps("phantom-read", []int{at}, "read %q version %d value %d, which no write produced", key, ver, value)
	case known && z > 0 && prod.zxid > z:
		r.FlagOps("future-read", []int{at, prod.index}, "read %q at zxid 0x%x returned the write committed at 0x%x", key, z, prod.zxid)
	}
	if next, ok := kw.byVersion[ver+1]; ok && z > 0 && next.zxid > 0 && next.zxid <= z {
		r.FlagOps("stale-read", []int{at, next.index},
			"read %q at zxid 0x%x returned version %d, but op %d committed version %d at 0x%x", key, z, ver, next.index, ver+1, next.zxid)
	}
}

func (s *sessionView) checkArmedWatch(r *Report, p history.Pair, key string, ver int32) {
	w, ok := s.armed[key]
	if !ok || ver <= w.version {
		return
	}
	r.FlagOps("event-after-data", []int{w.index, p.Complete.Index},
		"%s: watch on %q armed at version %d by op %d; op %d returned version %d before any event for %q arrived",
		s.name, key, w.version, w.index, p.Complete.Index, ver, key)
	delete(s.armed, key)
}

func (s *sessionView) watchEvent(r *Report, p history.Pair) {
	var v history.WatchEventValue
	if err := p.Decode(&v); err == nil {
		delete(s.armed, v.Key)
	}
	ze := p.Complete.Zxid
	if ze <= 0 {
		return
	}
	// Session zxids only grow (checked above), so the largest one decides.
	if s.maxZxid >= ze {
		r.FlagOps("event-after-data", []int{s.maxZxidAt, p.Complete.Index},
			"%s: watch event for zxid 0x%x arrived after reply %d already reflected zxid 0x%x", s.name, ze, s.maxZxidAt, s.maxZxid)
	}
}
