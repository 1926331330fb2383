package sim

import (
	"time"

	"github.com/zabsim/zabsim/proc"
)

// RecordKind says which fields of a Record are set.
type RecordKind uint8

const (
	// RecordEvent: a proc.Event was delivered to Node (Event, Seq set).
	RecordEvent RecordKind = iota + 1
	// RecordNote: Node called Env.Emit (Note set).
	RecordNote
	// RecordLifecycle: Node started, crashed, restarted, paused or resumed
	// (Lifecycle, and Detail for the crash mode).
	RecordLifecycle
	// RecordFault: the fault configuration changed (Detail describes it;
	// Node is set when one node is concerned).
	RecordFault

	numRecordKinds // one past the last kind
)

// Lifecycle is a node state change.
type Lifecycle uint8

const (
	LifecycleNone Lifecycle = iota
	Started
	Crashed
	Restarted
	Paused
	Resumed
)

func (l Lifecycle) String() string {
	return [...]string{"none", "started", "crashed", "restarted", "paused", "resumed"}[min(int(l), 5)]
}

// Record is one observation. At is world time since the start of the run.
type Record struct {
	At        time.Duration
	Seq       uint64
	Node      string
	Kind      RecordKind
	Event     proc.Event
	Note      any
	Lifecycle Lifecycle
	Detail    string
}

// Observer sees what a world does, in execution order. Observers may call
// World methods; changes they make take effect right after the current event.
// The world reuses *r: copy the Record to keep it, and copy the byte slices
// inside Record.Event too (the process owns them and may change them).
type Observer interface {
	Observe(r *Record)
}

// KindObserver is an Observer that wants only some kinds of records. The
// world asks Observes for every kind once, when the observer is added, and
// hands it only records of the kinds it wants. Building the RecordEvent of
// every delivered event (and boxing the event for it) is a measurable cost
// of a run, so an observer that ignores events should say so.
type KindObserver interface {
	Observer
	Observes(k RecordKind) bool
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(r *Record)

// Observe calls f(r).
func (f ObserverFunc) Observe(r *Record) { f(r) }
