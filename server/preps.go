package server

import (
	"github.com/zabsim/zabsim/server/prep"
	"github.com/zabsim/zabsim/server/session"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
	"github.com/zabsim/zabsim/server/wire"
)

// prepWrite preps a write (server/prep) under the next zxid. owner is the
// server the request came through on an ensemble's leader, else nil.
func (s *Server) prepWrite(sessionID int64, xid int32, op wire.OpCode, body wire.Request, authIDs []wire.ID, owner *session.Owner) txn.Txn {
	return s.prep.Write(s.nextHeader(sessionID, xid, op), authIDs, owner, body)
}

// nextHeader is the header of the next txn: every write gets a zxid,
// failed or not.
func (s *Server) nextHeader(sessionID int64, xid int32, op wire.OpCode) txn.Header {
	s.lastZxid = s.repl.nextZxid()
	return txn.Header{ClientID: sessionID, Cxid: xid, Zxid: s.lastZxid, TimeMS: s.nowMS(), Type: op}
}

// prepHost is what server/prep reads of the server.
type prepHost struct{ s *Server }

func (h prepHost) Tree() *tree.Tree                { return h.s.tree }
func (h prepHost) Sessions() *session.Tracker      { return h.s.sessions }
func (h prepHost) Providers() tree.Providers       { return h.s.providers() }
func (h prepHost) Logf(format string, args ...any) { h.s.env.Logf(format, args...) }

func (h prepHost) Quorum() prep.Quorum {
	if h.s.ens == nil {
		return nil
	}
	return h.s.ens.peer
}
