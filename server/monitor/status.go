package monitor

// Status is a snapshot of a server for monitoring: plain values, shared
// with nothing.
type Status struct {
	Version string // zookeeper.version
	Host    string // host.name ("" before the server started)
	// Mode is "standalone", "leader", "follower", "observer" or "looking".
	Mode    string
	Serving bool
	// Ensemble: the server is a member of one (LeaderID etc. mean
	// something).
	Ensemble   bool
	IsLeader   bool
	LeaderID   uint64
	LeaderHost string // the leader's host, "" if unknown

	ClientPort          string // the client address's port
	TickTimeMS          int64
	MaxClientCnxns      int
	MinSessionTimeoutMS int64
	MaxSessionTimeoutMS int64
	ServerID            int64

	// Config (reconfigEnabled members only): the active config's version
	// and text, and its voters' lines by id.
	HasConfig     bool
	ConfigVersion int64
	ConfigText    string
	// Voters are the voting view: id → its rendering.
	Voters map[int64]string
	// QuorumSize is the number of voting members (ensembles only).
	QuorumSize int

	Stats       Stats
	UptimeMS    int64
	Outstanding int // writes prepped and not yet applied
	Conns       []Conn

	HasTree        bool
	LastZxid       int64
	NodeCount      int // as ZooKeeper reports it (the root counted twice)
	WatchCount     int
	DataWatches    WatchSummary
	Ephemerals     map[int64][]string // by session, each sorted
	ApproxDataSize int64

	HasSessions bool
	Sessions    []Session // sorted by id
}

// Stats are ServerStats' counters.
type Stats struct {
	PacketsReceived, PacketsSent int64
	MinLatencyMS, MaxLatencyMS   int64
	TotalLatencyMS, LatencyCount int64
}

// AvgLatencyMS is the mean request latency (0 without requests), as an
// integer as mntr and srvr print it.
func (st Stats) AvgLatencyMS() int64 {
	if st.LatencyCount == 0 {
		return 0
	}
	return st.TotalLatencyMS / st.LatencyCount
}

func (st Stats) avgLatency() float64 {
	if st.LatencyCount == 0 {
		return 0
	}
	return float64(st.TotalLatencyMS) / float64(st.LatencyCount)
}

// Conn is one client connection.
type Conn struct {
	Remote         string
	Queued         int
	Received, Sent int64
	Session        int64
	LastZxid       int64
	TimeoutMS      int32
}

// Session is one tracked session.
type Session struct {
	ID        int64
	TimeoutMS int32
	ExpiryMS  int64
	Bucketed  bool
}

// WatchSummary is DataTree.getWatchesSummary: data watches only.
type WatchSummary struct{ Watchers, Paths, Watches int }
