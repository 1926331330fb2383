package sim

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// fastPinger bounces messages like pinger, arms a timer per message and
// syncs its disk, and implements the optional fast handlers, counting the
// events each path brought.
type fastPinger struct {
	pinger
	viaHandle, viaFast int
}

func (p *fastPinger) Handle(ev proc.Event) {
	p.viaHandle++
	p.on(ev)
}

func (p *fastPinger) on(ev proc.Event) {
	p.pinger.Handle(ev)
	if r, ok := ev.(proc.Received); ok {
		p.env.After(time.Millisecond, nil)
		_ = p.env.Disk().Append("log", r.Bytes)
		p.env.Disk().Sync("log")
		p.env.Emit(len(r.Bytes))
	}
}

func (p *fastPinger) HandleReceived(ev proc.Received) { p.viaFast++; p.on(ev) }
func (p *fastPinger) HandleTimer(ev proc.TimerFired)  { p.viaFast++; p.on(ev) }
func (p *fastPinger) HandleSyncDone(ev proc.SyncDone) { p.viaFast++; p.on(ev) }

// notesOnly is a KindObserver that wants notes and lifecycle changes.
type notesOnly struct{ kinds map[RecordKind]int }

func (o *notesOnly) Observes(k RecordKind) bool { return k == RecordNote || k == RecordLifecycle }
func (o *notesOnly) Observe(r *Record)          { o.kinds[r.Kind]++ }

// The fast handlers are used exactly when no observer records events, a
// KindObserver gets only the kinds it asked for, and neither changes the
// run: same trace hash, same event count.
func TestFastDeliveryAndKindObservers(t *testing.T) {
	run := func(obs Observer) (*World, []*fastPinger) {
		opts := DefaultOptions()
		if obs != nil {
			opts.Observers = []Observer{obs}
		}
		w := mustWorld(t, 7, opts)
		names := []string{"n1", "n2", "n3"}
		var ps []*fastPinger
		for _, name := range names {
			must(t, w.AddNode(name, func() proc.Process {
				p := &fastPinger{pinger: pinger{peers: names, inFlight: 2, msg: make([]byte, 16)}}
				ps = append(ps, p)
				return p
			}, NodeOptions{}))
		}
		for _, name := range names {
			must(t, w.Start(name))
		}
		must(t, w.RunFor(200*time.Millisecond))
		return w, ps
	}
	count := func(ps []*fastPinger) (handle, fast int) {
		for _, p := range ps {
			handle, fast = handle+p.viaHandle, fast+p.viaFast
		}
		return handle, fast
	}

	plain, pp := run(nil)
	kinds := &notesOnly{kinds: map[RecordKind]int{}}
	filtered, fp := run(kinds)
	var events int
	watched, wp := run(ObserverFunc(func(r *Record) {
		if r.Kind == RecordEvent {
			events++
		}
	}))

	if plain.TraceHash() != filtered.TraceHash() || plain.TraceHash() != watched.TraceHash() ||
		plain.Executed() != filtered.Executed() || plain.Executed() != watched.Executed() {
		t.Fatalf("runs differ: %s/%d, %s/%d, %s/%d", plain.TraceHash(), plain.Executed(),
			filtered.TraceHash(), filtered.Executed(), watched.TraceHash(), watched.Executed())
	}
	for _, c := range []struct {
		name string
		ps   []*fastPinger
		fast bool
	}{{"no observer", pp, true}, {"notes-only observer", fp, true}, {"event observer", wp, false}} {
		handle, fast := count(c.ps)
		if c.fast && (fast == 0 || handle > fast/10) || !c.fast && fast != 0 {
			t.Errorf("%s: %d events via Handle, %d via the fast handlers", c.name, handle, fast)
		}
	}
	if kinds.kinds[RecordEvent] != 0 || kinds.kinds[RecordFault] != 0 || kinds.kinds[RecordNote] == 0 || kinds.kinds[RecordLifecycle] != 3 {
		t.Errorf("notes-only observer saw %v", kinds.kinds)
	}
	if uint64(events) != watched.Executed() {
		t.Errorf("event observer saw %d events of %d", events, watched.Executed())
	}
}
