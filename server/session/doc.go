// Package session is ZooKeeper's session tracker as a pure data structure.
//
// It owns what SessionTrackerImpl, ExpiryQueue, LearnerSessionTracker and the
// session half of ZooKeeperServer.processConnectRequest do in Apache
// ZooKeeper 3.8:
//
//   - session id generation (InitialID: (nowMS << 24 >>> 8) | (serverID << 56),
//     then increment);
//   - passwords derived from the id and a server secret with Java's
//     java.util.Random, byte for byte (Password, CheckPassword);
//   - timeout negotiation, clamped to [min, max] = [2, 20] × tickTime by
//     default (Config.Negotiate);
//   - expiry buckets of width tickTime (Tracker.Touch, Tracker.Expired), the
//     closing state, and connection ownership for SessionMoved (Tracker.Check);
//   - the follower-side table of touches forwarded to the leader in PING
//     (LocalTracker).
//
// Time is always an argument, in milliseconds of the caller's clock (names end
// in MS), as ZooKeeper counts session time. Nothing here reads a clock, arms a
// timer or starts a goroutine: the caller asks NextExpiryMS when to wake up and
// calls Expired then. Every list returned is sorted by session id.
//
// session imports only the standard library and server/wire. It must not
// import proc hosts (sim, live) or any other server package.
package session
