package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// linkProxy forwards the TCP connections one node opens to one peer's
// quorum or election port: node from's config names the proxy's address as
// to's, so every byte between the two on that port passes here. The proxy
// is how the live tier cuts and slows individual links without root
// (iptables) and without touching the servers.
//
// A connection carries bytes both ways, so the two directed links between
// a pair share it. As in the simulator, a connection needs both directions:
// cutting either link closes the proxy's live connections and refuses new
// ones until healed. Latency (with jitter) delays each direction's chunks
// in order; loss, duplication and reordering do not apply to a TCP stream
// (in the simulator they apply to datagrams only).
type linkProxy struct {
	from, to string // the directed link whose connections this proxy carries
	port     string // "quorum" or "election", for logs
	target   string // the peer's real address
	ln       net.Listener

	// hello, when set, rewrites the first message the dialling node sends
	// (Apache ZooKeeper's election handshake names the sender's own
	// election address, which the peer would dial back directly).
	hello func(r io.Reader, w io.Writer) error

	mu      sync.Mutex
	cut     bool
	latency time.Duration
	jitter  time.Duration
	rng     *rand.Rand
	conns   map[*proxyConn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// proxyConn is one forwarded connection: the dialler's side and the peer's.
type proxyConn struct{ in, out net.Conn }

func (pc *proxyConn) close() {
	pc.in.Close()
	pc.out.Close()
}

// newLinkProxy listens on a free loopback port for connections from→to.
func newLinkProxy(from, to, port, target string, seed uint64) (*linkProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("live: proxy %s->%s %s: %w", from, to, port, err)
	}
	p := &linkProxy{from: from, to: to, port: port, target: target, ln: ln,
		rng: rand.New(rand.NewPCG(seed, 0x70726f7879)), conns: map[*proxyConn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is where from's config points for to.
func (p *linkProxy) Addr() string { return p.ln.Addr().String() }

func (p *linkProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		refuse := p.cut || p.closed
		p.mu.Unlock()
		if refuse {
			resetConn(c)
			continue
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

// resetConn closes c with an RST, as a peer behind a dropped link looks to
// a connecting node that gets an immediate error rather than a hang.
func resetConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// forward dials the peer and pumps both directions until either side ends
// or the link is cut.
func (p *linkProxy) forward(in net.Conn) {
	defer p.wg.Done()
	out, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil {
		resetConn(in) // the peer is down: the dialler sees what it would see without a proxy
		return
	}
	pc := &proxyConn{in: in, out: out}
	p.mu.Lock()
	if p.cut || p.closed {
		p.mu.Unlock()
		pc.close()
		return
	}
	p.conns[pc] = struct{}{}
	p.mu.Unlock()
	var pumps sync.WaitGroup
	pumps.Go(func() { p.pump(in, out, p.hello) })
	pumps.Go(func() { p.pump(out, in, nil) })
	pumps.Wait()
	p.mu.Lock()
	delete(p.conns, pc)
	p.mu.Unlock()
}

// pump copies src to dst through a delay line; when either fails, both
// connections of the pair are closed so the other direction ends too.
func (p *linkProxy) pump(src, dst net.Conn, hello func(io.Reader, io.Writer) error) {
	defer src.Close()
	defer dst.Close()
	if hello != nil {
		if err := hello(src, dst); err != nil {
			return
		}
	}
	type chunk struct {
		due  time.Time
		data []byte
	}
	line := make(chan chunk, 64)
	var writer sync.WaitGroup
	writer.Go(func() {
		for c := range line {
			if d := time.Until(c.due); d > 0 {
				time.Sleep(d)
			}
			if _, err := dst.Write(c.data); err != nil {
				src.Close() // unblock the reader
				for range line {
				}
				return
			}
		}
	})
	defer writer.Wait()
	defer close(line)
	var last time.Time
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			// Chunks leave in order: a short draw never overtakes a long one.
			due := time.Now().Add(p.delay())
			if due.Before(last) {
				due = last
			}
			last = due
			line <- chunk{due: due, data: append([]byte(nil), buf[:n]...)}
		}
		if err != nil {
			return
		}
	}
}

// delay draws one chunk's added latency.
func (p *linkProxy) delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.latency
	if p.jitter > 0 {
		d += time.Duration(p.rng.Int64N(int64(p.jitter) + 1))
	}
	return d
}

// setCut cuts or heals the link; cutting closes every live connection.
func (p *linkProxy) setCut(cut bool) {
	p.mu.Lock()
	p.cut = cut
	var live []*proxyConn
	if cut {
		for pc := range p.conns {
			live = append(live, pc)
		}
	}
	p.mu.Unlock()
	for _, pc := range live {
		pc.close()
	}
}

// setDelay replaces the added latency and jitter.
func (p *linkProxy) setDelay(latency, jitter time.Duration) {
	p.mu.Lock()
	p.latency, p.jitter = latency, jitter
	p.mu.Unlock()
}

// close stops accepting, closes every connection and waits for the
// proxy's goroutines. It is idempotent.
func (p *linkProxy) close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	var live []*proxyConn
	for pc := range p.conns {
		live = append(live, pc)
	}
	p.mu.Unlock()
	if !already {
		p.ln.Close()
	}
	for _, pc := range live {
		pc.close()
	}
	p.wg.Wait()
}

// Apache ZooKeeper 3.6+'s election handshake (QuorumCnxManager's
// InitialMessage) starts with a negative protocol version, then the sender's
// sid and its election address as a length-prefixed string. A node with a
// higher sid that receives a connection from a lower one closes it and dials
// back the address in the message: the sender's real port, around the
// proxy. zkHelloRewriter replaces that address by the proxy for the reverse
// link, so the dial-back crosses the proxy that link's cuts act on.
func zkHelloRewriter(reverseProxyAddr string) func(io.Reader, io.Writer) error {
	return func(r io.Reader, w io.Writer) error {
		var head [8]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return err
		}
		if int64(binary.BigEndian.Uint64(head[:])) >= 0 {
			// Pre-3.6 protocol: the first long is the sid, no address follows.
			_, err := w.Write(head[:])
			return err
		}
		var sidLen [12]byte
		if _, err := io.ReadFull(r, sidLen[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(sidLen[8:])
		if n > 4096 { // ZooKeeper caps it too; anything larger is not a handshake
			return errors.New("live: zookeeper election handshake address too long")
		}
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return err
		}
		msg := make([]byte, 0, 20+len(reverseProxyAddr))
		msg = append(msg, head[:]...)
		msg = append(msg, sidLen[:8]...)
		msg = binary.BigEndian.AppendUint32(msg, uint32(len(reverseProxyAddr)))
		msg = append(msg, reverseProxyAddr...)
		_, err := w.Write(msg)
		return err
	}
}
