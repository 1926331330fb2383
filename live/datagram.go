package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"

	"github.com/zabsim/zabsim/proc"
)

// Datagrams travel as UDP packets on the same host:port as the TCP listener
// the receiving process opened with Listen, as in the simulator, where a
// datagram reaches a node only at an address it listens on. Each packet
// carries the sender's node name and the address it was sent to, because a
// UDP source address says neither:
//
//	magic "zsd1" | u16 len(from) | from | u16 len(to) | to | payload
const datagramMagic = "zsd1"

// maxDatagramBytes is the largest UDP payload over IPv4; bigger datagrams
// are dropped (the contract allows loss) and logged.
const maxDatagramBytes = 65507

func encodeDatagram(from, to string, payload []byte) ([]byte, error) {
	if len(from) > 0xffff || len(to) > 0xffff {
		return nil, errors.New("datagram header too long")
	}
	b := make([]byte, 0, len(datagramMagic)+4+len(from)+len(to)+len(payload))
	b = append(b, datagramMagic...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(from)))
	b = append(b, from...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(to)))
	b = append(b, to...)
	b = append(b, payload...)
	if len(b) > maxDatagramBytes {
		return nil, fmt.Errorf("datagram of %d bytes exceeds %d", len(b), maxDatagramBytes)
	}
	return b, nil
}

// decodeDatagram parses a packet; anything malformed (a stray sender on the
// port) is an error, never a panic.
func decodeDatagram(b []byte) (proc.DatagramReceived, error) {
	var d proc.DatagramReceived
	rest, ok := cutPrefix(b, datagramMagic)
	if !ok {
		return d, errors.New("not a zabsim datagram")
	}
	from, rest, ok := cutString(rest)
	if !ok {
		return d, errors.New("truncated sender")
	}
	to, rest, ok := cutString(rest)
	if !ok {
		return d, errors.New("truncated address")
	}
	return proc.DatagramReceived{From: from, To: to, Bytes: append([]byte(nil), rest...)}, nil
}

func cutPrefix(b []byte, p string) ([]byte, bool) {
	if len(b) < len(p) || string(b[:len(p)]) != p {
		return nil, false
	}
	return b[len(p):], true
}

func cutString(b []byte) (string, []byte, bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, false
	}
	return string(b[2 : 2+n]), b[2+n:], true
}

// listenDatagrams binds UDP on the TCP listener's address. It is best
// effort: if the UDP port is taken the process still gets its TCP listener
// and datagrams to that address are lost, which the contract allows.
func (inc *incarnation) listenDatagrams(tcpAddr net.Addr) {
	ta, ok := tcpAddr.(*net.TCPAddr)
	if !ok {
		return
	}
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: ta.IP, Port: ta.Port, Zone: ta.Zone})
	if err != nil {
		inc.logger.Printf("datagrams on %s unavailable: %v", tcpAddr, err)
		return
	}
	inc.udp = append(inc.udp, uc)
	inc.wg.Go(func() { inc.datagramLoop(uc) })
}

func (inc *incarnation) datagramLoop(uc *net.UDPConn) {
	buf := make([]byte, 1<<16)
	for {
		n, _, err := uc.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				inc.logger.Printf("datagram read on %s: %v", uc.LocalAddr(), err)
			}
			return
		}
		d, err := decodeDatagram(buf[:n])
		if err != nil {
			inc.logger.Printf("datagram on %s dropped: %v", uc.LocalAddr(), err)
			continue
		}
		if !inc.post(d) {
			return
		}
	}
}

// sendDatagram writes one UDP packet from the incarnation's sending socket.
// Failures are logged and the datagram is lost, as the contract allows.
func (inc *incarnation) sendDatagram(addr string, payload []byte) {
	pkt, err := encodeDatagram(inc.opts.Name, addr, payload)
	if err != nil {
		inc.logger.Printf("datagram to %s dropped: %v", addr, err)
		return
	}
	ua, err := net.ResolveUDPAddr("udp", inc.opts.Resolve(addr))
	if err != nil {
		inc.logger.Printf("datagram to %s dropped: %v", addr, err)
		return
	}
	if inc.udpOut == nil {
		if inc.udpOut, err = net.ListenUDP("udp", nil); err != nil {
			inc.logger.Printf("datagram to %s dropped: no sending socket: %v", addr, err)
			return
		}
	}
	if _, err := inc.udpOut.WriteToUDP(pkt, ua); err != nil {
		inc.logger.Printf("datagram to %s dropped: %v", addr, err)
	}
}
