// Package client is zabsim's deterministic ZooKeeper client: a state machine
// that speaks the real wire protocol (package server/wire) through a proc.Env
// handed to it by the process that hosts it.
//
// It owns the session (handshake, timeout negotiation, id + password, resume
// on another server with lastZxidSeen), xid assignment and the FIFO pending
// queue, pings at a third of the session timeout, dead-connection detection at
// two thirds, reconnection, the client-side watch registry and SetWatches on
// reconnect, auth replay, session expiry, closeSession, and per-op timeouts
// so that a caller never waits forever.
//
// A Client is not a proc.Process: the host process calls Start with its Env
// and passes every event to Handle, which claims only the client's own
// connection and timers. Callbacks run synchronously inside Handle (or on a
// zero-delay timer for ops that fail before being sent), in wire order: a
// watch event is delivered before the reply that follows it on the wire.
//
// Like every deterministic package it never reads the wall clock, starts
// goroutines, locks, or touches net, os or global randomness. It imports
// proc and server/wire only; it must never import sim, live, checker,
// scenarios, reports, or the server's tree, session, zab or storage packages.
package client
