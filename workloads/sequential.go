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

func newSequential(int, WorkerConfig) Driver { return sequential{} }

func (sequential) Setup() []Znode             { return []Znode{{Path: "/seq"}} }
func (sequential) Event(*Base, client.Event)  {}
func (sequential) Final(_ *Base, done func()) { done() }

func (sequential) Step(b *Base) {
	b.Invoke(history.FCreate, history.SequentialValue{Prefix: sequentialPrefix})
	b.Client().Create(sequentialPrefix, nil, wire.OpenACLUnsafe, wire.FlagPersistentSequential, func(res client.Result) {
		t := WriteOutcome(res)
		if t == history.OK {
			b.Complete(t, history.SequentialValue{Prefix: sequentialPrefix, Name: res.Path}, &res, "")
		} else {
			b.Complete(t, nil, &res, "")
		}
		b.Idle()
	})
}
