package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/live/cluster"
	"github.com/zabsim/zabsim/live/zkclient"
	"github.com/zabsim/zabsim/server/config"
	"github.com/zabsim/zabsim/server/sasl"
	"github.com/zabsim/zabsim/server/wire"
)

// saslScenario is one server setup of TestLiveSASLZooKeeper: zoo.cfg lines
// and JVM system properties, given to a `zabsim server` process and to
// Apache ZooKeeper 3.8 alike, with the JAAS file kazoo's harness writes.
type saslScenario struct {
	name  string
	cfg   string   // zoo.cfg lines
	props []string // -D flags besides the JAAS file
	jaas  bool     // pass -Djava.security.auth.login.config
	kazoo []string // kazoo cases to run (see saslKazooScript)
}

const saslProviderLine = "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n"

var saslScenarios = []saslScenario{
	// kazoo 2.8's harness with ZOOKEEPER_JAAS_AUTH=digest.
	{name: "kazoo-harness", cfg: saslProviderLine, jaas: true,
		props: []string{"-Dzookeeper.DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU="},
		kazoo: []string{"sasl-ok", "legacy-ok", "sasl-badpassword", "sasl-baduser", "legacy-bad"}},
	// SASL required: the flag as a system property, the provider in zoo.cfg.
	{name: "sasl-required", cfg: saslProviderLine, jaas: true,
		props: []string{"-Dzookeeper.sessionRequireClientSASLAuth=true"},
		// kazoo 2.8 does not know SESSIONCLOSEDREQUIRESASLAUTH (-124): a plain
		// client's connection thread dies of it, so only SASL clients here.
		kazoo: []string{"sasl-only", "sasl-badpassword"}},
	// enforce.auth with the digest scheme, in zoo.cfg.
	{name: "enforce-digest", cfg: saslProviderLine + "enforce.auth.enabled=true\nenforce.auth.schemes=digest\n", jaas: true},
	// No JAAS file at all, and no sasl provider.
	{name: "no-login"},
}

// TestLiveSASLZooKeeper runs each scenario against a `zabsim server`
// process and Apache ZooKeeper 3.8 configured the same way (the JAAS file
// through -Djava.security.auth.login.config, as kazoo's harness passes it)
// and requires the same outcomes: a raw client's exact answers (error codes,
// reply zxid 0, the challenge's directives with the nonce masked, an
// rspauth that proves the password, whoAmI, sasl ACLs, connections closed)
// and kazoo 2.8 with pure-sasl's outcomes.
func TestLiveSASLZooKeeper(t *testing.T) {
	if testing.Short() || os.Getenv("ZABSIM_LIVE") != "1" {
		t.Skip("starts zabsim server processes and Apache ZooKeeper: set ZABSIM_LIVE=1 (make test-live does)")
	}
	requireZK(t)
	bin := buildBinary(t)
	py := kazooPython(t)
	for _, sc := range saslScenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			jaas := filepath.Join(dir, "jaas.conf")
			if err := os.WriteFile(jaas, []byte(kazooJAAS), 0o644); err != nil {
				t.Fatal(err)
			}
			props := append([]string{}, sc.props...)
			if sc.jaas {
				props = append(props, "-Djava.security.auth.login.config="+jaas)
			}
			zkAddr := startSASLZooKeeper(t, sc, props)
			zbAddr := startSASLZabsim(t, bin, sc, props)
			t.Logf("zookeeper on %s, zabsim on %s", zkAddr, zbAddr)
			zk, zb := saslRawOutcomes(t, zkAddr), saslRawOutcomes(t, zbAddr)
			if zk != zb {
				t.Errorf("raw client outcomes differ\n--- zookeeper ---\n%s\n--- zabsim ---\n%s", zk, zb)
			} else {
				t.Logf("raw client outcomes, alike:\n%s", zk)
			}
			if len(sc.kazoo) == 0 {
				return
			}
			if py == "" {
				t.Log("kazoo with pure-sasl is not installed: its cases are not run")
				return
			}
			kzk, kzb := runKazooSASL(t, py, zkAddr, sc.kazoo), runKazooSASL(t, py, zbAddr, sc.kazoo)
			if kzk != kzb {
				t.Errorf("kazoo outcomes differ\n--- zookeeper ---\n%s\n--- zabsim ---\n%s", kzk, kzb)
			} else {
				t.Logf("kazoo outcomes, alike:\n%s", kzk)
			}
		})
	}
}

func requireZK(t *testing.T) {
	t.Helper()
	if err := cluster.ZooKeeperAvailable(); err != nil {
		if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
			t.Fatalf("ZABSIM_REQUIRE_ZK=1 but Apache ZooKeeper is unavailable: %v", err)
		}
		t.Skipf("Apache ZooKeeper unavailable (%v); set ZABSIM_REQUIRE_ZK=1 to make this a failure", err)
	}
}

// kazooPython returns Debian's python3 when it has kazoo and pure-sasl
// (scripts/deps-live.sh installs them), else "" (a failure under
// ZABSIM_REQUIRE_ZK=1).
func kazooPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(py, "-c", "import kazoo, puresasl").Run(); err == nil {
			return py
		}
	}
	if os.Getenv("ZABSIM_REQUIRE_ZK") == "1" {
		t.Fatal("ZABSIM_REQUIRE_ZK=1 but python3-kazoo and python3-pure-sasl are not installed (run scripts/deps-live.sh)")
	}
	return ""
}

// saslZooCfg is the scenario's zoo.cfg (dataDir and client port are the
// caller's).
func saslZooCfg(t *testing.T, sc saslScenario) config.Config {
	t.Helper()
	c, _, err := config.Parse([]byte("dataDir=/unset\nclientPort=1\ntickTime=2000\nmaxClientCnxns=0\n4lw.commands.whitelist=*\nadmin.enableServer=false\n" + sc.cfg))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startSASLZooKeeper(t *testing.T, sc saslScenario, props []string) string {
	t.Helper()
	cfg := saslZooCfg(t, sc)
	var log live.LockedBuffer
	z, err := cluster.StartApacheZooKeeper(cluster.ApacheOptions{Dir: t.TempDir(), Config: &cfg, Log: &log,
		JavaOpts: append([]string{"-Xmx256m", "-XX:+UseSerialGC"}, props...)})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Cleanup(func() {
		z.Stop()
		if t.Failed() {
			t.Logf("zookeeper log:\n%s", lastBytes(log.String(), 4000))
		}
	})
	return z.Addr()
}

func startSASLZabsim(t *testing.T, bin string, sc saslScenario, props []string) string {
	t.Helper()
	dir := t.TempDir()
	addr, err := cluster.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	cfg := saslZooCfg(t, sc)
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.ClientPortAddress = host
	cfg.ClientPort, _ = strconv.Atoi(port)
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// As kazoo's harness starts java: JVM flags, then the config file.
	args := append(append([]string{"-Dfile.encoding=UTF-8", "-Dzookeeper.log.dir=" + dir}, props...), cfgPath)
	_, _, exited := startServerProcess(t, bin, args...)
	waitServerServing(t, addr, exited)
	return addr
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

var nonceDirective = regexp.MustCompile(`nonce="[A-Za-z0-9+/]{40}"`)

// saslRawOutcomes drives a server with a raw jute client, one connection
// per case, and describes every answer.
func saslRawOutcomes(t *testing.T, addr string) string {
	t.Helper()
	var out []string
	note := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	dial := func() *zkclient.RawClient {
		c, err := zkclient.DialRaw(addr, 30000, 0, nil, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		t.Cleanup(func() { c.Conn().Close() })
		return c
	}
	call := func(what string, c *zkclient.RawClient, req wire.Request) (wire.ReplyHeader, wire.Response, bool) {
		hdr, resp, err := c.Call(req)
		if err != nil {
			note("%s: connection closed", what)
			return hdr, nil, false
		}
		line := fmt.Sprintf("%s: %s", what, hdr.Err.Name())
		if req.Op() == wire.OpSASL && hdr.Zxid != 0 {
			line += fmt.Sprintf(" (zxid %#x)", hdr.Zxid)
		}
		switch r := resp.(type) {
		case *wire.SASLResponse:
			if r.Token == nil {
				line += " token=null"
			} else {
				line += " token=" + nonceDirective.ReplaceAllString(string(r.Token), `nonce="N"`)
			}
		case *wire.WhoAmIResponse:
			line += fmt.Sprintf(" %v", r.ClientInfo)
		case *wire.GetACLResponse:
			line += fmt.Sprintf(" %v", r.ACL)
		}
		note("%s", line)
		return hdr, resp, true
	}
	// login runs DIGEST-MD5 for user:pass; it reports whether the server's
	// rspauth proves it knows the password.
	login := func(c *zkclient.RawClient, user, pass string) bool {
		_, resp, ok := call("sasl start", c, &wire.SASLRequest{Token: []byte{}})
		r, isSASL := resp.(*wire.SASLResponse)
		if !ok || !isSASL || r.Token == nil {
			return false
		}
		token, err := sasl.ClientResponse(r.Token, user, pass, "0a4f113b")
		if err != nil {
			note("no challenge: %v", err)
			return false
		}
		what := "sasl response " + user + ":" + pass
		hdr, resp, err := c.Call(&wire.SASLRequest{Token: token})
		if err != nil {
			note("%s: connection closed", what)
			return false
		}
		want, _ := sasl.ExpectedRspAuth(r.Token, user, pass, "0a4f113b")
		got, _ := resp.(*wire.SASLResponse)
		switch {
		case got == nil:
			note("%s: %s (no body)", what, hdr.Err.Name())
		case got.Token == nil:
			note("%s: %s token=null", what, hdr.Err.Name())
		case bytes.Equal(got.Token, want):
			note("%s: %s token=<rspauth proving the password>", what, hdr.Err.Name())
			return true
		default:
			note("%s: %s token=%q", what, hdr.Err.Name(), got.Token)
		}
		return false
	}
	acl := func(scheme, id string) []wire.ACL {
		return []wire.ACL{{Perms: wire.PermAll, ID: wire.ID{Scheme: scheme, ID: id}}}
	}

	c := dial()
	if login(c, "jaasuser", "jaas_password") {
		call("whoAmI", c, &wire.WhoAmIRequest{})
		call("create /sasl acl sasl:jaasuser", c, &wire.CreateRequest{Path: "/sasl", Data: []byte("x"), ACL: acl("sasl", "jaasuser")})
		call("create /bad acl sasl:a/b/c@R", c, &wire.CreateRequest{Path: "/bad", ACL: acl("sasl", "a/b/c@R")})
		call("create /auth acl auth:", c, &wire.CreateRequest{Path: "/auth", ACL: acl("auth", "")})
		call("getACL /auth", c, &wire.GetACLRequest{Path: "/auth"})
		call("getData /sasl", c, &wire.GetDataRequest{Path: "/sasl"})
		call("sasl after completion", c, &wire.SASLRequest{Token: []byte{}})
		call("whoAmI after it", c, &wire.WhoAmIRequest{})
	}

	c = dial()
	call("plain: getData /", c, &wire.GetDataRequest{Path: "/"})
	call("plain: getData /sasl", c, &wire.GetDataRequest{Path: "/sasl"})
	call("plain: whoAmI", c, &wire.WhoAmIRequest{})

	c = dial()
	call("digest: addauth", c, &wire.AuthRequest{Scheme: "digest", Auth: []byte("u:p")})
	call("digest: getData /", c, &wire.GetDataRequest{Path: "/"})

	c = dial()
	login(c, "jaasuser", "wrong")
	call("after a bad password: whoAmI", c, &wire.WhoAmIRequest{})

	c = dial()
	login(c, "nobody", "nobody_password")
	call("after an unknown user: whoAmI", c, &wire.WhoAmIRequest{})

	c = dial()
	call("junk first token", c, &wire.SASLRequest{Token: []byte("username=x")})
	call("then a response", c, &wire.SASLRequest{Token: []byte(`username="jaasuser",realm="zk-sasl-md5",nonce="x",cnonce="y",digest-uri="zookeeper/zk-sasl-md5",response=0`)})
	call("then whoAmI", c, &wire.WhoAmIRequest{})

	return strings.Join(out, "\n")
}

// saslKazooScript runs kazoo 2.8 cases against one server and prints one
// line per case: what the client saw.
const saslKazooScript = `
import sys, time, logging
logging.basicConfig(level=logging.CRITICAL)
from kazoo.client import KazooClient
from kazoo.security import make_acl
from kazoo.exceptions import NoAuthError
hosts = sys.argv[1]
def client(**kw):
    return KazooClient(hosts=hosts, timeout=5, connection_retry={"max_tries": 0}, **kw)
def sasl(user, pw):
    return client(sasl_options={"mechanism": "DIGEST-MD5", "username": user, "password": pw})
def legacy(user, pw):
    return client(auth_data=[("sasl", "%s:%s" % (user, pw))])
def use(c, path):
    c.start(timeout=10)
    try:
        c.create(path, b"v", acl=(make_acl("sasl", credential="jaasuser", all=True),))
        plain = client()
        plain.start(timeout=10)
        try:
            plain.get(path)
            seen = "plain client read it"
        except NoAuthError:
            seen = "plain client: NoAuthError"
        finally:
            plain.stop(); plain.close()
        data, _ = c.get(path)
        c.delete(path)
        return "created %s with sasl:jaasuser, read back %r; %s" % (path, data, seen)
    finally:
        c.stop(); c.close()
def alone(c, path):
    c.start(timeout=10)
    try:
        c.create(path, b"v", acl=(make_acl("sasl", credential="jaasuser", all=True),))
        data, _ = c.get(path)
        c.delete(path)
        return "created %s with sasl:jaasuser, read back %r" % (path, data)
    finally:
        c.stop(); c.close()
cases = {
    "sasl-only": lambda: alone(sasl("jaasuser", "jaas_password"), "/k6"),
    "sasl-ok": lambda: use(sasl("jaasuser", "jaas_password"), "/k1"),
    "legacy-ok": lambda: use(legacy("jaasuser", "jaas_password"), "/k2"),
    "sasl-badpassword": lambda: use(sasl("jaasuser", "badpassword"), "/k3"),
    "sasl-baduser": lambda: use(sasl("baduser", "badpassword"), "/k4"),
    "legacy-bad": lambda: use(legacy("baduser", "badpassword"), "/k5"),
}
for name in sys.argv[2:]:
    try:
        out = cases[name]()
    except Exception as e:
        out = "%s %s" % (type(e).__name__, e)
    print("%s: %s" % (name, out), flush=True)
`

func runKazooSASL(t *testing.T, py, addr string, cases []string) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "kazoo_sasl.py")
	if err := os.WriteFile(script, []byte(saslKazooScript), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, append([]string{script, addr}, cases...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("kazoo script against %s: %v\n%s%s", addr, err, stdout.String(), lastBytes(stderr.String(), 3000))
		}
	case <-time.After(120 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("kazoo script against %s did not finish in 120 s\n%s%s", addr, stdout.String(), lastBytes(stderr.String(), 3000))
	}
	return strings.TrimSpace(stdout.String())
}
