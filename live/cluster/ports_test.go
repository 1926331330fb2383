package cluster

import (
	"net"
	"strconv"
	"testing"
)

// TestReservePortBelowEphemeralRange: reserved server ports come from below
// the kernel's ephemeral range, where no outgoing connection can take them
// between the reservation and the server's bind.
func TestReservePortBelowEphemeralRange(t *testing.T) {
	hi := ephemeralLow()
	if hi-lowPortFloor < 1000 {
		t.Skipf("ephemeral range starts at %d: no room below it", hi)
	}
	seen := map[int]bool{}
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 20 {
		l, err := reservePort()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		port := mustPort(t, l.Addr().String())
		if port < lowPortFloor || port >= hi || seen[port] {
			t.Fatalf("reserved port %d: want a new one in [%d, %d)", port, lowPortFloor, hi)
		}
		seen[port] = true
	}
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if port := mustPort(t, addr); port < lowPortFloor || port >= hi {
		t.Fatalf("FreeAddr %s: want a port in [%d, %d)", addr, lowPortFloor, hi)
	}
}

func mustPort(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return port
}
