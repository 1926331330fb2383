package workloads

import (
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
)

// sequential creates persistent-sequential nodes under /seq and records the
// names the server chose; a checker wants them unique and, per session,
// increasing.
type sequential struct{}

const sequentialPrefix = "/seq/n-"

func newSequential(int, WorkerConfig) driver { return sequential{} }

func (sequential) setup() []znode             { return []znode{{path: "/seq"}} }
func (sequential) event(*base, client.Event)  {}
func (sequential) final(_ *base, done func()) { done() }

func (sequential) step(b *base) {
	b.invoke(history.FCreate, history.SequentialValue{Prefix: sequentialPrefix})
	b.c.Create(sequentialPrefix, nil, wire.OpenACLUnsafe, wire.FlagPersistentSequential, func(res client.Result) {
		t := writeOutcome(res)
		if t == history.OK {
			b.complete(t, history.SequentialValue{Prefix: sequentialPrefix, Name: res.Path}, &res, "")
		} else {
			b.complete(t, nil, &res, "")
		}
		b.idle()
	})
}
