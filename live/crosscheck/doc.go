// Package crosscheck compares zabsim with Apache ZooKeeper 3.8 reply by
// reply: Check sends one seeded mixed op sequence to both (through
// go-zookeeper where it can express the op, RawClient where it cannot) and
// diffs error codes, data, children, ACLs, every Stat field (zxids relative
// to the first write, times by their relation), watch outcomes and the
// final trees; Run starts both servers standalone for `zabsim crosscheck`.
// The differential tests against ZooKeeper live here too (deliberate
// differences in docs/deviations.md).
//
// crosscheck may import live and its packages but live/bench, and the
// server packages; it must never import sim, scenarios or cmd.
package crosscheck
