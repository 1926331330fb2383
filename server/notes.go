package server

// Observations the server hands to proc.Env.Emit, for recorders, timelines
// and online invariant checkers. They never affect the server.

// Serving reports that the server accepts clients.
type Serving struct {
	Node string
	Zxid int64
}

// Failed reports that the server stopped serving (bad disk, corrupt state).
type Failed struct {
	Node string
	Err  string
}

// Committed reports a txn applied to the tree. Every server emits one per
// committed txn, so it is the one per-event note: it holds only a pointer,
// which an interface stores without boxing (a 48-byte struct cost an
// allocation per txn per server). The CommitInfo it points to is the
// emitting server's and is overwritten by its next commit: like the
// sim.Record that carries a note, it is valid only while the observer
// handles it, so copy the fields (c.Node, c.Zxid, ...) you keep.
type Committed struct {
	*CommitInfo
}

// CommitInfo is what a Committed note reports.
type CommitInfo struct {
	Node   string
	Zxid   int64
	Type   string
	Digest uint64 // FNV-1a of the txn bytes
}

// SessionExpired reports that the server expired a session.
type SessionExpired struct {
	Node    string
	Session int64
}
