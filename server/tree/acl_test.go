package tree

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

// Known vectors: "super:test" is the digest in the lead's brief (and what
// `echo -n super:test | openssl sha1 -binary | base64` gives);
// "super:superpw" → g9oN2Htt... is the output of ZooKeeper's own
// DigestAuthenticationProvider.generateDigest quoted in the super-user
// how-tos.
func TestGenerateDigest(t *testing.T) {
	cases := map[string]string{
		"super:test":    "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",
		"super:superpw": "super:g9oN2HttPfn8MMWJZ2r45Np/LIA=",
		"nocolon":       "nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g=", // openssl sha1 | base64
	}
	for in, want := range cases {
		if got := GenerateDigest(in); got != want {
			t.Errorf("GenerateDigest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDigestAuthIDs(t *testing.T) {
	super := GenerateDigest("super:test")
	got := DigestAuthIDs("super:test", super)
	want := []wire.ID{SuperID, {Scheme: "digest", ID: super}}
	if !slices.Equal(got, want) {
		t.Errorf("super login: %v, want %v", got, want)
	}
	if got := DigestAuthIDs("bob:pw", super); len(got) != 1 || got[0].Scheme != "digest" {
		t.Errorf("plain login: %v", got)
	}
	if got := DigestAuthIDs("super:test", ""); len(got) != 1 {
		t.Errorf("no super configured: %v", got)
	}
}

func TestCheckACL(t *testing.T) {
	bob := wire.ID{Scheme: "digest", ID: GenerateDigest("bob:pw")}
	eve := wire.ID{Scheme: "digest", ID: GenerateDigest("eve:pw")}
	ip := func(a string) wire.ID { return wire.ID{Scheme: "ip", ID: a} }
	acl := func(perms int32, scheme, id string) wire.ACL {
		return wire.ACL{Perms: perms, ID: wire.ID{Scheme: scheme, ID: id}}
	}
	cases := []struct {
		name string
		acls []wire.ACL
		perm int32
		ids  []wire.ID
		want wire.Err
	}{
		{"empty ACL allows all", nil, wire.PermAdmin, nil, wire.ErrOK},
		{"world anyone read", wire.ReadACLUnsafe, wire.PermRead, nil, wire.ErrOK},
		{"world anyone no write", wire.ReadACLUnsafe, wire.PermWrite, []wire.ID{bob}, wire.ErrNoAuth},
		{"digest match", []wire.ACL{{Perms: wire.PermAll, ID: bob}}, wire.PermDelete, []wire.ID{eve, bob}, wire.ErrOK},
		{"digest mismatch", []wire.ACL{{Perms: wire.PermAll, ID: bob}}, wire.PermRead, []wire.ID{eve}, wire.ErrNoAuth},
		{"digest perms lacking", []wire.ACL{{Perms: wire.PermRead, ID: bob}}, wire.PermWrite, []wire.ID{bob}, wire.ErrNoAuth},
		{"super bypasses", []wire.ACL{{Perms: wire.PermRead, ID: bob}}, wire.PermAdmin, []wire.ID{SuperID}, wire.ErrOK},
		{"ip exact", []wire.ACL{acl(wire.PermAll, "ip", "10.0.0.5")}, wire.PermRead, []wire.ID{ip("10.0.0.5")}, wire.ErrOK},
		{"ip other", []wire.ACL{acl(wire.PermAll, "ip", "10.0.0.5")}, wire.PermRead, []wire.ID{ip("10.0.0.6")}, wire.ErrNoAuth},
		{"ip cidr", []wire.ACL{acl(wire.PermAll, "ip", "10.1.0.0/16")}, wire.PermRead, []wire.ID{ip("10.1.200.3")}, wire.ErrOK},
		{"ip cidr outside", []wire.ACL{acl(wire.PermAll, "ip", "10.1.0.0/16")}, wire.PermRead, []wire.ID{ip("10.2.0.1")}, wire.ErrNoAuth},
		{"ip /0", []wire.ACL{acl(wire.PermAll, "ip", "1.2.3.4/0")}, wire.PermRead, []wire.ID{ip("9.9.9.9")}, wire.ErrOK},
		{"ip odd prefix", []wire.ACL{acl(wire.PermAll, "ip", "192.168.0.0/23")}, wire.PermRead, []wire.ID{ip("192.168.1.77")}, wire.ErrOK},
		{"ip odd prefix outside", []wire.ACL{acl(wire.PermAll, "ip", "192.168.0.0/23")}, wire.PermRead, []wire.ID{ip("192.168.2.1")}, wire.ErrNoAuth},
		{"ipv6 cidr", []wire.ACL{acl(wire.PermAll, "ip", "fd00::/8")}, wire.PermRead, []wire.ID{ip("fd12::1")}, wire.ErrOK},
		{"ipv4 id vs ipv6 acl", []wire.ACL{acl(wire.PermAll, "ip", "::/0")}, wire.PermRead, []wire.ID{ip("1.2.3.4")}, wire.ErrNoAuth},
		{"scheme must match", []wire.ACL{acl(wire.PermAll, "ip", "10.0.0.5")}, wire.PermRead, []wire.ID{{Scheme: "digest", ID: "10.0.0.5"}}, wire.ErrNoAuth},
		{"unknown scheme never matches", []wire.ACL{acl(wire.PermAll, "x509", "CN=a")}, wire.PermRead, []wire.ID{{Scheme: "x509", ID: "CN=a"}}, wire.ErrNoAuth},
	}
	for _, c := range cases {
		if got := CheckACL(c.acls, c.perm, c.ids); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFixupACL(t *testing.T) {
	bob := wire.ID{Scheme: "digest", ID: GenerateDigest("bob:pw")}
	auth := []wire.ID{{Scheme: "ip", ID: "10.0.0.1"}, bob, SuperID}
	acl := func(perms int32, scheme, id string) wire.ACL {
		return wire.ACL{Perms: perms, ID: wire.ID{Scheme: scheme, ID: id}}
	}
	cases := []struct {
		name string
		in   []wire.ACL
		ids  []wire.ID
		want []wire.ACL
		err  wire.Err
	}{
		{"open", wire.OpenACLUnsafe, nil, wire.OpenACLUnsafe, wire.ErrOK},
		{"creator all expands to digest ids only", wire.CreatorAllACL, auth, []wire.ACL{{Perms: wire.PermAll, ID: bob}}, wire.ErrOK},
		{"auth without digest id", wire.CreatorAllACL, []wire.ID{{Scheme: "ip", ID: "10.0.0.1"}}, nil, wire.ErrInvalidACL},
		{"empty", []wire.ACL{}, auth, nil, wire.ErrInvalidACL},
		{"nil", nil, auth, nil, wire.ErrInvalidACL},
		{"duplicates dropped", []wire.ACL{wire.OpenACLUnsafe[0], wire.ReadACLUnsafe[0], wire.OpenACLUnsafe[0]}, nil,
			[]wire.ACL{wire.OpenACLUnsafe[0], wire.ReadACLUnsafe[0]}, wire.ErrOK},
		{"digest well formed", []wire.ACL{acl(1, "digest", "u:hash")}, nil, []wire.ACL{acl(1, "digest", "u:hash")}, wire.ErrOK},
		{"digest without colon", []wire.ACL{acl(1, "digest", "u")}, nil, nil, wire.ErrInvalidACL},
		{"digest two colons", []wire.ACL{acl(1, "digest", "u:a:b")}, nil, nil, wire.ErrInvalidACL},
		{"digest trailing colon", []wire.ACL{acl(1, "digest", "u:")}, nil, nil, wire.ErrInvalidACL},
		{"digest empty user", []wire.ACL{acl(1, "digest", ":h")}, nil, []wire.ACL{acl(1, "digest", ":h")}, wire.ErrOK},
		{"ip cidr", []wire.ACL{acl(1, "ip", "10.0.0.0/8")}, nil, []wire.ACL{acl(1, "ip", "10.0.0.0/8")}, wire.ErrOK},
		{"ip leading zeros", []wire.ACL{acl(1, "ip", "010.0.0.1")}, nil, []wire.ACL{acl(1, "ip", "010.0.0.1")}, wire.ErrOK},
		{"ip bad prefix", []wire.ACL{acl(1, "ip", "10.0.0.0/33")}, nil, nil, wire.ErrInvalidACL},
		{"ip bad octet", []wire.ACL{acl(1, "ip", "10.0.0.256")}, nil, nil, wire.ErrInvalidACL},
		{"ip three octets", []wire.ACL{acl(1, "ip", "10.0.0")}, nil, nil, wire.ErrInvalidACL},
		{"ipv6", []wire.ACL{acl(1, "ip", "2001:db8::/32")}, nil, []wire.ACL{acl(1, "ip", "2001:db8::/32")}, wire.ErrOK},
		{"world other id", []wire.ACL{acl(1, "world", "someone")}, nil, nil, wire.ErrInvalidACL},
		{"super scheme", []wire.ACL{acl(1, "super", "")}, nil, nil, wire.ErrInvalidACL},
		{"unknown scheme", []wire.ACL{acl(1, "sasl", "bob")}, nil, nil, wire.ErrInvalidACL},
	}
	for _, c := range cases {
		got, err := FixupACL(c.in, c.ids)
		if err != c.err || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v %v, want %v %v", c.name, got, err, c.want, c.err)
		}
	}
}

func TestValidatePath(t *testing.T) {
	valid := []string{"/", "/a", "/a/b", "/a.b", "/...", "/a/.b", "/..a", "/é", "/zookeeper", "/a b", "/\u00a0", "/\uffef"}
	invalid := []string{"", "a", "a/b", "/a/", "//", "/a//b", "/.", "/..", "/a/./b", "/a/..", "/a\x00b",
		"/a\x01", "/\x7f", "/\u0085", "/\ud7ff\u0000", "/\ue000", "/\uf8ff", "/\ufff0", "/\U0001F600", "/\xff"}
	for _, p := range valid {
		if err := ValidatePath(p); err != nil {
			t.Errorf("ValidatePath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range invalid {
		if err := ValidatePath(p); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("ValidatePath(%q) = %v, want ErrInvalidPath", p, err)
		}
	}
	if err := ValidateCreatePath("/a/", true); err != nil {
		t.Errorf("sequential /a/ rejected: %v", err)
	}
	if err := ValidateCreatePath("/a/", false); err == nil {
		t.Error("non-sequential /a/ accepted")
	}
	if err := ValidateCreatePath("/a/.", true); err != nil {
		t.Errorf("sequential /a/. (becomes /a/.1) rejected: %v", err)
	}
}

// An invalid component is reported by its index among the components, as
// when they came from strings.Split.
func TestValidatePathComponentIndex(t *testing.T) {
	for p, want := range map[string]string{
		"/./b":        "component 0",
		"/a//b":       "component 1",
		"/a/b/..":     "component 2",
		"/a/b/c/\x01": "component 3",
	} {
		if err := ValidatePath(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidatePath(%q) = %v, want an error naming %s", p, err, want)
		}
	}
}

// TestSASLProvider: the sasl scheme exists only with the provider
// (SASLAuthenticationProvider); a sasl id matches its own name, and the
// sasl id "super" every sasl entry; names are valid as Hadoop's
// KerberosName parses them.
func TestSASLProvider(t *testing.T) {
	bob := wire.ACL{Perms: wire.PermAll, ID: wire.ID{Scheme: SchemeSASL, ID: "bob"}}
	asBob := []wire.ID{{Scheme: SchemeSASL, ID: "bob"}}
	asSuper := []wire.ID{{Scheme: SchemeSASL, ID: "super"}}
	asEve := []wire.ID{{Scheme: SchemeSASL, ID: "eve"}}
	on := Providers{SASL: true}
	for _, c := range []struct {
		p    Providers
		ids  []wire.ID
		want wire.Err
	}{
		{on, asBob, wire.ErrOK}, {on, asSuper, wire.ErrOK}, {on, asEve, wire.ErrNoAuth},
		{Providers{}, asBob, wire.ErrNoAuth},
	} {
		if got := c.p.CheckACL([]wire.ACL{bob}, wire.PermRead, c.ids); got != c.want {
			t.Errorf("%+v %v: %v, want %v", c.p, c.ids, got, c.want)
		}
	}
	for name, valid := range map[string]bool{"bob": true, "a/b": true, "zk/host@REALM": true, "bob@R": true,
		"a/b/c@R": false, "a@b@c": false, "a@b/c": false} {
		_, code := on.FixupACL([]wire.ACL{{Perms: 1, ID: wire.ID{Scheme: SchemeSASL, ID: name}}}, nil)
		if (code == wire.ErrOK) != valid {
			t.Errorf("sasl:%s: %v, want valid=%v", name, code, valid)
		}
	}
	got, code := on.FixupACL([]wire.ACL{{Perms: 3, ID: wire.ID{Scheme: SchemeAuth}}}, append(asBob, wire.ID{Scheme: SchemeIP, ID: "1.2.3.4"}))
	if code != wire.ErrOK || len(got) != 1 || got[0].ID != asBob[0] {
		t.Errorf("auth expands to %v (%v), want the sasl id", got, code)
	}
	if _, code := (Providers{}).FixupACL([]wire.ACL{{Perms: 3, ID: wire.ID{Scheme: SchemeAuth}}}, asBob); code != wire.ErrInvalidACL {
		t.Errorf("auth without the provider: %v, want INVALIDACL", code)
	}
}
