package tree

import (
	"crypto/sha1"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/server/wire"
)

// ACL schemes the server knows (ZooKeeper's default ProviderRegistry plus
// the "world" and "auth" pseudo-schemes and the "super" identity).
const (
	SchemeWorld  = "world"
	SchemeAuth   = "auth"
	SchemeDigest = "digest"
	SchemeIP     = "ip"
	SchemeSuper  = "super"
	SchemeSASL   = "sasl"
)

// Providers are the optional authentication providers a server runs:
// ZooKeeper's ProviderRegistry beyond ip and digest, which it always has.
// The zero value is ZooKeeper's default registry.
type Providers struct {
	// SASL is SASLAuthenticationProvider (authProvider.N=...): the sasl
	// scheme in ACLs, matched against the identities SASL logins give.
	SASL bool
}

// SuperID is the identity a connection gains when it authenticates with the
// configured super digest; it passes every ACL check.
var SuperID = wire.ID{Scheme: SchemeSuper, ID: ""}

// CheckACL reports whether a requester holding ids may perform an operation
// needing perm on a node with acls, as ZooKeeperServer.checkACL does: an
// empty ACL allows everything, a super id allows everything, world:anyone
// matches everyone, digest ids match exactly, ip ids match an address or
// CIDR block. It returns wire.ErrOK or wire.ErrNoAuth.
func CheckACL(acls []wire.ACL, perm int32, ids []wire.ID) wire.Err {
	return Providers{}.CheckACL(acls, perm, ids)
}

// CheckACL is CheckACL with p's providers: an ACL entry of a scheme with
// no provider matches nobody.
func (p Providers) CheckACL(acls []wire.ACL, perm int32, ids []wire.ID) wire.Err {
	if len(acls) == 0 {
		return wire.ErrOK
	}
	for _, id := range ids {
		if id.Scheme == SchemeSuper {
			return wire.ErrOK
		}
	}
	for _, a := range acls {
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID == wire.WorldAnyone {
			return wire.ErrOK
		}
		for _, id := range ids {
			if id.Scheme == a.ID.Scheme && p.matches(a.ID.Scheme, id.ID, a.ID.ID) {
				return wire.ErrOK
			}
		}
	}
	return wire.ErrNoAuth
}

// matches is AuthenticationProvider.matches for the known schemes. A sasl
// identity matches its own name, and the sasl identity "super" matches
// every sasl entry (SASLAuthenticationProvider.matches).
func (p Providers) matches(scheme, id, aclExpr string) bool {
	switch scheme {
	case SchemeDigest:
		return id == aclExpr
	case SchemeIP:
		return ipMatches(id, aclExpr)
	case SchemeSASL:
		return p.SASL && (id == "super" || id == aclExpr)
	}
	return false
}

// FixupACL validates the ACL of a create or setACL request and expands it,
// as PrepRequestProcessor.fixupACL does: duplicates are dropped (first one
// kept), an empty list is invalid, world:anyone is kept, each "auth" entry is
// replaced by one entry per authenticated (digest) id of the requester and is
// invalid if there is none, digest and ip entries must be well formed, and
// any other scheme is invalid. It returns wire.ErrInvalidACL on failure.
func FixupACL(acls []wire.ACL, authIDs []wire.ID) ([]wire.ACL, wire.Err) {
	return Providers{}.FixupACL(acls, authIDs)
}

// FixupACL is FixupACL with p's providers: with SASL, sasl entries are
// valid and an "auth" entry expands to the requester's sasl ids too.
func (p Providers) FixupACL(acls []wire.ACL, authIDs []wire.ID) ([]wire.ACL, wire.Err) {
	uniq := removeDuplicates(acls)
	if len(uniq) == 0 {
		return nil, wire.ErrInvalidACL
	}
	out := make([]wire.ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.ID == wire.WorldAnyone:
			out = append(out, a)
		case a.ID.Scheme == SchemeAuth:
			expanded := p.expandAuth(a.Perms, authIDs)
			if len(expanded) == 0 {
				return nil, wire.ErrInvalidACL
			}
			out = append(out, expanded...)
		case p.validID(a.ID):
			out = append(out, a)
		default:
			return nil, wire.ErrInvalidACL
		}
	}
	return out, wire.ErrOK
}

func removeDuplicates(acls []wire.ACL) []wire.ACL {
	out := make([]wire.ACL, 0, len(acls))
	for _, a := range acls {
		dup := false
		for _, b := range out {
			if a == b {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out
}

// expandAuth turns an "auth" entry into entries for the requester's ids
// whose provider "isAuthenticated": digest and sasl (ip is not, and super
// has no provider, as in ZooKeeper).
func (p Providers) expandAuth(perms int32, authIDs []wire.ID) []wire.ACL {
	var out []wire.ACL
	for _, id := range authIDs {
		if id.Scheme == SchemeDigest || (id.Scheme == SchemeSASL && p.SASL) {
			out = append(out, wire.ACL{Perms: perms, ID: id})
		}
	}
	return out
}

// validID is AuthenticationProvider.isValid for schemes an ACL may name.
func (p Providers) validID(id wire.ID) bool {
	switch id.Scheme {
	case SchemeSASL:
		return p.SASL && validKerberosName(id.ID)
	case SchemeDigest:
		return len(javaSplit(id.ID, ":")) == 2
	case SchemeIP:
		_, _, ok := parseIPExpr(id.ID)
		return ok
	}
	return false
}

// validKerberosName is SASLAuthenticationProvider.isValid: Hadoop's
// KerberosName accepts any name without '@', and a name with one only as
// service[/host]@REALM (no further '/' or '@').
func validKerberosName(name string) bool {
	if !strings.Contains(name, "@") {
		return true
	}
	principal, realm, _ := strings.Cut(name, "@")
	if strings.ContainsAny(realm, "/@") {
		return false
	}
	service, host, _ := strings.Cut(principal, "/")
	return !strings.Contains(service, "@") && !strings.ContainsAny(host, "/@")
}

// javaSplit is Java's String.split for a literal separator: trailing empty
// strings are removed.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 && s == "" {
		return []string{""} // "".split(x) is [""] in Java
	}
	return parts
}

// GenerateDigest is DigestAuthenticationProvider.generateDigest: for
// "user:password" it returns "user:" + base64(sha1("user:password")).
func GenerateDigest(idPassword string) string {
	user, _, _ := strings.Cut(idPassword, ":")
	sum := sha1.Sum([]byte(idPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// DigestAuthIDs returns the ids a connection gains from `addauth digest
// user:password` (DigestAuthenticationProvider.handleAuthentication): the
// super id first if superDigest is non-empty and equals the generated digest,
// then digest:user:hash.
func DigestAuthIDs(idPassword, superDigest string) []wire.ID {
	digest := GenerateDigest(idPassword)
	ids := make([]wire.ID, 0, 2)
	if superDigest != "" && digest == superDigest {
		ids = append(ids, SuperID)
	}
	return append(ids, wire.ID{Scheme: SchemeDigest, ID: digest})
}

// ipMatches is IPAuthenticationProvider.matches: the requester's address id
// falls in the ACL's address or CIDR block.
func ipMatches(id, aclExpr string) bool {
	aclAddr, bits, ok := parseIPExpr(aclExpr)
	if !ok {
		return false
	}
	addr, ok := parseIP(id)
	if !ok || addr.BitLen() != aclAddr.BitLen() {
		return false
	}
	want, err1 := aclAddr.Prefix(bits)
	got, err2 := addr.Prefix(bits)
	return err1 == nil && err2 == nil && want == got
}

// parseIPExpr parses "address" or "address/bits".
func parseIPExpr(expr string) (netip.Addr, int, bool) {
	host, bitsText, hasBits := strings.Cut(expr, "/")
	addr, ok := parseIP(host)
	if !ok {
		return netip.Addr{}, 0, false
	}
	bits := addr.BitLen()
	if hasBits {
		n, err := strconv.Atoi(bitsText)
		if err != nil || n < 0 || n > addr.BitLen() {
			return netip.Addr{}, 0, false
		}
		bits = n
	}
	return addr, bits, true
}

// parseIP accepts IPv4 the way ZooKeeper does (four dot-separated decimal
// numbers 0–255, leading zeros allowed) and IPv6 in standard notation.
func parseIP(s string) (netip.Addr, bool) {
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a, true
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return netip.Addr{}, false
	}
	var b [4]byte
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}
