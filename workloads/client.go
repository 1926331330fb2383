package workloads

import (
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

// Client is the ZooKeeper session a worker drives: exactly the calls the
// drivers make. Every callback and every Config.OnEvent call runs on the
// worker's own event loop, one at a time, and a callback runs once. The
// simulator uses zabsim's deterministic *client.Client; the live tier
// passes a go-zookeeper/zk adapter through WorkerConfig.NewClient.
type Client interface {
	// Start binds the client to the worker's Env. The base calls it once,
	// right after making the client current.
	Start(env proc.Env)
	// Handle offers the client a runtime event (a connection's bytes, a
	// timer); it reports whether the event was the client's.
	Handle(ev proc.Event) bool
	// SessionID is the current session id, 0 before the first handshake.
	SessionID() int64
	// Close ends the session with closeSession; cb may be nil.
	Close(cb func(client.Result))

	Create(path string, data []byte, acl []wire.ACL, flags int32, cb func(client.Result))
	Delete(path string, version int32, cb func(client.Result))
	Exists(path string, watch bool, cb func(client.Result))
	GetData(path string, watch bool, cb func(client.Result))
	SetData(path string, data []byte, version int32, cb func(client.Result))
	GetChildren(path string, watch bool, cb func(client.Result))
	Sync(path string, cb func(client.Result))
	Multi(ops []wire.Request, cb func(client.Result))
	MultiRead(ops []wire.Request, cb func(client.Result))
	// AddAuth adds credentials to the session (digest "user:password"; the
	// super user's lets an operator reconfig); cb reports the answer.
	AddAuth(scheme string, auth []byte, cb func(client.Result))
	// Reconfig changes the membership: incremental (joining server lines,
	// leaving ids) when members is nil, else the whole new membership;
	// fromConfig is the expected config version (-1: any). The result
	// carries the new /zookeeper/config data and Stat.
	Reconfig(joining, leaving, members []string, fromConfig int64, cb func(client.Result))
}

var _ Client = (*client.Client)(nil)

// Abandoner is implemented by clients that must be told to fall silent
// when a worker simulates its own crash (the registry's broker crash): no
// more pings or requests, no closeSession, so the server expires the
// session. The deterministic client needs no telling: once the worker
// stops routing its events it falls silent by itself.
type Abandoner interface{ Abandon() }

// NewClientFunc builds one client for cfg (its OnEvent already set); the
// base then calls Start. See WorkerConfig.NewClient.
type NewClientFunc func(cfg client.Config) (Client, error)

// newDeterministicClient is the default NewClientFunc.
func newDeterministicClient(cfg client.Config) (Client, error) {
	cl, err := client.New(cfg)
	if err != nil {
		return nil, err // a typed nil *client.Client must not become a non-nil Client
	}
	return cl, nil
}

// SuperAuth is the super user's digest credential ("super:<password>") in
// an ensemble run with dynamic reconfiguration: the simulator starts every
// server with its digest (superDigest), and an operator adds it to its
// session before a reconfig, which ZooKeeper allows only to the super user.
const SuperAuth = "super:zabsim-operator"
