package cluster

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// Server ports are reserved by listening and then released for the server
// to bind, and a killed server binds the same ports again when it restarts.
// A port the kernel hands out for ":0" comes from its ephemeral range,
// which is also where every outgoing connection (clients, proxies, status
// polls) gets its local port, so a released port could be taken by a
// connection before the server binds it ("address already in use": a live
// run failed to start that way). Ports below the ephemeral range are never
// handed to connections; reservePort picks from there.

// lowPortFloor is the lowest port reservePort picks.
const lowPortFloor = 10000

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default when it cannot be read).
func ephemeralLow() int {
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil {
				return lo
			}
		}
	}
	return 32768
}

// reservePort listens on a free 127.0.0.1 port below the ephemeral range
// (any free port if that range is too small or full) and returns the
// listener; closing it releases the port for a server.
func reservePort() (net.Listener, error) {
	if hi := ephemeralLow(); hi-lowPortFloor >= 1000 {
		for range 200 {
			port := lowPortFloor + rand.IntN(hi-lowPortFloor)
			if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
				return l, nil
			}
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}
