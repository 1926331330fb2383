package proc

import (
	"errors"
	"math/rand/v2"
	"time"
)

// ConnID names one connection at one process. IDs are never reused by a host
// within one process incarnation.
type ConnID uint64

// TimerID names one timer at one process.
type TimerID uint64

// SyncID names one disk sync request at one process.
type SyncID uint64

// Process is a deterministic state machine hosted by a simulator or a real
// runtime.
type Process interface {
	// Start is called once when the process starts or restarts. The disk
	// (env.Disk()) holds whatever survived the previous incarnation.
	Start(env Env)
	// Handle delivers one event. It must not block.
	Handle(ev Event)
}

// Factory builds a fresh process instance; hosts call it for every start and
// restart of a node.
type Factory func() Process

// Env is everything a process may use to act on the world.
type Env interface {
	// Name is the node name (for example "s1" or "c3"), stable across restarts.
	Name() string
	// Now is the node's local clock in nanoseconds since the Unix epoch. A
	// simulated clock may be offset, drift, or jump (also backwards).
	Now() int64
	// Mono is the node's monotonic clock in nanoseconds from an arbitrary
	// origin, as CLOCK_MONOTONIC and Java's System.nanoTime: it never
	// jumps (a clock step moves only Now), timers run on it, and it keeps
	// running while the process is stopped (SIGSTOP, a long GC or VM
	// pause). Elapsed-time deadlines — session expiry, quorum deadlines —
	// are measured on it, so a process that wakes up late sees at once
	// how late it is.
	Mono() int64
	// Listen accepts connections on addr ("host:port"; the host part must be
	// this node's). Each inbound connection arrives as an Accepted event.
	Listen(addr string) error
	// Dial opens a connection to addr. The result arrives later as Connected
	// or, on failure, Closed with a non-nil Err.
	Dial(addr string) ConnID
	// Send queues b on the connection as a chunk of its byte stream. The host
	// takes ownership of b. Sending on a closed or unknown connection is a
	// no-op (the Closed event tells the process why).
	Send(c ConnID, b []byte)
	// Close closes the connection; the peer sees Closed. No Closed event is
	// delivered to the closing side.
	Close(c ConnID)
	// SendDatagram sends an unreliable message (may be lost, duplicated or
	// reordered) to addr. The host takes ownership of b.
	SendDatagram(addr string, b []byte)
	// After arms a timer that fires after d has elapsed on the local clock;
	// it arrives as TimerFired carrying tag.
	After(d time.Duration, tag any) TimerID
	// Cancel disarms a timer; cancelling a fired or unknown timer is a no-op.
	Cancel(t TimerID)
	// Disk is the node's disk, which survives crashes and restarts as its
	// crash semantics say.
	Disk() Disk
	// Rand is this process's seeded random stream.
	Rand() *rand.Rand
	// Logf writes a debug log line attributed to this node.
	Logf(format string, args ...any)
	// Emit hands a structured observation (for example a committed
	// transaction or a role change) to the host's observers: online invariant
	// checkers, recorders, timelines. It never affects the process.
	Emit(note any)
}

// Optional fast delivery. A Process may also implement any of
// ReceivedHandler, TimerHandler and SyncDoneHandler. A host that knows them
// may then deliver such an event by calling the method instead of Handle,
// which saves boxing the event into an Event (a heap allocation per event;
// connection chunks, timer firings and sync completions are most of a
// simulated run's events). The method must do exactly what Handle does with
// the same event: hosts are free to call Handle instead (the live runtime
// always does, the simulator does while an observer records events).

// ReceivedHandler takes Received events unboxed (see above).
type ReceivedHandler interface{ HandleReceived(ev Received) }

// TimerHandler takes TimerFired events unboxed (see above).
type TimerHandler interface{ HandleTimer(ev TimerFired) }

// SyncDoneHandler takes SyncDone events unboxed (see above).
type SyncDoneHandler interface{ HandleSyncDone(ev SyncDone) }

// Event is one input to a process. The concrete types below are the whole set.
type Event interface{ isEvent() }

// Accepted reports an inbound connection on a listening address.
type Accepted struct {
	Conn   ConnID
	Local  string // the listener that accepted it: the address exactly as passed to Listen
	Remote string // the peer's address (informational)
}

// Connected reports that a Dial succeeded.
type Connected struct {
	Conn   ConnID
	Remote string
}

// Received delivers the next chunk of a connection's byte stream. Chunk
// boundaries carry no meaning: a process frames the stream itself. The process
// owns Bytes.
type Received struct {
	Conn  ConnID
	Bytes []byte
}

// Closed reports that a connection ended: the peer closed it, it broke
// (partition, crash), or a Dial failed. The ID is dead afterwards.
type Closed struct {
	Conn ConnID
	Err  error // nil when the peer closed it cleanly
}

// DatagramReceived delivers one datagram.
type DatagramReceived struct {
	From  string // sender's node name
	To    string // the address it was sent to
	Bytes []byte
}

// TimerFired reports that a timer armed with After has fired.
type TimerFired struct {
	ID  TimerID
	Tag any
}

// SyncDone reports the completion of Disk.Sync. When Err is nil, everything
// written to File before the Sync call is durable.
type SyncDone struct {
	ID   SyncID
	File string
	Err  error
}

func (Accepted) isEvent()         {}
func (Connected) isEvent()        {}
func (Received) isEvent()         {}
func (Closed) isEvent()           {}
func (DatagramReceived) isEvent() {}
func (TimerFired) isEvent()       {}
func (SyncDone) isEvent()         {}

// Disk is a node's flat file store. Writes land in a volatile cache at once
// and become durable only when a Sync that was called after them completes;
// a crash loses or tears unsynced data as the host's crash mode says. Renames
// and removals are durable at once (a journaled file system's metadata).
// Reads see the latest writes.
type Disk interface {
	// List returns the names of all files, sorted.
	List() ([]string, error)
	// ReadFile returns the current contents of a file.
	ReadFile(name string) ([]byte, error)
	// Append appends b to a file, creating it if needed. The disk copies b
	// (like io.Writer, it does not keep it): the caller may reuse b.
	Append(name string, b []byte) error
	// WriteFile replaces a file's contents, creating it if needed.
	WriteFile(name string, b []byte) error
	// Truncate cuts a file to size bytes.
	Truncate(name string, size int64) error
	// Rename renames a file, replacing any file at to.
	Rename(from, to string) error
	// Remove deletes a file.
	Remove(name string) error
	// Sync starts making the file's current contents durable; completion
	// arrives as SyncDone.
	Sync(name string) SyncID
}

// Errors a Disk returns. Hosts wrap them with context; test with errors.Is.
var (
	ErrNotExist = errors.New("file does not exist")
	ErrDiskFull = errors.New("disk full")
	ErrIO       = errors.New("i/o error")
)

// Errors carried by Closed.
var (
	ErrConnRefused = errors.New("connection refused")
	ErrConnReset   = errors.New("connection reset")
)
