package history

// This file is the contract between workloads (which write histories) and
// checkers (which read them). Every value is a JSON object produced by
// encoding/json from the types below, so key order is the struct field order
// and map keys are sorted. "invoke" lists what the invocation carries,
// "ok" what the ok completion carries; fail and info completions may repeat
// the invocation's value or omit it. Every record carries Op.Zxid from the
// reply header when the reply had one, and Op.Session when the client knew its
// session.

// ---------------------------------------------------------------- register
//
// A versioned register per key; each key is one znode created with data "0"
// (value 0, version 0) before the history starts.
//
//	f "read"       plain getData, served locally (not linearizable)
//	f "sync-read"  sync then getData (linearizable when sync is quorum-confirmed)
//	    invoke {"key":"k3"}                 ok {"key":"k3","value":4,"version":2}
//	    add "watch":true on the invoke and ok when the read armed a data watch.
//	    A read of a missing node is ok with {"key":"k3","version":-1}.
//	f "write"      setData(version -1)
//	    invoke {"key":"k3","value":5}       ok {"key":"k3","value":5,"version":3}
//	f "cas"        setData(expected version)
//	    invoke {"key":"k3","value":5,"expect":2}
//	    ok     {"key":"k3","value":5,"expect":2,"version":3}
//	    fail   error "BADVERSION" (definitely not applied)
//	f "watch-event" a watch notification arrived: an invoke and an ok record
//	    back to back at the arrival time, value
//	    {"key":"k3","event":"NodeDataChanged"}; Op.Zxid is the triggering
//	    txn's zxid if the server reported one.
//
// "version" is the Stat.version after the op (for reads: of the data
// returned). Written values should be unique per key: checkers identify the
// write a read observed by its value and version.
const (
	FRead       = "read"
	FSyncRead   = "sync-read"
	FWrite      = "write"
	FCas        = "cas"
	FWatchEvent = "watch-event"
)

// RegisterValue is the value of register ops. Nil fields are omitted.
type RegisterValue struct {
	Key     string `json:"key"`
	Value   *int64 `json:"value,omitempty"`
	Version *int32 `json:"version,omitempty"`
	Expect  *int32 `json:"expect,omitempty"`
	Watch   bool   `json:"watch,omitempty"`
}

// WatchEventValue is the value of a "watch-event" record.
type WatchEventValue struct {
	Key   string `json:"key"`
	Event string `json:"event"` // NodeCreated, NodeDeleted, NodeDataChanged, NodeChildrenChanged
}

// Int64 returns a pointer to v, for optional value fields.
func Int64(v int64) *int64 { return &v }

// Int32 returns a pointer to v, for optional value fields.
func Int32(v int32) *int32 { return &v }

// ---------------------------------------------------------------- election
//
// HDFS NameNode-style election: candidates create ephemeral-sequential
// children of an election znode; the lowest is leader, and its sequence
// number is its term and fencing token. A shared resource accepts a fenced
// write only if its token is >= every token it has accepted.
//
//	f "campaign"      invoke {"candidate":"c1"}
//	                  ok {"candidate":"c1","term":7} when c1 became leader
//	f "resign"        the leader stepped down or saw its session end:
//	                  invoke/ok {"candidate":"c1","term":7}
//	f "fenced-write"  invoke {"candidate":"c1","token":7,"value":42}
//	                  ok = accepted by the resource (Op.Zxid = its txn)
//	                  fail = rejected (error "BADVERSION" or "FENCED")
//
// A candidate's name is its client node's name (as nemesis values list
// nodes), so a fault naming it counts as leader loss for failover timing.
const (
	FCampaign    = "campaign"
	FResign      = "resign"
	FFencedWrite = "fenced-write"
)

// ElectionValue is the value of election ops.
type ElectionValue struct {
	Candidate string `json:"candidate"`
	Term      int64  `json:"term,omitempty"`
	Token     int64  `json:"token,omitempty"`
	Value     int64  `json:"value,omitempty"`
}

// ---------------------------------------------------------------- registry
//
// Kafka-style broker registry: each broker holds an ephemeral znode; watchers
// list the members with a child watch.
//
//	f "join"    invoke/ok {"broker":"b1"} (ephemeral created; Op.Session set)
//	f "leave"   invoke/ok {"broker":"b1"} (session closed cleanly)
//	f "expire"  invoke/ok {"broker":"b1"}: the broker's session expired (the
//	            ok time is when the harness learned it)
//	f "view"    invoke {"watcher":"w1"}
//	            ok {"watcher":"w1","members":["b1","b3"]} (sorted; [] if none)
const (
	FJoin   = "join"
	FLeave  = "leave"
	FExpire = "expire"
	FView   = "view"
)

// RegistryMember is the value of join, leave and expire.
type RegistryMember struct {
	Broker string `json:"broker"`
}

// RegistryView is the value of view.
type RegistryView struct {
	Watcher string   `json:"watcher"`
	Members []string `json:"members"`
}

// ---------------------------------------------------------------- config
//
// Topic configs: writers set config znodes; watchers re-read a key after
// every watch event on it (and every key on a new session).
//
//	f "write"    invoke/ok {"key":"topic-a","value":5} (values unique per key)
//	f "observe"  ok {"key":"topic-a","value":5,"watcher":"w1","mzxid":1234}
//	             (an invoke carries {"key":"topic-a","watcher":"w1"});
//	             mzxid is the Stat.mzxid of the data read, 0 if unknown.
//
//	f "notify"   a watch event arrived at a watcher: an invoke and an ok
//	             record back to back at the arrival time, on a process of
//	             their own (the watcher's observe may be open meanwhile),
//	             value {"key":"topic-a","watcher":"w1","event":"NodeDataChanged"};
//	             Op.Session is the watcher's session, Op.Zxid the triggering
//	             txn's zxid when the server reported one (ZooKeeper 3.8 does
//	             not: 0).
//
// Every record of a watcher carries Op.Session; observe completions carry
// the reply header's zxid in Op.Zxid. Watchers re-read every key on a new
// session only: on a resumed one they trust the watches the client
// re-armed with SetWatches. The final observe of every watcher happens in
// the healed phase.
const (
	FObserve = "observe"
	FNotify  = "notify"
)

// ConfigEvent is the value of a config "notify" record.
type ConfigEvent struct {
	Key     string `json:"key"`
	Watcher string `json:"watcher"`
	Event   string `json:"event"` // NodeCreated, NodeDeleted, NodeDataChanged
}

// ConfigValue is the value of config ops.
type ConfigValue struct {
	Key     string `json:"key"`
	Value   int64  `json:"value"`
	Watcher string `json:"watcher,omitempty"`
	Mzxid   int64  `json:"mzxid,omitempty"`
}

// ---------------------------------------------------------------- lock
//
// Storm/Curator-style lock: ephemeral-sequential children; the holder's
// sequence number is its fencing token.
//
//	f "acquire"  invoke {"client":"c1"}; ok {"client":"c1","token":12}
//	f "release"  invoke/ok {"client":"c1","token":12}
//	f "lost"     invoke/ok {"client":"c1","token":12}: the holder learned it
//	             may have lost the lock (disconnected or expired) and stopped
//	             acting as holder at this time
//
// A hold lasts from the acquire's ok until the holder's next release invoke
// or lost record, or the end of the history.
const (
	FAcquire = "acquire"
	FRelease = "release"
	FLost    = "lost"
)

// LockValue is the value of lock ops.
type LockValue struct {
	Client string `json:"client"`
	Token  int64  `json:"token,omitempty"`
}

// ---------------------------------------------------------------- sequential
//
//	f "create"  invoke {"prefix":"/seq/n-"}
//	            ok {"prefix":"/seq/n-","name":"/seq/n-0000000007"}
//	            Op.Session must be set on the ok record.
const FCreate = "create"

// SequentialValue is the value of sequential creates.
type SequentialValue struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name,omitempty"`
}

// ---------------------------------------------------------------- bank
//
// Accounts are znodes; a transfer is one multi (check+setData+setData).
//
//	f "transfer"  invoke/ok {"from":"a1","to":"a2","amount":5}
//	              fail = not applied (e.g. BADVERSION, insufficient funds)
//	f "read"      invoke {}; ok {"balances":{"a0":10,"a1":7}}
//	              (one multiRead or a sequence of getData; all accounts)
const FTransfer = "transfer"

// BankTransfer is the value of transfer.
type BankTransfer struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
}

// BankRead is the value of a bank read.
type BankRead struct {
	Balances map[string]int64 `json:"balances,omitempty"`
}

// ---------------------------------------------------------------- durability
//
//	f "write"       invoke/ok {"key":"d17","value":3}
//	f "final-read"  after every node crashed and restarted, one per key and
//	                node: invoke {"key":"d17"};
//	                ok {"key":"d17","value":3,"found":true} or
//	                {"key":"d17","found":false} (Op.Node = the server read)
const FFinalRead = "final-read"

// DurabilityValue is the value of durability ops.
type DurabilityValue struct {
	Key   string `json:"key"`
	Value int64  `json:"value,omitempty"`
	Found bool   `json:"found,omitempty"`
}

// ---------------------------------------------------------------- nemesis
//
// Nemesis records (process "nemesis") use f names such as "kill", "restart",
// "pause", "resume", "partition", "heal", "clock", "disk", "net" and a value
// {"nodes":["s1","c2"],"detail":"…"}. "heal" (or any f starting with
// "heal"/"stop"/"restart"/"resume") ends faults; the last nemesis record marks
// the start of the healed phase checkers use for liveness.
type NemesisValue struct {
	Nodes  []string `json:"nodes,omitempty"`
	Detail string   `json:"detail,omitempty"`
	// Shape is a partition's exact shape: "s1,s2 | s3", "s1 | s3, bridge
	// s2", "s1 cannot reach s3", or what each node hears.
	Shape string `json:"shape,omitempty"`
}
