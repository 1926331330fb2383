package history

// This file holds the values more than one study or checker reads (each case
// study's own values live in its package, studies/NAME/values.go); it is the
// contract between the workers that write them and the checkers that read
// them. Every value is a JSON object produced by
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

// ---------------------------------------------------------------- notify
//
// f "notify": something a worker was told (a watch event, a session state
// change), recorded as an invoke and an ok back to back at the arrival
// time, on a process of the worker's own. The config and api studies write
// them (see their values.go); zxid-order and stats read them.
const FNotify = "notify"

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
