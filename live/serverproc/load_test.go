package serverproc_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/live/livetest"
	"github.com/zabsim/zabsim/live/serverproc"
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

// writeZooCfg is livetest.WriteZooCfg.
func writeZooCfg(t *testing.T, extra string) (string, string) { return livetest.WriteZooCfg(t, extra) }

// TestServerSystemProperties: -D words of $SERVER_JVMFLAGS, $JVMFLAGS and
// the command line, in that order, as zkServer.sh and kazoo's harness pass
// them to the JVM.
func TestServerSystemProperties(t *testing.T) {
	props, rest := serverproc.SystemProperties([]string{"-Dfile.encoding=UTF-8", "-config", "z.cfg", "-Dflag", "-D", "-D=x", "zoo.cfg"})
	if want := []config.Property{{Key: "file.encoding", Value: "UTF-8"}, {Key: "flag"}}; !reflect.DeepEqual(props, want) {
		t.Fatalf("props %v", props)
	}
	if want := []string{"-config", "z.cfg", "-D", "-D=x", "zoo.cfg"}; !reflect.DeepEqual(rest, want) {
		t.Fatalf("rest %v", rest)
	}
	env := map[string]string{"SERVER_JVMFLAGS": "-Xmx1g -Da=1", "JVMFLAGS": " -Da=2\t-Db=3 "}
	got := serverproc.EnvSystemProperties(func(k string) string { return env[k] })
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
	ld, err := serverproc.Load(cfgPath, sys)
	if err != nil {
		t.Fatal(err)
	}
	if ld.Config.SASL == nil || ld.Config.SASL.Users["jaasuser"] != "jaas_password" || !ld.Config.SASLProvider ||
		!reflect.DeepEqual(ld.Config.EnforceAuthSchemes, []string{"sasl"}) {
		t.Fatalf("%+v", ld.Config)
	}
	if notes := strings.Join(ld.Notes, "\n"); !strings.Contains(notes, "zookeeper.log.dir") || !strings.Contains(notes, "2 user(s)") {
		t.Fatalf("notes:\n%s", notes)
	}
	cfgPath, _ = writeZooCfg(t, "zabsim.jaasLoginConfig="+writeFile(t, "empty.conf", "")+"\n")
	if ld, err = serverproc.Load(cfgPath, nil); err != nil || ld.Config.SASL != nil {
		t.Fatalf("empty JAAS file: %v %+v", err, ld.Config.SASL)
	}
}
