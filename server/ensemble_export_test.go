package server

import (
	"slices"

	"github.com/zabsim/zabsim/proc"
	"github.com/zabsim/zabsim/server/tree"
	"github.com/zabsim/zabsim/server/txn"
)

// WithProposedCheck wraps a server process so that, once started, f sees
// every txn it applies as leader from its prepped form instead of decoding
// the committed bytes (and those bytes).
func WithProposedCheck(p proc.Process, f func(t txn.Txn, data []byte)) proc.Process {
	return &proposedCheck{Process: p, f: f}
}

type proposedCheck struct {
	proc.Process
	f func(t txn.Txn, data []byte)
}

func (p *proposedCheck) Start(env proc.Env) {
	p.Process.Start(env)
	if s, ok := p.Process.(*Server); ok && s.ens != nil {
		s.ens.checkPrepped = p.f
	}
}

// SessionViews returns, sorted, the sessions a started ensemble server's
// tracker holds, those its committed txns left open (its global view),
// those its touch table accepts, and those its next snapshot would carry.
func SessionViews(p proc.Process) (tracked, global, touchable, snapshot []int64, err error) {
	s := p.(*Server)
	tracked = s.sessions.IDs()
	touchable = s.ens.local.IDs()
	for id := range s.ens.global {
		global = append(global, id)
	}
	_, data, err := s.snapshotBytes()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	_, timeouts, err := tree.Deserialize(data)
	for id := range timeouts {
		snapshot = append(snapshot, id)
	}
	slices.Sort(tracked)
	slices.Sort(global)
	slices.Sort(snapshot)
	return tracked, global, touchable, snapshot, err
}

// FourLetterOutput is the text a four-letter word answers.
func (s *Server) FourLetterOutput(cmd string) string { return s.fourLetterOutput(cmd) }
