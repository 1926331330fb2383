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

// Committed reports a txn applied to the tree.
type Committed struct {
	Node    string
	Zxid    int64
	Type    string
	Session int64  // the txn header's session (clientId)
	Digest  uint64 // FNV-1a of the txn bytes
}

// SessionExpired reports that the server expired a session.
type SessionExpired struct {
	Node    string
	Session int64
}
