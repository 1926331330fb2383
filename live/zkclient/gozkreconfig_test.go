package zkclient

import (
	"testing"
	"time"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/server/wire"
)

// TestGoZKAdapterAuthAndReconfig: AddAuth and Reconfig reach the server
// through go-zookeeper (Reconfig by IncrementalReconfig, or Reconfig with
// members) and come back with the server's exact code: a standalone
// server refuses reconfig with RECONFIGDISABLED (−123) whoever asks.
func TestGoZKAdapterAuthAndReconfig(t *testing.T) {
	h := newGoZKHarness(t, 4*time.Second)
	cl := h.cl
	requireErr(t, "addAuth", h.do(func(cb func(client.Result)) { cl.AddAuth("digest", []byte("super:secret"), cb) }), wire.ErrOK)
	res := h.do(func(cb func(client.Result)) { cl.Reconfig(nil, []string{"2"}, nil, -1, cb) })
	requireErr(t, "incremental reconfig", res, wire.ErrReconfigDisabled)
	if res.Op != wire.OpReconfig || res.Server != "s1" {
		t.Fatalf("reconfig result %+v: want op reconfig answered by s1", res)
	}
	requireErr(t, "reconfig with members", h.do(func(cb func(client.Result)) {
		cl.Reconfig(nil, nil, []string{"server.1=127.0.0.1:2888:3888:participant;127.0.0.1:2181"}, -1, cb)
	}), wire.ErrReconfigDisabled)
}
