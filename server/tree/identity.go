package tree

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/zabsim/zabsim/server/wire"
)

// A client's identities as ZooKeeper shows them: the ip scheme's host
// address and whoAmI's list.

// HostAddress is a client's address as ZooKeeper spells it for the ip
// scheme, whoAmI and connection listings (InetAddress.getHostAddress): an
// IPv4 address (mapped or not) dotted, an IPv6 one unbracketed and in full,
// each group in hex without leading zeros ("0:0:0:0:0:0:0:1" for [::1]).
// Anything else (a simulated node's name) is kept as it is.
func HostAddress(remote string) string {
	host := strings.TrimSuffix(strings.TrimPrefix(hostOf(remote), "["), "]")
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	b16 := a.As16()
	out := make([]byte, 0, 40)
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			out = append(out, ':')
		}
		out = strconv.AppendUint(out, uint64(b16[i])<<8|uint64(b16[i+1]), 16)
	}
	if z := a.Zone(); z != "" {
		out = append(append(out, '%'), z...)
	}
	return string(out)
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// ClientInfos is AuthUtil.getClientInfos over ServerCnxn's authInfo, a
// set backed by a ConcurrentHashMap: it lists the identities in the map's
// iteration order, by hash bucket, and in the order they were added within
// a bucket (see javaSetOrder). So ZooKeeper 3.8.0 lists ip:127.0.0.1 after
// digest:alice:... but before sasl:jaasuser, as the differential tests
// against Apache ZooKeeper show.
func ClientInfos(ids []wire.ID) []wire.ClientInfo {
	ordered := javaSetOrder(ids)
	out := make([]wire.ClientInfo, 0, len(ordered))
	for _, id := range ordered {
		user := id.ID
		if id.Scheme == "digest" {
			if i := strings.IndexByte(user, ':'); i >= 0 {
				user = user[:i]
			}
		}
		out = append(out, wire.ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return out
}

// javaSetOrder returns ids (unique, in insertion order) in the iteration
// order of a Java ConcurrentHashMap-backed set of jute Ids: by bucket
// (spread(hashCode) & (tableSize-1); the table starts at 16 and doubles
// when it reaches three quarters full), insertion order within a bucket.
// (After a resize Java may reorder a bucket's entries; with the handful of
// identities a connection holds the table never grows.)
func javaSetOrder(ids []wire.ID) []wire.ID {
	n := uint32(16)
	for uint32(len(ids)) >= n-n/4 {
		n *= 2
	}
	out := slices.Clone(ids)
	sort.SliceStable(out, func(i, j int) bool { return javaBucket(out[i], n) < javaBucket(out[j], n) })
	return out
}

// javaBucket is the bucket of a jute Id in a ConcurrentHashMap of n bins:
// Id.hashCode is 37*(37*17 + scheme.hashCode()) + id.hashCode(), spread as
// ConcurrentHashMap.spread does.
func javaBucket(id wire.ID, n uint32) uint32 {
	h := uint32(17)
	h = 37*h + javaStringHash(id.Scheme)
	h = 37*h + javaStringHash(id.ID)
	return ((h ^ h>>16) & 0x7fffffff) & (n - 1)
}

// javaStringHash is String.hashCode: over the UTF-16 code units.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h
}
