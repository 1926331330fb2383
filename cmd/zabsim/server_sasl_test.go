package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/server/config"
)

const kazooJAAS = `
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_super="super_secret"
    user_jaasuser="jaas_password";
};`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServerSystemProperties: -D words of $SERVER_JVMFLAGS, $JVMFLAGS and
// the command line, in that order, as zkServer.sh and kazoo's harness pass
// them to the JVM.
func TestServerSystemProperties(t *testing.T) {
	props, rest := systemProperties([]string{"-Dfile.encoding=UTF-8", "-config", "z.cfg", "-Dflag", "-D", "-D=x", "zoo.cfg"})
	if want := []config.Property{{Key: "file.encoding", Value: "UTF-8"}, {Key: "flag"}}; !reflect.DeepEqual(props, want) {
		t.Fatalf("props %v", props)
	}
	if want := []string{"-config", "z.cfg", "-D", "-D=x", "zoo.cfg"}; !reflect.DeepEqual(rest, want) {
		t.Fatalf("rest %v", rest)
	}
	env := map[string]string{"SERVER_JVMFLAGS": "-Xmx1g -Da=1", "JVMFLAGS": " -Da=2\t-Db=3 "}
	got := envSystemProperties(func(k string) string { return env[k] })
	if want := []config.Property{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}, {Key: "b", Value: "3"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("env props %v", got)
	}
}

// TestServerLoadsJAAS: the JAAS file named by -Djava.security.auth.login.config
// (or zabsim.jaasLoginConfig) gives the DIGEST-MD5 users; an empty file
// (kazoo's harness writes one when it runs without SASL) or one without a
// Server section leaves SASL off; the -D auth settings reach the server.
func TestServerLoadsJAAS(t *testing.T) {
	jaas := writeFile(t, "jaas.conf", kazooJAAS)
	cfgPath, _ := writeZooCfg(t, "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n")
	sys := []config.Property{{Key: "java.security.auth.login.config", Value: jaas}, {Key: "zookeeper.sessionRequireClientSASLAuth", Value: "true"},
		{Key: "zookeeper.log.dir", Value: "/tmp"}}
	ld, err := loadServerConfig(cfgPath, sys)
	if err != nil {
		t.Fatal(err)
	}
	if ld.cfg.SASL == nil || ld.cfg.SASL.Users["jaasuser"] != "jaas_password" || !ld.cfg.SASLProvider ||
		!reflect.DeepEqual(ld.cfg.EnforceAuthSchemes, []string{"sasl"}) {
		t.Fatalf("%+v", ld.cfg)
	}
	if notes := strings.Join(ld.notes, "\n"); !strings.Contains(notes, "zookeeper.log.dir") || !strings.Contains(notes, "2 user(s)") {
		t.Fatalf("notes:\n%s", notes)
	}
	cfgPath, _ = writeZooCfg(t, "zabsim.jaasLoginConfig="+writeFile(t, "empty.conf", "")+"\n")
	if ld, err = loadServerConfig(cfgPath, nil); err != nil || ld.cfg.SASL != nil {
		t.Fatalf("empty JAAS file: %v %+v", err, ld.cfg.SASL)
	}
}

// TestServerBadAuthConfig: what stops Apache ZooKeeper at start is a usage
// error (exit 2) with a clear message.
func TestServerBadAuthConfig(t *testing.T) {
	good, _ := writeZooCfg(t, "")
	cases := []serverUsageCase{
		{"missing JAAS file", []string{"-Djava.security.auth.login.config=" + filepath.Join(t.TempDir(), "nope.conf"), good}, "JAAS login file"},
		{"bad JAAS file", []string{"-Djava.security.auth.login.config=" + writeFile(t, "bad.conf", "Server { x required"), good}, "JAAS config line 1"},
		{"Kerberos JAAS file", []string{"-Djava.security.auth.login.config=" + writeFile(t, "krb.conf", "Server { com.sun.security.auth.module.Krb5LoginModule required; };"), good}, "DIGEST-MD5 only"},
		{"SASL required without the provider", []string{"-Dzookeeper.sessionRequireClientSASLAuth=true", "-config", good}, "Authentication scheme sasl is not available"},
		{"enforce without schemes", []string{"-Dzookeeper.enforce.auth.enabled=true", good}, "enforce.auth.schemes must be configured"},
	}
	wantServerUsageErrors(t, cases)
}
