package monitor

// Metric is one gauge as ZooKeeper's PrometheusMetricsProvider exports it
// (and mntr prints it, with a zk_ prefix): ZooKeeper's name, a help text,
// and the value now.
type Metric struct {
	Name  string
	Help  string
	Value float64
}

// Metrics returns the gauges under ZooKeeper's metric names, in a fixed
// order. Only what zabsim measures is listed: a metric ZooKeeper has and
// zabsim does not track (synced_followers, leader_uptime,
// fsync_threshold_exceed_count, ...) is absent rather than reported as a
// made-up zero.
func Metrics(st *Status) []Metric {
	ms := []Metric{
		{Name: "uptime", Help: "milliseconds since the server started", Value: float64(st.UptimeMS)},
		{Name: "packets_received", Help: "client packets received", Value: float64(st.Stats.PacketsReceived)},
		{Name: "packets_sent", Help: "client packets sent", Value: float64(st.Stats.PacketsSent)},
		{Name: "avg_latency", Help: "average request latency in milliseconds", Value: st.Stats.avgLatency()},
		{Name: "min_latency", Help: "minimum request latency in milliseconds", Value: float64(st.Stats.MinLatencyMS)},
		{Name: "max_latency", Help: "maximum request latency in milliseconds", Value: float64(st.Stats.MaxLatencyMS)},
		{Name: "num_alive_connections", Help: "open client connections", Value: float64(len(st.Conns))},
		{Name: "outstanding_requests", Help: "writes waiting to be made durable", Value: float64(st.Outstanding)},
	}
	if st.Ensemble { // ZooKeeper registers quorum_size with the quorum peer only
		ms = append(ms, Metric{Name: "quorum_size", Help: "voting members of the ensemble", Value: float64(st.QuorumSize)})
	}
	if st.HasTree {
		ms = append(ms,
			Metric{Name: "znode_count", Help: "znodes in the data tree", Value: float64(st.NodeCount)},
			Metric{Name: "watch_count", Help: "armed (watcher, path) pairs", Value: float64(st.WatchCount)},
			Metric{Name: "ephemerals_count", Help: "ephemeral znodes", Value: float64(ephemeralCount(st))},
			Metric{Name: "approximate_data_size", Help: "bytes of znode paths and data", Value: float64(st.ApproxDataSize)},
		)
	}
	if st.HasSessions {
		ms = append(ms, Metric{Name: "global_sessions", Help: "sessions this server tracks", Value: float64(len(st.Sessions))})
	}
	return ms
}
