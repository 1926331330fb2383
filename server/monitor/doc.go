// Package monitor renders what operators ask a server: ZooKeeper 3.8's
// four-letter words (srvr, stat, mntr, conf, cons, dump, wchs, ...) in their
// text formats, the AdminServer commands (org.apache.zookeeper.server.
// admin.Commands) as JSON-ready maps, and the Prometheus gauges under
// ZooKeeper's metric names. It owns the formats, not the numbers: the
// server fills a Status, a plain snapshot of its state, and monitor only
// reads it.
//
// monitor may import the standard library and server/config; never package
// server, sim, live, client, checker or anything above them.
package monitor
