package server

// Metric is one gauge as ZooKeeper's PrometheusMetricsProvider exports it
// (and mntr prints it, with a zk_ prefix): ZooKeeper's name, a help text,
// and the value now.
type Metric struct {
	Name  string
	Help  string
	Value float64
}

// Metrics returns the server's gauges under ZooKeeper's metric names, in a
// fixed order. Only what zabsim measures is listed: a metric ZooKeeper has
// and zabsim does not track (synced_followers, leader_uptime,
// fsync_threshold_exceed_count, ...) is absent rather than
// reported as a made-up zero. approximate_data_size walks the tree: Metrics
// is for operators, not for the request path.
func (s *Server) Metrics() []Metric {
	ms := []Metric{
		{Name: "uptime", Help: "milliseconds since the server started", Value: float64(s.elapsedMS())},
		{Name: "packets_received", Help: "client packets received", Value: float64(s.stats.packetsReceived)},
		{Name: "packets_sent", Help: "client packets sent", Value: float64(s.stats.packetsSent)},
		{Name: "avg_latency", Help: "average request latency in milliseconds", Value: avgLatencyMS(s.stats)},
		{Name: "min_latency", Help: "minimum request latency in milliseconds", Value: float64(s.stats.minLatencyMS)},
		{Name: "max_latency", Help: "maximum request latency in milliseconds", Value: float64(s.stats.maxLatencyMS)},
		{Name: "num_alive_connections", Help: "open client connections", Value: float64(len(s.conns))},
		{Name: "outstanding_requests", Help: "writes waiting to be made durable", Value: float64(len(s.inflight))},
	}
	if s.ens != nil { // ZooKeeper registers quorum_size with the quorum peer only
		ms = append(ms, Metric{Name: "quorum_size", Help: "voting members of the ensemble", Value: float64(s.quorumSize())})
	}
	if s.tree != nil {
		ms = append(ms,
			Metric{Name: "znode_count", Help: "znodes in the data tree", Value: float64(s.reportedNodeCount())},
			Metric{Name: "watch_count", Help: "armed (watcher, path) pairs", Value: float64(s.tree.WatchCount())},
			Metric{Name: "ephemerals_count", Help: "ephemeral znodes", Value: float64(s.ephemeralCount())},
			Metric{Name: "approximate_data_size", Help: "bytes of znode paths and data", Value: float64(s.approximateDataSize())},
		)
	}
	if s.sessions != nil {
		ms = append(ms, Metric{Name: "global_sessions", Help: "sessions this server tracks", Value: float64(s.sessions.Len())})
	}
	return ms
}

// approximateDataSize is DataTree.approximateDataSize: the length of every
// znode's path plus its data.
func (s *Server) approximateDataSize() int64 {
	var size int64
	stack := []string{"/"}
	for len(stack) > 0 {
		path := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := s.tree.Node(path)
		if !ok {
			continue
		}
		size += int64(len(path) + n.DataLength)
		kids, _, _ := s.tree.GetChildren(path, 0, false)
		for _, k := range kids {
			stack = append(stack, childPath(path, k))
		}
	}
	return size
}

func childPath(parent, name string) string {
	if parent == "/" {
		return "/" + name
	}
	return parent + "/" + name
}

func avgLatencyMS(st serverStats) float64 {
	if st.latencyCount == 0 {
		return 0
	}
	return float64(st.totalLatencyMS) / float64(st.latencyCount)
}

func (s *Server) quorumSize() int {
	n := 0
	for _, p := range s.cfg.Peers {
		if !p.Observer {
			n++
		}
	}
	return n
}
