package cluster

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live"
)

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, msg string) (string, error) {
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}

// TestProxyCutClosesAndRefusesUntilHealed: cutting a link ends its live
// connections and refuses new ones; healing lets connections through again.
func TestProxyCutClosesAndRefusesUntilHealed(t *testing.T) {
	p, err := newLinkProxy("s1", "s2", "quorum", echoServer(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := roundTrip(c, "hello"); err != nil || got != "hello" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	p.setCut(true)
	if _, err := roundTrip(c, "lost"); err == nil {
		t.Fatal("a connection across a cut link still carries bytes")
	}
	c2, err := net.Dial("tcp", p.Addr())
	if err == nil {
		_, err = roundTrip(c2, "refused")
		c2.Close()
	}
	if err == nil {
		t.Fatal("a new connection across a cut link worked")
	}
	p.setCut(false)
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	if got, err := roundTrip(c3, "healed"); err != nil || got != "healed" {
		t.Fatalf("after heal: %q, %v", got, err)
	}
}

// TestProxyDelayKeepsOrder: added latency applies to each direction, and
// jitter never reorders a stream.
func TestProxyDelayKeepsOrder(t *testing.T) {
	p, err := newLinkProxy("s1", "s2", "quorum", echoServer(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	p.setDelay(40*time.Millisecond, 30*time.Millisecond)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if got, err := roundTrip(c, "x"); err != nil || got != "x" {
		t.Fatalf("%q %v", got, err)
	}
	if rtt := time.Since(start); rtt < 80*time.Millisecond {
		t.Fatalf("round trip %v with 40ms added each way", rtt)
	}
	var want bytes.Buffer
	for i := range 200 {
		msg := []byte{byte(i)}
		want.Write(msg)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Microsecond)
	}
	got := make([]byte, want.Len())
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("stream reordered under jitter: %v", got)
	}
	p.setDelay(0, 0)
	start = time.Now()
	if _, err := roundTrip(c, "y"); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt > 60*time.Millisecond {
		t.Errorf("round trip %v after the delay was removed", rtt)
	}
}

// TestZKHelloRewriter: ZooKeeper 3.6+'s election handshake gets the reverse
// proxy's address; the rest of the stream and old-protocol handshakes pass
// unchanged.
func TestZKHelloRewriter(t *testing.T) {
	var in bytes.Buffer
	_ = binary.Write(&in, binary.BigEndian, int64(-65535)) // PROTOCOL_VERSION_V2
	_ = binary.Write(&in, binary.BigEndian, int64(2))
	real := "127.0.0.1:3888"
	_ = binary.Write(&in, binary.BigEndian, uint32(len(real)))
	in.WriteString(real + "REST")
	var out bytes.Buffer
	if err := zkHelloRewriter("127.0.0.1:40001")(&in, &out); err != nil {
		t.Fatal(err)
	}
	out.Write(in.Bytes()) // what the pump then copies
	b := out.Bytes()
	if int64(binary.BigEndian.Uint64(b)) != -65535 || binary.BigEndian.Uint64(b[8:]) != 2 {
		t.Fatalf("header changed: %x", b[:16])
	}
	n := binary.BigEndian.Uint32(b[16:])
	if got := string(b[20 : 20+n]); got != "127.0.0.1:40001" || string(b[20+n:]) != "REST" {
		t.Fatalf("rewritten to %q, then %q", got, b[20+n:])
	}

	var old, oldOut bytes.Buffer
	_ = binary.Write(&old, binary.BigEndian, int64(3)) // pre-3.6: the sid itself
	if err := zkHelloRewriter("x")(&old, &oldOut); err != nil || binary.BigEndian.Uint64(oldOut.Bytes()) != 3 {
		t.Fatalf("old handshake: %x, %v", oldOut.Bytes(), err)
	}

	var huge bytes.Buffer
	_ = binary.Write(&huge, binary.BigEndian, int64(-65535))
	_ = binary.Write(&huge, binary.BigEndian, int64(2))
	_ = binary.Write(&huge, binary.BigEndian, uint32(1<<30))
	if err := zkHelloRewriter("x")(&huge, io.Discard); err == nil {
		t.Fatal("a 1 GB address was accepted")
	}
}

// TestClockStrobeFlipsUntilStopped: a strobe alternates the offset file
// between its two values and stops writing when stopped.
func TestClockStrobeFlipsUntilStopped(t *testing.T) {
	nd := &clusterNode{name: "s1", clockPath: filepath.Join(t.TempDir(), "clock")}
	if err := nd.writeClock(TargetZooKeeper, time.Second); err != nil {
		t.Fatal(err)
	}
	nd.strobe = startStrobe(nd, TargetZooKeeper, -time.Second, time.Second, 10*time.Millisecond)
	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen) < 2 && time.Now().Before(deadline) {
		b, err := os.ReadFile(nd.clockPath)
		if err == nil {
			seen[string(b)] = true
		}
		time.Sleep(time.Millisecond)
	}
	if !seen["-1.000000\n"] || !seen["+1.000000\n"] || len(seen) != 2 {
		t.Fatalf("strobe wrote %v, want libfaketime's -1.000000 and +1.000000", seen)
	}
	nd.stopStrobe()
	if nd.strobe != nil {
		t.Fatal("strobe still set after stop")
	}
	before, _ := os.ReadFile(nd.clockPath)
	time.Sleep(50 * time.Millisecond)
	if after, _ := os.ReadFile(nd.clockPath); string(after) != string(before) {
		t.Fatal("the offset file changed after the strobe stopped")
	}
	if err := nd.writeClock(TargetZabsim, -1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if d, err := live.ReadClockOffset(nd.clockPath); err != nil || d != -1500*time.Millisecond {
		t.Fatalf("zabsim offset file reads %v, %v", d, err)
	}
}
