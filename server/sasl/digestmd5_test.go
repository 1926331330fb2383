package sasl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// An exchange recorded against Apache ZooKeeper 3.8.0 (Debian's package,
// OpenJDK 17) with kazoo 2.8 and pure-sasl 0.5.1 as the client: the
// server's nonce, the client's digest-response and the server's rspauth.
const (
	zkNonce    = "BzUMwekolm+uZyIgDcbsNSyrTyhT78eXnLvb4oPw"
	zkResponse = `qop=auth,realm="zk-sasl-md5",username="jaasuser",nonce="BzUMwekolm+uZyIgDcbsNSyrTyhT78eXnLvb4oPw",cnonce="3360362714998357",nc=00000001,digest-uri="zookeeper/zk-sasl-md5",response=f0a9d8bf30fcc4c7a19daa6deb112e63`
	zkRspAuth  = "rspauth=2e665e55dfd9513ee20c180553f72a4e"
)

func users(m map[string]string) func(string) (string, bool) {
	return func(u string) (string, bool) { p, ok := m[u]; return p, ok }
}

func zkServer(t *testing.T) *DigestMD5 {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(zkNonce)
	if err != nil || len(raw) != NonceRawLen {
		t.Fatalf("nonce: %v (%d bytes)", err, len(raw))
	}
	return NewDigestMD5(users(map[string]string{"jaasuser": "jaas_password", "super": "super_secret"}), raw)
}

// TestDigestMD5ZooKeeperExchange replays the recorded exchange: the same
// challenge bytes as ZooKeeper's (nonce aside, which is random there), the
// same rspauth, and the client named by its user name.
func TestDigestMD5ZooKeeperExchange(t *testing.T) {
	s := zkServer(t)
	ch, err := s.Evaluate(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `realm="zk-sasl-md5",nonce="` + zkNonce + `",charset=utf-8,algorithm=md5-sess`
	if string(ch) != want {
		t.Fatalf("challenge %q, want %q", ch, want)
	}
	if s.Complete() {
		t.Fatal("complete after the challenge")
	}
	rsp, err := s.Evaluate([]byte(zkResponse))
	if err != nil {
		t.Fatal(err)
	}
	if string(rsp) != zkRspAuth {
		t.Fatalf("rspauth %q, want ZooKeeper's %q", rsp, zkRspAuth)
	}
	if !s.Complete() || s.AuthorizationID() != "jaasuser" {
		t.Fatalf("complete %v, id %q", s.Complete(), s.AuthorizationID())
	}
	if _, err := s.Evaluate(nil); !errors.Is(err, ErrAuth) {
		t.Fatalf("a third token: %v, want a failure", err)
	}
}

func TestDigestMD5ClientHelpers(t *testing.T) {
	s := NewDigestMD5(users(map[string]string{"bob": "pw\u00e9"}), make([]byte, NonceRawLen))
	ch, _ := s.Evaluate(nil)
	resp, err := ClientResponse(ch, "bob", "pw\u00e9", "abc")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Evaluate(resp)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ExpectedRspAuth(ch, "bob", "pw\u00e9", "abc")
	if !bytes.Equal(got, want) || s.AuthorizationID() != "bob" {
		t.Fatalf("rspauth %q, want %q (id %q)", got, want, s.AuthorizationID())
	}
}

// TestDigestMD5Failures: every bad response fails (ZooKeeper answers
// AUTHFAILED and closes the connection), and the server is spent after it.
func TestDigestMD5Failures(t *testing.T) {
	good := zkResponse
	cases := map[string]string{
		"bad password":    strings.Replace(good, "response=f0a9", "response=f0a8", 1),
		"unknown user":    strings.Replace(good, `username="jaasuser"`, `username="nobody"`, 1),
		"other nonce":     strings.Replace(good, `nonce="BzUM`, `nonce="AzUM`, 1),
		"other realm":     strings.Replace(good, `realm="zk-sasl-md5"`, `realm="elsewhere"`, 1),
		"no realm":        strings.Replace(good, `realm="zk-sasl-md5",`, ``, 1),
		"other uri":       strings.Replace(good, `digest-uri="zookeeper/zk-sasl-md5"`, `digest-uri="ldap/zk-sasl-md5"`, 1),
		"qop auth-int":    strings.Replace(good, "qop=auth,", "qop=auth-int,", 1),
		"qop bogus":       strings.Replace(good, "qop=auth,", "qop=fast,", 1),
		"no username":     strings.Replace(good, `username="jaasuser",`, ``, 1),
		"no cnonce":       strings.Replace(good, `cnonce="3360362714998357",`, ``, 1),
		"no response":     strings.Replace(good, `,response=f0a9d8bf30fcc4c7a19daa6deb112e63`, ``, 1),
		"two usernames":   good + `,username="jaasuser"`,
		"latin-1 charset": good + `,charset=iso-8859-1`,
		"nonce-count 2":   good + `,nonce-count=00000002`,
		"unterminated":    good + `,authzid="x`,
		"garbage":         "\x00\x01=,,==",
		"too long":        good + "," + strings.Repeat("x", MaxResponseLen),
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			s := zkServer(t)
			if _, err := s.Evaluate(nil); err != nil {
				t.Fatal(err)
			}
			out, err := s.Evaluate([]byte(resp))
			if !errors.Is(err, ErrAuth) || out != nil || s.Complete() || s.AuthorizationID() != "" {
				t.Fatalf("got %q, %v (complete %v)", out, err, s.Complete())
			}
			// Java checks the length before the state: a response too long
			// leaves the exchange where it was (ZooKeeper closes the
			// connection on any failure anyway).
			if _, err := s.Evaluate([]byte(good)); !errors.Is(err, ErrAuth) && name != "too long" {
				t.Fatalf("retry after a failure: %v, want a failure", err)
			}
		})
	}
	// Unknown directives (the RFC's "nc" among them: Java's server knows
	// the count as "nonce-count") are ignored.
	s := zkServer(t)
	s.Evaluate(nil)
	if _, err := s.Evaluate([]byte(good + `,nc=00000009,foo="bar"`)); err != nil {
		t.Fatalf("unknown directives: %v", err)
	}
}

func TestParseDirectives(t *testing.T) {
	d, err := ParseDirectives([]byte(" USERNAME = \"a\\\"b\" ,, realm=r  , qop=auth\r\n,x=\"\"\t"))
	if err != nil {
		t.Fatal(err)
	}
	if string(d["username"]) != `a"b` || string(d["realm"]) != "r" || string(d["qop"]) != "auth" || len(d) != 3 {
		t.Fatalf("%q", d)
	}
	for _, bad := range []string{`a,=b`, `=b`, `a=`, `a b`, `a="b`, `a="b"c`, `a="b\`, `username=a,username=b`} {
		if _, err := ParseDirectives([]byte(bad)); !errors.Is(err, ErrAuth) {
			t.Errorf("%q: %v, want an error", bad, err)
		}
	}
}

// FuzzParseDirectives: any bytes parse or fail cleanly; what parses holds
// only known directives.
func FuzzParseDirectives(f *testing.F) {
	f.Add([]byte(zkResponse))
	f.Add([]byte(`a="\"",b=c d=e`))
	f.Add([]byte(",,,"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDirectives(b)
		if err != nil {
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("error %v does not wrap ErrAuth", err)
			}
			return
		}
		for k := range d {
			known := false
			for _, rk := range responseKeys {
				known = known || rk == k
			}
			if !known {
				t.Fatalf("unknown directive %q kept", k)
			}
		}
	})
}

// FuzzDigestMD5 drives a server with any response: it never panics, and
// it completes only for a response carrying the right digest.
func FuzzDigestMD5(f *testing.F) {
	f.Add([]byte(zkResponse))
	f.Add([]byte(strings.Replace(zkResponse, "qop=auth", "qop=auth-conf", 1)))
	f.Add([]byte(`username=jaasuser`))
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, _ := base64.StdEncoding.DecodeString(zkNonce)
		s := NewDigestMD5(users(map[string]string{"jaasuser": "jaas_password"}), raw)
		if _, err := s.Evaluate(nil); err != nil {
			t.Fatal(err)
		}
		out, err := s.Evaluate(b)
		if err != nil {
			return
		}
		if !s.Complete() || s.AuthorizationID() != "jaasuser" || !bytes.HasPrefix(out, []byte("rspauth=")) {
			t.Fatalf("accepted %q: %q (id %q)", b, out, s.AuthorizationID())
		}
	})
}
