package config

import (
	"reflect"
	"strings"
	"testing"
)

const saslProvider = "org.apache.zookeeper.server.auth.SASLAuthenticationProvider"

func TestAuthKeys(t *testing.T) {
	text := "dataDir=/d\nclientPort=2181\nauthProvider.1=" + saslProvider + "\n" +
		"zookeeper.authProvider.2=com.example.Custom\nenforce.auth.enabled=TRUE\nenforce.auth.schemes=sasl, digest,\n" +
		"zookeeper.superUser=admin\nsasl.serverconfig=ZK\nzabsim.jaasLoginConfig=/etc/jaas.conf\n"
	c, warns, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if want := []AuthProvider{{"1", saslProvider}, {"2", "com.example.Custom"}}; !reflect.DeepEqual(c.AuthProviders, want) {
		t.Fatalf("providers %v", c.AuthProviders)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), "com.example.Custom is not implemented") {
		t.Fatalf("warnings %v", warns)
	}
	if got := c.AuthSchemes(); !reflect.DeepEqual(got, []string{"digest", "ip", "sasl"}) {
		t.Fatalf("schemes %v", got)
	}
	if got := c.EnforcedAuthSchemes(); !reflect.DeepEqual(got, []string{"sasl", "digest"}) {
		t.Fatalf("enforced %v", got)
	}
	if c.SASLSuperUser != "admin" || c.SASLServerSection != "ZK" || c.JAASLoginConfig != "/etc/jaas.conf" {
		t.Fatalf("%+v", c)
	}
	back, _, err := Parse([]byte(c.String()))
	if err != nil || !back.Equal(&c) {
		t.Fatalf("round trip: %v\n%s", err, c.String())
	}
}

// TestAuthRefusedAtStart: what stops Apache ZooKeeper 3.8 at start
// (AuthenticationHelper: "Authentication scheme sasl is not available.")
// is a config error here.
func TestAuthRefusedAtStart(t *testing.T) {
	for text, want := range map[string]string{
		"sessionRequireClientSASLAuth=true\n":                           "Authentication scheme sasl is not available",
		"enforce.auth.enabled=true\n":                                   "enforce.auth.schemes must be configured",
		"enforce.auth.enabled=true\nenforce.auth.schemes=digest,x509\n": "Authentication scheme x509 is not available",
	} {
		_, _, err := Parse([]byte("dataDir=/d\nclientPort=2181\n" + text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	// Schemes without enforcement are not checked (ZooKeeper reads them only when enabled).
	if _, _, err := Parse([]byte("dataDir=/d\nclientPort=2181\nenforce.auth.schemes=x509\n")); err != nil {
		t.Fatal(err)
	}
	// sessionRequireClientSASLAuth overrides enforce.auth.
	c, _, err := Parse([]byte("dataDir=/d\nclientPort=2181\nauthProvider.1=" + saslProvider +
		"\nsessionRequireClientSASLAuth=true\nenforce.auth.enabled=true\nenforce.auth.schemes=x509\n"))
	if err != nil || !reflect.DeepEqual(c.EnforcedAuthSchemes(), []string{"sasl"}) {
		t.Fatalf("%v %v", c.EnforcedAuthSchemes(), err)
	}
}

// TestSystemProperties: -D flags as kazoo's harness passes them to the
// JVM; zoo.cfg overrides a flag; JVM and logging flags are ignored.
func TestSystemProperties(t *testing.T) {
	sys := []Property{
		{Key: "file.encoding", Value: "UTF-8"},
		{Key: "zookeeper.log.dir", Value: "/tmp/log"},
		{Key: JAASConfigProperty, Value: "/w/jaas.conf"},
		{Key: "zookeeper.DigestAuthenticationProvider.superDigest", Value: "super:D/InIHSb7yEEbrWz8b9l71RjZJU="},
		{Key: "zookeeper.sessionRequireClientSASLAuth", Value: "true"},
		{Key: "zookeeper.authProvider.1", Value: saslProvider},
		{Key: "zookeeper.allowSaslFailedClients", Value: "true"},
	}
	c, warns, ignored, err := ParseWithSystemProperties([]byte("dataDir=/d\nclientPort=2181\nallowSaslFailedClients=false\n"), sys)
	if err != nil || len(warns) != 0 {
		t.Fatalf("%v %v", err, warns)
	}
	if !reflect.DeepEqual(ignored, []string{"file.encoding", "zookeeper.log.dir"}) {
		t.Fatalf("ignored %v", ignored)
	}
	if c.JAASLoginConfig != "/w/jaas.conf" || !c.SessionRequireClientSASLAuth || c.SuperDigest == "" || c.AllowSASLFailedClients {
		t.Fatalf("%+v", c)
	}
	_, _, _, err = ParseWithSystemProperties([]byte("dataDir=/d\nclientPort=2181\n"), []Property{{Key: "zookeeper.sasl.serverconfig", Value: ""}})
	if err == nil || !strings.Contains(err.Error(), "system property -Dzookeeper.sasl.serverconfig") {
		t.Fatalf("bad flag: %v", err)
	}
}
