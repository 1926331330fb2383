// Package sasl is the server side of SASL on ZooKeeper's client port:
// DIGEST-MD5 (RFC 2831, qop=auth) as ZooKeeper 3.8 runs it through Java's
// SaslServer ("zookeeper" as the protocol, "zk-sasl-md5" as the server name
// and realm), and the JAAS login file ZooKeeper takes its users from.
//
// It is part of the deterministic server core: no clock, no system randomness.
// The nonce comes from bytes the caller supplies (the server draws them
// from its seeded Env.Rand, as Java's DigestMD5Server draws them from
// java.util.Random).
package sasl

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ZooKeeper's SASL server parameters (ZooKeeperSaslServer,
// SecurityUtils.createSaslServer): a JAAS subject without principals means
// DIGEST-MD5 with these names.
const (
	Protocol   = "zookeeper"
	ServerName = "zk-sasl-md5"
	// MaxResponseLen is the longest client token Java's DIGEST-MD5 server
	// takes (DigestMD5Base.MAX_RESPONSE_LENGTH).
	MaxResponseLen = 4096
	// NonceRawLen is how many random bytes a nonce encodes (base64: 40
	// characters, as Java's).
	NonceRawLen = 30
)

// ErrAuth marks every authentication failure (Java's SaslException):
// ZooKeeper answers it AUTHFAILED and closes the connection.
var ErrAuth = errors.New("DIGEST-MD5")

func failf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrAuth}, args...)...)
}

// DigestMD5 is one connection's DIGEST-MD5 server. Its life is two
// Evaluate calls: the client's empty initial token gets the challenge, the
// client's digest-response gets "rspauth=..." and completes it. Any call
// after those (or after a failure) fails, as Java's server does.
type DigestMD5 struct {
	password func(user string) (string, bool)
	nonce    []byte
	step     int // 1 before the challenge, 3 awaiting the response, 0 done or failed
	complete bool
	authzID  string
}

// NewDigestMD5 returns a server that looks passwords up with password
// (false: no such user) and takes its nonce from nonceBytes, which must
// hold NonceRawLen bytes.
func NewDigestMD5(password func(user string) (string, bool), nonceBytes []byte) *DigestMD5 {
	n := make([]byte, base64.StdEncoding.EncodedLen(len(nonceBytes)))
	base64.StdEncoding.Encode(n, nonceBytes)
	return &DigestMD5{password: password, nonce: n, step: 1}
}

// Complete reports a successful exchange.
func (s *DigestMD5) Complete() bool { return s.complete }

// AuthorizationID is the authenticated client's identity (its user name;
// "" before Complete).
func (s *DigestMD5) AuthorizationID() string { return s.authzID }

// Nonce is the nonce the challenge carries.
func (s *DigestMD5) Nonce() string { return string(s.nonce) }

// Evaluate takes the client's token and returns the server's next one.
// Errors wrap ErrAuth.
func (s *DigestMD5) Evaluate(response []byte) ([]byte, error) {
	if len(response) > MaxResponseLen {
		return nil, failf("Invalid digest response length. Got:  %d Expected < %d", len(response), MaxResponseLen)
	}
	switch s.step {
	case 1:
		// An initial response is ignored, as Java's server does.
		s.step = 3
		return s.challenge(), nil
	case 3:
		s.step = 0
		reply, err := s.validate(response)
		if err != nil {
			return nil, err
		}
		s.complete = true
		return reply, nil
	}
	return nil, failf("Server at illegal state")
}

// challenge is Java's digest-challenge for one realm, qop auth only (no qop
// directive: auth is the default), UTF-8: realm, nonce, charset, algorithm.
func (s *DigestMD5) challenge() []byte {
	var b bytes.Buffer
	b.WriteString(`realm="`)
	writeQuoted(&b, []byte(ServerName))
	b.WriteString(`",nonce="`)
	writeQuoted(&b, s.nonce)
	b.WriteString(`",charset=utf-8,algorithm=md5-sess`)
	return b.Bytes()
}

// writeQuoted escapes '"', '\\', DEL and control characters other than
// CR, LF and HT (RFC 2831 7.2).
func writeQuoted(b *bytes.Buffer, v []byte) {
	for _, c := range v {
		if c == '"' || c == '\\' || c == 127 || (c <= 31 && c != 13 && c != 9 && c != 10) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
}

// The directives a digest-response may carry, as Java's server reads them
// (it knows the nonce count as "nonce-count": a client's "nc" is an
// unknown directive, ignored, and the count is taken to be 1).
var responseKeys = []string{"username", "realm", "nonce", "cnonce", "nonce-count", "qop", "digest-uri",
	"response", "maxbuf", "charset", "cipher", "authzid", "auth-param"}

// Directives is a parsed digest-response: each known directive's value
// (nil when absent), keyed by its lower-case name.
type Directives map[string][]byte

// ParseDirectives parses a digest-response (RFC 2831 2.1.2) as Java's
// DigestMD5Base.parseDirectives does: comma-separated key=value pairs, a
// value quoted ("..." with backslash escapes) or a token, linear white
// space around them; keys match case-insensitively; an unknown key is
// skipped; a known one given twice is an error.
func ParseDirectives(buf []byte) (Directives, error) {
	out := Directives{}
	var key, value []byte
	gettingKey, quoted, expectSep := true, false, false
	i := skipLWS(buf, 0)
	for i < len(buf) {
		c := buf[i]
		switch {
		case gettingKey:
			switch {
			case c == ',':
				if len(key) != 0 {
					return nil, failf("Directive key contains a ',': %s", key)
				}
				i = skipLWS(buf, i+1)
			case c == '=':
				if len(key) == 0 {
					return nil, failf("Empty directive key")
				}
				gettingKey = false
				i = skipLWS(buf, i+1)
				if i >= len(buf) {
					return nil, failf("Valueless directive found: %s", key)
				}
				if buf[i] == '"' {
					quoted = true
					i++
				}
			case isLWS(c):
				i = skipLWS(buf, i+1)
				if i >= len(buf) || buf[i] != '=' {
					return nil, failf("'=' expected after key: %s", key)
				}
			default:
				key = append(key, c)
				i++
			}
		case quoted:
			switch c {
			case '\\':
				i++
				if i >= len(buf) {
					return nil, failf("Unmatched quote found for directive: %s with value: %s", key, value)
				}
				value = append(value, buf[i])
				i++
			case '"':
				i++
				quoted, expectSep = false, true
			default:
				value = append(value, c)
				i++
			}
		case isLWS(c) || c == ',':
			if err := out.add(key, value); err != nil {
				return nil, err
			}
			key, value = nil, nil
			gettingKey, quoted, expectSep = true, false, false
			i = skipLWS(buf, i+1)
		case expectSep:
			return nil, failf("Expecting comma or linear whitespace after quoted string: %q", value)
		default:
			value = append(value, c)
			i++
		}
	}
	if quoted {
		return nil, failf("Unmatched quote found for directive: %s with value: %s", key, value)
	}
	if len(key) > 0 {
		if err := out.add(key, value); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d Directives) add(key, value []byte) error {
	k := strings.ToLower(string(key))
	for _, known := range responseKeys {
		if k != known {
			continue
		}
		if _, dup := d[k]; dup {
			return failf("peer sent more than one %s directive: %s", key, value)
		}
		if value == nil {
			value = []byte{}
		}
		d[k] = value
		return nil
	}
	return nil // unknown directive: ignored
}

func isLWS(c byte) bool { return c == '\r' || c == '\n' || c == ' ' || c == '\t' }

func skipLWS(b []byte, i int) int {
	for i < len(b) && isLWS(b[i]) {
		i++
	}
	return i
}

// validate checks a digest-response in the order Java's
// DigestMD5Server.validateClientResponse does and returns the
// response-auth.
func (s *DigestMD5) validate(response []byte) ([]byte, error) {
	d, err := ParseDirectives(response)
	if err != nil {
		return nil, err
	}
	if cs, ok := d["charset"]; ok && string(cs) != "utf-8" {
		return nil, failf("digest response format violation. Incompatible charset value: %s", cs)
	}
	if mb, ok := d["maxbuf"]; ok {
		if _, err := strconv.ParseInt(string(mb), 10, 32); err != nil {
			return nil, failf("digest response format violation. Bad maxbuf: %s", mb)
		}
	}
	userBytes, ok := d["username"]
	if !ok {
		return nil, failf("digest response format violation. Missing username.")
	}
	username := decodeUTF8(userBytes)
	realm := decodeUTF8(d["realm"]) // "" when absent
	if realm != ServerName {
		return nil, failf("digest response format violation. Nonexistent realm: %s", realm)
	}
	nonce, ok := d["nonce"]
	if !ok {
		return nil, failf("digest response format violation. Missing nonce.")
	}
	if !bytes.Equal(nonce, s.nonce) {
		return nil, failf("digest response format violation. Mismatched nonce.")
	}
	cnonce, ok := d["cnonce"]
	if !ok {
		return nil, failf("digest response format violation. Missing cnonce.")
	}
	if nc, ok := d["nonce-count"]; ok {
		if n, err := strconv.ParseInt(string(nc), 16, 32); err != nil || n != 1 {
			return nil, failf("digest response format violation. Nonce count does not match: %s", nc)
		}
	}
	qop := "auth"
	if q, ok := d["qop"]; ok {
		qop = decodeUTF8(q)
	}
	switch qop {
	case "auth":
	case "auth-int", "auth-conf":
		return nil, failf("server does not support  qop: %s", qop)
	default:
		return nil, failf("digest response format violation. Invalid QOP: %s", qop)
	}
	uri := decodeUTF8(d["digest-uri"])
	if !strings.EqualFold(uri, Protocol+"/"+ServerName) {
		return nil, failf("digest response format violation. Mismatched URI: %s; expecting: %s/%s", uri, Protocol, ServerName)
	}
	clientResp, ok := d["response"]
	if !ok {
		return nil, failf("digest response format  violation. Missing response.")
	}
	authzid, hasAuthzid := d["authzid"]
	passwd, ok := s.password(username)
	if !ok {
		return nil, failf("cannot acquire password for %s in realm : %s", username, realm)
	}
	var az []byte
	if hasAuthzid {
		az = authzid
	}
	want := responseValue("AUTHENTICATE", uri, qop, username, realm, passwd, s.nonce, cnonce, az)
	if !bytes.Equal(clientResp, want) {
		return nil, failf("digest response format violation. Mismatched response.")
	}
	// ZooKeeper's SaslServerCallbackHandler authorizes every authenticated
	// client and names it by its authentication id (the Kerberos short
	// name of a plain user name is the name itself).
	s.authzID = username
	return append([]byte("rspauth="), responseValue("", uri, qop, username, realm, passwd, s.nonce, cnonce, az)...), nil
}

// decodeUTF8 is Java's new String(b, UTF_8): invalid bytes become U+FFFD.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// latin1IfPossible is Java's stringToByte_8859_1 for a UTF-8 server: the
// string in ISO 8859-1 when every character fits, else in UTF-8.
func latin1IfPossible(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return []byte(s)
		}
		out = append(out, byte(r))
	}
	return out
}

// responseValue is RFC 2831's response-value (2.1.2.1) for qop=auth with
// md5-sess: HEX(KD(HEX(H(A1)), nonce:nc:cnonce:qop:HEX(H(A2)))), with
// A1 = H(user:realm:passwd):nonce:cnonce[:authzid] and
// A2 = method:digest-uri; the nonce count is 1.
func responseValue(method, uri, qop, user, realm, passwd string, nonce, cnonce, authzid []byte) []byte {
	var a1 bytes.Buffer
	a1.Write(latin1IfPossible(user))
	a1.WriteByte(':')
	a1.Write(latin1IfPossible(realm))
	a1.WriteByte(':')
	a1.Write(latin1IfPossible(passwd))
	inner := md5.Sum(a1.Bytes())
	a1.Reset()
	a1.Write(inner[:])
	a1.WriteByte(':')
	a1.Write(nonce)
	a1.WriteByte(':')
	a1.Write(cnonce)
	if authzid != nil {
		a1.WriteByte(':')
		a1.Write(authzid)
	}
	ha1 := md5.Sum(a1.Bytes())
	ha2 := md5.Sum([]byte(method + ":" + uri))
	var kd bytes.Buffer
	kd.WriteString(hex.EncodeToString(ha1[:]))
	kd.WriteByte(':')
	kd.Write(nonce)
	kd.WriteString(":00000001:")
	kd.Write(cnonce)
	kd.WriteByte(':')
	kd.WriteString(qop)
	kd.WriteByte(':')
	kd.WriteString(hex.EncodeToString(ha2[:]))
	sum := md5.Sum(kd.Bytes())
	return []byte(hex.EncodeToString(sum[:]))
}

// ClientResponse computes what a DIGEST-MD5 client (qop=auth) sends for
// challenge: for tests and tools, not the server's business.
func ClientResponse(challenge []byte, user, passwd, cnonce string) ([]byte, error) {
	nonce, err := challengeNonce(challenge)
	if err != nil {
		return nil, err
	}
	uri := Protocol + "/" + ServerName
	resp := responseValue("AUTHENTICATE", uri, "auth", user, ServerName, passwd, nonce, []byte(cnonce), nil)
	return []byte(fmt.Sprintf(`charset=utf-8,username="%s",realm="%s",nonce="%s",nc=00000001,cnonce="%s",digest-uri="%s",maxbuf=65536,response=%s,qop=auth`,
		user, ServerName, nonce, cnonce, uri, resp)), nil
}

// ExpectedRspAuth is the rspauth a server must answer ClientResponse with.
func ExpectedRspAuth(challenge []byte, user, passwd, cnonce string) ([]byte, error) {
	nonce, err := challengeNonce(challenge)
	if err != nil {
		return nil, err
	}
	return append([]byte("rspauth="), responseValue("", Protocol+"/"+ServerName, "auth", user, ServerName, passwd, nonce, []byte(cnonce), nil)...), nil
}

func challengeNonce(challenge []byte) ([]byte, error) {
	_, rest, ok := bytes.Cut(challenge, []byte(`nonce="`))
	if !ok {
		return nil, errors.New("sasl: challenge has no nonce")
	}
	nonce, _, ok := bytes.Cut(rest, []byte(`"`))
	if !ok {
		return nil, errors.New("sasl: challenge's nonce is not terminated")
	}
	return nonce, nil
}
