package main

import (
	"os"
	"path/filepath"
	"testing"
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
