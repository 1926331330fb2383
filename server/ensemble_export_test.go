package server

import (
	"github.com/zabsim/zabsim/proc"
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
		s.ens.checkProposed = p.f
	}
}
