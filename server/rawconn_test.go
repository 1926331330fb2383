package server_test

import (
	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/wire"
)

// rawConn is the connection half every raw-protocol test client shares: it
// dials addr, sends connect as its handshake, and hands the connect
// response and each later frame to its owner.
type rawConn struct {
	addr    string
	connect wire.ConnectRequest

	env       proc.Env
	conn      proc.ConnID
	framer    wire.Framer
	connected bool
}

func (r *rawConn) start(env proc.Env) {
	r.env = env
	env.Dial(r.addr)
}

// handle takes one event: onConnect gets the connect response, onFrame
// every frame after it, onClosed the end of the connection.
func (r *rawConn) handle(ev proc.Event, onConnect, onFrame func(frame []byte), onClosed func()) {
	switch e := ev.(type) {
	case proc.Connected:
		r.conn = e.Conn
		r.env.Send(e.Conn, wire.EncodeConnectRequest(r.connect))
	case proc.Closed:
		onClosed()
	case proc.Received:
		r.framer.Push(e.Bytes)
		for {
			frame, ok, err := r.framer.Next()
			if err != nil || !ok {
				return
			}
			if !r.connected {
				r.connected = true
				onConnect(frame)
				continue
			}
			onFrame(frame)
		}
	}
}
