package server

import (
	"slices"

	"github.com/zabsim/zabsim/server/sasl"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/wire"
)

// providers are the authentication providers the server runs, for ACLs.
func (s *Server) providers() tree.Providers {
	return tree.Providers{SASL: s.cfg.SASLProvider}
}

// saslRequest is ZooKeeperServer.processSasl: one token of the client's
// DIGEST-MD5 exchange, answered at once, outside the session's queue (as
// auth is), with reply zxid 0. A completed exchange adds the identity
// sasl:<user> (and super for zookeeper.superUser). A failure is answered
// AUTHFAILED (SESSIONCLOSEDREQUIRESASLAUTH when SASL is required) with a
// null token and closes the connection, unless allowSaslFailedClients
// keeps it (then the answer is OK with a null token).
func (s *Server) saslRequest(c *conn, xid int32, req *wire.SASLRequest) {
	if s.cfg.SASL == nil {
		// ZooKeeper without a JAAS login gives a connection no SaslServer:
		// evaluating the token throws a NullPointerException, which it
		// logs, and it answers OK with a null token.
		s.env.Logf("conn %d session %#x: sasl request, but no JAAS login is configured (java.security.auth.login.config)", c.id, c.session)
		s.send(c, wire.EncodeReply(xid, 0, wire.ErrOK, &wire.SASLResponse{}))
		return
	}
	if c.sasl == nil {
		c.sasl = sasl.NewDigestMD5(s.cfg.SASL.Password, s.saslNonce())
	}
	token, err := c.sasl.Evaluate(req.Token)
	if err != nil {
		s.env.Logf("client %s failed to SASL authenticate: %v", c.remote, err)
		required := slices.Contains(s.cfg.EnforceAuthSchemes, tree.SchemeSASL)
		if s.cfg.AllowSASLFailedClients && !required {
			s.env.Logf("maintaining client connection despite SASL authentication failure")
			s.send(c, wire.EncodeReply(xid, 0, wire.ErrOK, &wire.SASLResponse{}))
			return
		}
		code := wire.ErrAuthFailed
		if required {
			code = wire.ErrSessionClosedRequireSASL
		}
		s.send(c, wire.EncodeReply(xid, 0, code, &wire.SASLResponse{}))
		s.closeConn(c)
		return
	}
	if c.sasl.Complete() {
		id := c.sasl.AuthorizationID()
		s.env.Logf("session %#x: adding SASL authorization for authorizationID: %s", c.session, id)
		c.authIDs = appendID(c.authIDs, wire.ID{Scheme: tree.SchemeSASL, ID: id})
		if s.cfg.SASLSuperUser != "" && id == s.cfg.SASLSuperUser {
			c.authIDs = appendID(c.authIDs, tree.SuperID)
		}
	}
	s.send(c, wire.EncodeReply(xid, 0, wire.ErrOK, &wire.SASLResponse{Token: token}))
}

// saslNonce draws a DIGEST-MD5 nonce's bytes from the process's seeded
// stream (Java's server draws them from java.util.Random).
func (s *Server) saslNonce() []byte {
	b := make([]byte, sasl.NonceRawLen)
	r := s.env.Rand()
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// enforceAuth is AuthenticationHelper.enforceAuthentication, applied to
// every request but auth and sasl: with enforcement on, a connection
// holding no identity of an enforced scheme is answered
// SESSIONCLOSEDREQUIRESASLAUTH (zxid 0, no body) and closed; its session
// lives on until it expires. It reports whether the request may proceed.
func (s *Server) enforceAuth(c *conn, xid int32) bool {
	schemes := s.cfg.EnforceAuthSchemes
	if len(schemes) == 0 {
		return true
	}
	for _, id := range c.authIDs {
		if slices.Contains(schemes, id.Scheme) {
			return true
		}
	}
	held := make([]string, 0, len(c.authIDs))
	for _, id := range c.authIDs {
		held = append(held, id.Scheme)
	}
	s.env.Logf("client authentication scheme(s) %v does not match with any of the expected authentication scheme %v, closing session %#x", held, schemes, c.session)
	s.send(c, wire.EncodeReply(xid, 0, wire.ErrSessionClosedRequireSASL, nil))
	s.closeConn(c)
	return false
}
