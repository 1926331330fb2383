// Package bench is the live benchmark: Run drives servers with a
// closed-loop go-zookeeper/zk load (create, setData, getData, mixed; one
// request outstanding per client) and measures throughput and latency
// quantiles; Compare is `zabsim bench` — each target (zabsim or Apache
// ZooKeeper, standalone or an ensemble, or a running server) started in
// turn and driven alike — and WriteMarkdown, WriteJSON, PlotThroughput and
// PlotLatency report the targets side by side.
//
// The simulator's own speed (`zabsim bench --sim`) is package simbench, not
// this one. bench may import live and its packages but live/crosscheck,
// the server packages and gonum/plot; it must never import sim, scenarios
// or cmd.
package bench
