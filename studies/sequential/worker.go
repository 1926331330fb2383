package sequential

import (
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
	"github.com/zabsim/zabsim/workloads"
)

// sequential creates persistent-sequential nodes under /seq and records the
// names the server chose; a checker wants them unique and, per session,
// increasing.
type sequential struct{}

const sequentialPrefix = "/seq/n-"

func newSequential(int, workloads.WorkerConfig) workloads.Driver { return sequential{} }

func (sequential) Setup() []workloads.Znode             { return []workloads.Znode{{Path: "/seq"}} }
func (sequential) Event(*workloads.Base, client.Event)  {}
func (sequential) Final(_ *workloads.Base, done func()) { done() }

func (sequential) Step(b *workloads.Base) {
	b.Invoke(FCreate, Value{Prefix: sequentialPrefix})
	b.Client().Create(sequentialPrefix, nil, wire.OpenACLUnsafe, wire.FlagPersistentSequential, func(res client.Result) {
		t := workloads.WriteOutcome(res)
		if t == history.OK {
			b.Complete(t, Value{Prefix: sequentialPrefix, Name: res.Path}, &res, "")
		} else {
			b.Complete(t, nil, &res, "")
		}
		b.Idle()
	})
}
