package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server"
	"github.com/zabsim/zabsim/server/sasl"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/sim"
)

// saslStep is one request of a saslProc: built from the previous reply's
// token (a SASL challenge), or nil to hang up.
type saslStep struct {
	name string
	op   wire.OpCode
	req  func(prevToken []byte) wire.Request
}

// saslProc is a raw client that runs steps on one connection and writes a
// line per reply: the step, the error code, and the reply body.
type saslProc struct {
	rawConn
	steps []saslStep
	log   *[]string

	next  int
	token []byte
}

func (p *saslProc) Start(env proc.Env) { p.start(env) }

func (p *saslProc) Handle(ev proc.Event) {
	p.handle(ev, func([]byte) { p.send() }, p.frame, func() {
		*p.log = append(*p.log, "closed")
		p.next = len(p.steps) + 1
	})
}

func (p *saslProc) frame(frame []byte) {
	st := p.steps[p.next-1]
	hdr, resp, err := wire.DecodeReply(frame, st.op, wire.DecodeOptions{})
	line := fmt.Sprintf("%s: %s", st.name, hdr.Err.Name())
	switch {
	case err != nil:
		line += " decode error: " + err.Error()
	case hdr.Xid != int32(p.next) || hdr.Zxid != 0 && st.op == wire.OpSASL:
		line += fmt.Sprintf(" (xid %d zxid %d)", hdr.Xid, hdr.Zxid)
	}
	switch r := resp.(type) {
	case *wire.SASLResponse:
		p.token = r.Token
		if r.Token == nil {
			line += " token=null"
		} else {
			line += fmt.Sprintf(" token=%q", r.Token)
		}
	case *wire.WhoAmIResponse:
		line += fmt.Sprintf(" %v", r.ClientInfo)
	case *wire.GetACLResponse:
		line += fmt.Sprintf(" %v", r.ACL)
	}
	*p.log = append(*p.log, line)
	p.send()
}

func (p *saslProc) send() {
	if p.next >= len(p.steps) {
		p.next = len(p.steps) + 1
		return
	}
	st := p.steps[p.next]
	p.next++
	p.env.Send(p.conn, wire.EncodeRequest(int32(p.next), st.req(p.token)))
}

const (
	saslUser = "jaasuser"
	saslPass = "jaas_password"
	cnonce   = "3360362714998357"
)

func saslStart() saslStep {
	return saslStep{"sasl start", wire.OpSASL, func([]byte) wire.Request { return &wire.SASLRequest{Token: []byte{}} }}
}

func saslRespond(user, pass string) saslStep {
	return saslStep{"sasl response " + user + ":" + pass, wire.OpSASL, func(ch []byte) wire.Request {
		resp, err := sasl.ClientResponse(ch, user, pass, cnonce)
		if err != nil {
			return &wire.SASLRequest{Token: []byte("no challenge")}
		}
		return &wire.SASLRequest{Token: resp}
	}}
}

func whoAmI() saslStep {
	return saslStep{"whoAmI", wire.OpWhoAmI, func([]byte) wire.Request { return &wire.WhoAmIRequest{} }}
}

func rawCreate(path string, acl ...wire.ACL) saslStep {
	return saslStep{"create " + path, wire.OpCreate, func([]byte) wire.Request {
		return &wire.CreateRequest{Path: path, Data: []byte("x"), ACL: acl}
	}}
}

func rawGet(path string) saslStep {
	return saslStep{"get " + path, wire.OpGetData, func([]byte) wire.Request { return &wire.GetDataRequest{Path: path} }}
}

func rawGetACL(path string) saslStep {
	return saslStep{"getACL " + path, wire.OpGetACL, func([]byte) wire.Request { return &wire.GetACLRequest{Path: path} }}
}

func rawAuth(scheme, auth string) saslStep {
	return saslStep{"auth " + scheme, wire.OpAuth, func([]byte) wire.Request {
		return &wire.AuthRequest{Scheme: scheme, Auth: []byte(auth)}
	}}
}

func saslACL(id string) wire.ACL {
	return wire.ACL{Perms: wire.PermAll, ID: wire.ID{Scheme: "sasl", ID: id}}
}

// saslConfig is kazoo's test harness setup: the JAAS Server section with
// two users and authProvider.1=SASLAuthenticationProvider.
func saslConfig() server.Config {
	return server.Config{ClientAddr: "s1:2181", TickTimeMS: 2000, SnapCount: 50, SASLProvider: true,
		SASL: &server.SASLConfig{Users: map[string]string{saslUser: saslPass, "super": "super_secret"}}}
}

// runSASL runs the server of cfg and one client per script in turn (each
// starts a second after the last), and returns each client's transcript.
func runSASL(t *testing.T, cfg server.Config, scripts ...[]saslStep) []string {
	t.Helper()
	w, err := sim.NewWorld(18, sim.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	f, err := server.Factory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AddNode("s1", f, sim.NodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Start("s1"); err != nil {
		t.Fatal(err)
	}
	return runSASLClients(t, w, "s1:2181", scripts...)
}

// runSASLClients runs one saslProc per script against addr in w, in turn.
func runSASLClients(t *testing.T, w *sim.World, addr string, scripts ...[]saslStep) []string {
	t.Helper()
	logs := make([][]string, len(scripts))
	for i, steps := range scripts {
		name := fmt.Sprintf("c%d", i+1)
		for n := i + 1; slices.Contains(w.NodeNames(), name); n += len(scripts) {
			name = fmt.Sprintf("c%d", n)
		}
		p := &saslProc{rawConn: rawConn{addr: addr, connect: wire.ConnectRequest{TimeoutMS: 30000}}, steps: steps, log: &logs[i]}
		if err := w.AddNode(name, func() proc.Process { return p }, sim.NodeOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := w.Start(name); err != nil {
			t.Fatal(err)
		}
		if err := w.RunFor(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]string, len(logs))
	for i, l := range logs {
		out[i] = strings.Join(l, "\n")
	}
	return out
}

func expectTranscripts(t *testing.T, got []string, want ...string) {
	t.Helper()
	for i := range want {
		if w := strings.TrimSpace(want[i]); got[i] != w {
			t.Errorf("client %d\n--- got ---\n%s\n--- want ---\n%s", i+1, got[i], w)
		}
	}
}

// challengePrefix starts the reply to the first token: Java's challenge.
const challengePrefix = `token="realm=\"zk-sasl-md5\",nonce=\"`

// TestSASLDigestMD5 is kazoo's test_connect_sasl_auth in the simulator: a
// DIGEST-MD5 exchange with the JAAS user (each token answered at once with
// zxid 0, the challenge as Java's, rspauth at the end), whoAmI shows
// sasl:jaasuser, a node with ACL sasl:jaasuser is the user's alone, and a
// client without SASL gets NOAUTH on it.
func TestSASLDigestMD5(t *testing.T) {
	var rspauth string
	steps := []saslStep{saslStart(), saslRespond(saslUser, saslPass), whoAmI(),
		rawCreate("/1", saslACL(saslUser)), rawGet("/1"), rawGetACL("/1")}
	// Check the rspauth against the client-side computation.
	inner := steps[1].req
	steps[1].req = func(ch []byte) wire.Request {
		want, _ := sasl.ExpectedRspAuth(ch, saslUser, saslPass, cnonce)
		rspauth = string(want)
		return inner(ch)
	}
	got := runSASL(t, saslConfig(), steps, []saslStep{rawGet("/1"), whoAmI()})
	lines := strings.Split(got[0], "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "sasl start: OK "+challengePrefix) ||
		!strings.HasSuffix(lines[0], `\",charset=utf-8,algorithm=md5-sess"`) {
		t.Fatalf("challenge line %q", lines[0])
	}
	if want := fmt.Sprintf("sasl response %s:%s: OK token=%q", saslUser, saslPass, rspauth); lines[1] != want {
		t.Fatalf("response line %q, want %q", lines[1], want)
	}
	expectTranscripts(t, []string{strings.Join(lines[2:], "\n"), got[1]}, `
whoAmI: OK [{ip c1} {sasl jaasuser}]
create /1: OK
get /1: OK
getACL /1: OK [{31 {sasl jaasuser}}]`, `
get /1: NOAUTH
whoAmI: OK [{ip c2}]`)
}

// TestSASLFailures: a wrong password and an unknown user are answered
// AUTHFAILED with a null token and the connection is closed (ZooKeeper
// 3.8.0 with kazoo's test_invalid_sasl_auth); a token after a completed
// exchange fails the same way.
func TestSASLFailures(t *testing.T) {
	got := runSASL(t, saslConfig(),
		[]saslStep{saslStart(), saslRespond(saslUser, "bad"), whoAmI()},
		[]saslStep{saslStart(), saslRespond("baduser", "badpassword"), whoAmI()},
		[]saslStep{saslStart(), saslRespond(saslUser, saslPass), saslStart(), whoAmI()},
	)
	if !strings.HasSuffix(got[2], "\nsasl start: AUTHFAILED token=null\nclosed") {
		t.Errorf("third token: %q", got[2])
	}
	expectTranscripts(t, got, `
sasl start: OK `+firstLine(got[0])+`
sasl response jaasuser:bad: AUTHFAILED token=null
closed`, `
sasl start: OK `+firstLine(got[1])+`
sasl response baduser:badpassword: AUTHFAILED token=null
closed`)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	_, rest, _ := strings.Cut(l, ": OK ")
	return rest
}

// TestSASLWithoutLogin: with no JAAS login ZooKeeper's connection has no
// SaslServer and answers every sasl token OK with a null token; the
// connection stays up.
func TestSASLWithoutLogin(t *testing.T) {
	cfg := saslConfig()
	cfg.SASL = nil
	got := runSASL(t, cfg, []saslStep{saslStart(), saslStart(), whoAmI()})
	expectTranscripts(t, got, `
sasl start: OK token=null
sasl start: OK token=null
whoAmI: OK [{ip c1}]`)
}

// TestSASLACLScheme: without authProvider.N=SASLAuthenticationProvider a
// sasl ACL is INVALIDACL and "auth" does not expand to the sasl identity;
// with it, "auth" does; a malformed Kerberos-style name is INVALIDACL.
func TestSASLACLScheme(t *testing.T) {
	login := []saslStep{saslStart(), saslRespond(saslUser, saslPass)}
	authACL := wire.ACL{Perms: wire.PermAll, ID: wire.ID{Scheme: "auth", ID: ""}}
	script := append(append([]saslStep{}, login...), rawCreate("/a", saslACL(saslUser)), rawCreate("/b", authACL),
		rawCreate("/c", saslACL("a/b/c@R")), rawCreate("/d", saslACL("svc/host@REALM")), rawGetACL("/b"))
	noProvider := saslConfig()
	noProvider.SASLProvider = false
	got := runSASL(t, noProvider, script)
	expectTranscripts(t, []string{strings.Join(strings.Split(got[0], "\n")[2:], "\n")}, `
create /a: INVALIDACL
create /b: INVALIDACL
create /c: INVALIDACL
create /d: INVALIDACL
getACL /b: NONODE`)
	got = runSASL(t, saslConfig(), script)
	expectTranscripts(t, []string{strings.Join(strings.Split(got[0], "\n")[2:], "\n")}, `
create /a: OK
create /b: OK
create /c: INVALIDACL
create /d: OK
getACL /b: OK [{31 {sasl jaasuser}}]`)
}

// TestSASLSuperUser: zookeeper.superUser names a SASL user who passes
// every ACL.
func TestSASLSuperUser(t *testing.T) {
	cfg := saslConfig()
	cfg.SASLSuperUser = saslUser
	digestACL := wire.ACL{Perms: wire.PermAll, ID: wire.ID{Scheme: "digest", ID: tree.GenerateDigest("other:pw")}}
	got := runSASL(t, cfg,
		[]saslStep{rawAuth("digest", "other:pw"), rawCreate("/p", digestACL)},
		[]saslStep{rawGet("/p"), saslStart(), saslRespond(saslUser, saslPass), rawGet("/p"), whoAmI()},
	)
	lines := strings.Split(got[1], "\n")
	expectTranscripts(t, []string{got[0], lines[0] + "\n" + strings.Join(lines[3:], "\n")}, `
auth digest: OK
create /p: OK`, `
get /p: NOAUTH
get /p: OK
whoAmI: OK [{super } {ip c2} {sasl jaasuser}]`)
}

// TestEnforceAuth: with zookeeper.sessionRequireClientSASLAuth (or
// enforce.auth with the sasl scheme) a request before SASL is answered
// SESSIONCLOSEDREQUIRESASLAUTH with zxid 0 and the connection closed; after
// SASL it is served; a failed SASL exchange is answered
// SESSIONCLOSEDREQUIRESASLAUTH too. enforce.auth.schemes=digest accepts a
// connection that did addauth digest.
func TestEnforceAuth(t *testing.T) {
	cfg := saslConfig()
	cfg.EnforceAuthSchemes = []string{"sasl"}
	got := runSASL(t, cfg,
		[]saslStep{rawGet("/"), whoAmI()},
		[]saslStep{whoAmI()},
		[]saslStep{saslStart(), saslRespond(saslUser, saslPass), whoAmI(), rawGet("/")},
		[]saslStep{saslStart(), saslRespond(saslUser, "bad"), whoAmI()},
	)
	expectTranscripts(t, got, `
get /: SESSIONCLOSEDREQUIRESASLAUTH
closed`, `
whoAmI: SESSIONCLOSEDREQUIRESASLAUTH
closed`, `
sasl start: OK `+firstLine(got[2])+`
`+strings.Split(got[2], "\n")[1]+`
whoAmI: OK [{ip c3} {sasl jaasuser}]
get /: OK`, `
sasl start: OK `+firstLine(got[3])+`
sasl response jaasuser:bad: SESSIONCLOSEDREQUIRESASLAUTH token=null
closed`)

	cfg.EnforceAuthSchemes = []string{"digest"}
	got = runSASL(t, cfg,
		[]saslStep{rawAuth("digest", "u:p"), rawGet("/")},
		[]saslStep{saslStart(), saslRespond(saslUser, saslPass), rawGet("/")},
	)
	if got[0] != "auth digest: OK\nget /: OK" || !strings.HasSuffix(got[1], "\nget /: SESSIONCLOSEDREQUIRESASLAUTH\nclosed") {
		t.Errorf("enforce digest:\n%s\n--\n%s", got[0], got[1])
	}
}

// TestSASLAllowFailedClients: zookeeper.allowSaslFailedClients keeps the
// connection of a client whose SASL failed (the failing token is answered
// OK with a null token), unless SASL is required.
func TestSASLAllowFailedClients(t *testing.T) {
	cfg := saslConfig()
	cfg.AllowSASLFailedClients = true
	got := runSASL(t, cfg, []saslStep{saslStart(), saslRespond(saslUser, "bad"), whoAmI()})
	if !strings.HasSuffix(got[0], "\nsasl response jaasuser:bad: OK token=null\nwhoAmI: OK [{ip c1}]") {
		t.Errorf("allowSaslFailedClients: %q", got[0])
	}
	cfg.EnforceAuthSchemes = []string{"sasl"}
	got = runSASL(t, cfg, []saslStep{saslStart(), saslRespond(saslUser, "bad"), whoAmI()})
	if !strings.HasSuffix(got[0], "\nsasl response jaasuser:bad: SESSIONCLOSEDREQUIRESASLAUTH token=null\nclosed") {
		t.Errorf("allowSaslFailedClients with SASL required: %q", got[0])
	}
}

// TestSASLEnsemble: SASL on a follower: the identity travels with the
// writes it forwards, so the leader accepts the sasl ACL (its provider is
// configured too) and the node is the user's on every member.
func TestSASLEnsemble(t *testing.T) {
	ew := newEnsembleWrapped(t, 18, 3, 0, nil, func(c *server.Config) {
		sc := saslConfig()
		c.SASL, c.SASLProvider = sc.SASL, true
	}, nil)
	leader, f1, f2 := electedTrio(t, ew)
	got := runSASLClients(t, ew.w, f1+":2181",
		[]saslStep{saslStart(), saslRespond(saslUser, saslPass), rawCreate("/e", saslACL(saslUser)), rawGetACL("/e")})
	got = append(got, runSASLClients(t, ew.w, f2+":2181", []saslStep{rawGet("/e")})...)
	got = append(got, runSASLClients(t, ew.w, leader+":2181", []saslStep{saslStart(), saslRespond(saslUser, saslPass), rawGet("/e")})...)
	tail := func(s string, skip int) string { return strings.Join(strings.Split(s, "\n")[skip:], "\n") }
	expectTranscripts(t, []string{tail(got[0], 2), got[1], tail(got[2], 2)}, `
create /e: OK
getACL /e: OK [{31 {sasl jaasuser}}]`, `
get /e: NOAUTH`, `
get /e: OK`)
	if !ew.inv.OK() {
		t.Fatalf("zab invariants: %v", ew.inv.Violations())
	}
}

// TestEnforceAuthNeedsProvider: enforcing a scheme no provider serves is a
// configuration error, as it stops ZooKeeper at start.
func TestEnforceAuthNeedsProvider(t *testing.T) {
	cfg := saslConfig()
	cfg.SASLProvider = false
	cfg.EnforceAuthSchemes = []string{"sasl"}
	if _, err := server.New(cfg); err == nil || !strings.Contains(err.Error(), "Authentication scheme sasl is not available") {
		t.Fatalf("err %v", err)
	}
	cfg.EnforceAuthSchemes = []string{"x509"}
	cfg.SASLProvider = true
	if _, err := server.New(cfg); err == nil {
		t.Fatal("x509 accepted")
	}
}
