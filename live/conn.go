package live

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zabsim/zabsim/proc"
)

// listener is the part of net.Listener the loop uses.
type listener = net.Listener

// Loop events posted by connection goroutines.
type (
	acceptedConn struct {
		local string // the listener's name: the address passed to Listen
		nc    net.Conn
	}
	dialResult struct {
		id  proc.ConnID
		nc  net.Conn // nil on failure
		err error
	}
	connRead struct {
		id proc.ConnID
		b  []byte
	}
	connEnded struct {
		id  proc.ConnID
		err error // nil: the peer closed cleanly
	}
)

// conn is one established connection. The loop owns the struct; the reader
// and writer goroutines see only nc, out and queuedBytes.
type conn struct {
	id          proc.ConnID
	nc          net.Conn
	out         chan []byte
	queuedBytes atomic.Int64
	outClosed   bool // loop-owned
}

// listen binds addr ("host:port"; an empty host means 127.0.0.1) and starts
// its acceptor.
func (inc *incarnation) listen(addr string) error {
	host, port, err := net.SplitHostPort(inc.opts.Resolve(addr))
	if err != nil {
		return fmt.Errorf("live: listen %q: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return fmt.Errorf("live: listen %q: %w", addr, err)
	}
	inc.listeners = append(inc.listeners, l)
	// Accepted.Local names the listener as the process did (addr, before
	// Resolve), not as the kernel reports it: a server told to listen on
	// "localhost:2888" tells its quorum listener's connections from its
	// client listener's by that name, whatever address it bound.
	inc.wg.Go(func() { inc.acceptLoop(l, addr) })
	inc.listenDatagrams(l.Addr())
	return nil
}

// acceptLoop accepts on l, the listener the process asked for as name.
func (inc *incarnation) acceptLoop(l net.Listener, name string) {
	for {
		nc, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				inc.logger.Printf("accept on %s (%s): %v", name, l.Addr(), err)
			}
			return
		}
		if !inc.post(acceptedConn{local: name, nc: nc}) {
			_ = nc.Close()
			return
		}
	}
}

func (inc *incarnation) onAccepted(ev acceptedConn) {
	id := inc.newConnID()
	inc.startConn(id, ev.nc)
	inc.proc.Handle(proc.Accepted{Conn: id, Local: ev.local, Remote: ev.nc.RemoteAddr().String()})
}

func (inc *incarnation) newConnID() proc.ConnID {
	inc.nextConn++
	return inc.nextConn
}

// dial allocates the ConnID at once and connects in the background. The
// connection is registered (with a nil nc) so Close before completion works.
func (inc *incarnation) dial(addr string) proc.ConnID {
	id := inc.newConnID()
	inc.conns[id] = &conn{id: id}
	target := inc.opts.Resolve(addr)
	d := net.Dialer{Timeout: inc.opts.DialTimeout}
	ctx := inc.ctx
	inc.wg.Go(func() {
		nc, err := d.DialContext(ctx, "tcp", target)
		if !inc.post(dialResult{id: id, nc: nc, err: err}) && nc != nil {
			_ = nc.Close()
		}
	})
	return id
}

func (inc *incarnation) onDialed(ev dialResult) {
	if _, ok := inc.conns[ev.id]; !ok { // closed by the process while dialing
		if ev.nc != nil {
			_ = ev.nc.Close()
		}
		return
	}
	if ev.err != nil {
		// Whatever the cause (refused, timeout, no route), no connection
		// was ever established: to the process that is a refusal.
		delete(inc.conns, ev.id)
		inc.proc.Handle(proc.Closed{Conn: ev.id, Err: fmt.Errorf("%w: %v", proc.ErrConnRefused, ev.err)})
		return
	}
	inc.startConn(ev.id, ev.nc)
	inc.proc.Handle(proc.Connected{Conn: ev.id, Remote: ev.nc.RemoteAddr().String()})
}

func (inc *incarnation) startConn(id proc.ConnID, nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true) // small protocol frames; latency matters more than packets
	}
	c := &conn{id: id, nc: nc, out: make(chan []byte, inc.opts.SendQueueLen)}
	inc.conns[id] = c
	inc.wg.Go(func() { inc.readLoop(c) })
	inc.wg.Go(func() { c.writeLoop() })
}

func (inc *incarnation) readLoop(c *conn) {
	buf := make([]byte, readChunkBytes)
	for {
		n, err := c.nc.Read(buf)
		// The process owns what it receives: copy, sized to the read, so a
		// small frame does not pin a whole read buffer.
		if n > 0 && !inc.post(connRead{id: c.id, b: bytes.Clone(buf[:n])}) {
			return
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			inc.post(connEnded{id: c.id, err: err})
			return
		}
	}
}

// writeLoop writes queued chunks in order. A write error closes the socket,
// which ends the reader, which reports the connection's end to the loop.
// When the loop closes out (a local Close), the writer flushes what is
// queued, bounded by the linger deadline the loop set, then closes.
//
// Chunks already queued behind the first are written together in one
// writev (up to writeBatchChunks): a server answering many pipelined
// requests, or a reply followed by watch events, then costs one syscall
// instead of one per frame. Order and bytes are unchanged.
func (c *conn) writeLoop() {
	batch := make(net.Buffers, 0, writeBatchChunks)
	for b := range c.out {
		bufs, n := c.gather(append(batch[:0], b))
		if _, err := bufs.WriteTo(c.nc); err != nil { // WriteTo consumes bufs, not batch
			_ = c.nc.Close()
			for range c.out { // drain so the loop's sends never see a full queue forever
			}
			return
		}
		c.queuedBytes.Add(-n)
	}
	_ = c.nc.Close()
}

// writeBatchChunks bounds one writev (Linux's IOV_MAX is 1024).
const writeBatchChunks = 64

// gather appends the chunks queued right now, without waiting, and returns
// the batch and its size in bytes.
func (c *conn) gather(batch net.Buffers) (net.Buffers, int64) {
	for len(batch) < writeBatchChunks {
		select {
		case b, ok := <-c.out:
			if !ok {
				return batch, buffersLen(batch)
			}
			batch = append(batch, b)
		default:
			return batch, buffersLen(batch)
		}
	}
	return batch, buffersLen(batch)
}

func buffersLen(bufs net.Buffers) int64 {
	var n int64
	for _, b := range bufs {
		n += int64(len(b))
	}
	return n
}

func (inc *incarnation) onConnEnded(ev connEnded) {
	c, ok := inc.conns[ev.id]
	if !ok { // closed locally already
		return
	}
	delete(inc.conns, ev.id)
	c.abort()
	var err error
	if ev.err != nil {
		err = classify(ev.err)
	}
	inc.proc.Handle(proc.Closed{Conn: ev.id, Err: err})
}

func (inc *incarnation) send(id proc.ConnID, b []byte) {
	c, ok := inc.conns[id]
	if !ok || c.nc == nil || len(b) == 0 {
		return
	}
	// A peer is cut off when it falls behind, not for one reply larger
	// than the bound (ZooKeeper sends a getChildren of 20 MB of names, as
	// go-zookeeper's TestIntegration_Children asks for): a chunk always
	// fits an empty queue.
	limit := int64(inc.opts.SendQueueBytes)
	if q := c.queuedBytes.Load(); q > 0 && q+int64(len(b)) > limit {
		inc.overflow(c, limit)
		return
	}
	select {
	case c.out <- b:
		c.queuedBytes.Add(int64(len(b)))
	default:
		inc.overflow(c, limit)
	}
}

// overflow cuts off a peer that does not keep up: the loop must never block
// on a socket, and an unbounded queue would only move the failure to memory.
func (inc *incarnation) overflow(c *conn, limitBytes int64) {
	inc.logger.Printf("conn %d: send queue over %d bytes or %d chunks; closing", c.id, limitBytes, inc.opts.SendQueueLen)
	delete(inc.conns, c.id)
	c.abort()
	inc.deliver(proc.Closed{Conn: c.id, Err: fmt.Errorf("%w: send queue overflow (peer too slow)", proc.ErrConnReset)})
}

// closeConn is Env.Close: flush what is queued (bounded by the linger
// timeout), then close. No event reaches the process.
func (inc *incarnation) closeConn(id proc.ConnID) {
	c, ok := inc.conns[id]
	if !ok {
		return
	}
	delete(inc.conns, id)
	if c.nc == nil { // still dialing: onDialed closes the socket when it arrives
		return
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(inc.opts.LingerTimeout))
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.CloseRead() // the reader ends now; nothing more is delivered
	}
	c.closeOut()
}

// abort closes the socket at once, dropping queued bytes.
func (c *conn) abort() {
	if c.nc == nil {
		return
	}
	_ = c.nc.Close()
	c.closeOut()
}

func (c *conn) closeOut() {
	if !c.outClosed {
		c.outClosed = true
		close(c.out)
	}
}

// classify maps the error that ended an established connection to the proc
// vocabulary, keeping the cause for logs.
func classify(err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: %v", proc.ErrConnRefused, err)
	}
	return fmt.Errorf("%w: %v", proc.ErrConnReset, err)
}
