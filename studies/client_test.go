package studies_test

import (
	"bytes"
	"testing"

	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/studies/registry"
	"github.com/zabsim/zabsim/workloads"
)

// countingClient is the deterministic client behind a factory that counts
// what the workers ask of it; it also takes Abandon, as the live adapter does.
type countingClient struct {
	*client.Client
	f *countingFactory
}

func (c *countingClient) Abandon() { c.f.abandoned++ }

type countingFactory struct {
	made, pinned, abandoned int
}

func (f *countingFactory) newClient(cfg client.Config) (workloads.Client, error) {
	cl, err := client.New(cfg)
	if err != nil {
		return nil, err
	}
	f.made++
	if len(cfg.Servers) == 1 {
		f.pinned++
	}
	return &countingClient{Client: cl, f: f}, nil
}

// TestClientFactory: WorkerConfig.NewClient builds every client a worker
// uses (sessions, the durability workload's per-server final clients), a
// simulated crash tells the client to fall silent, and a factory that
// returns the same client behaves exactly like the default: same history.
func TestClientFactory(t *testing.T) {
	for _, name := range []string{"register", "registry", "durability", "bank", "lock"} {
		t.Run(name, func(t *testing.T) {
			wl, err := workloadByName(name)
			if err != nil {
				t.Fatal(err)
			}
			p := defaultPlan(11)
			p.servers = 3
			want := newRun(t, wl, p)
			want.execute(p)

			f := &countingFactory{}
			p.newClient = f.newClient
			got := newRun(t, wl, p)
			got.execute(p)
			if !bytes.Equal(want.jsonl(), got.jsonl()) || want.w.TraceHash() != got.w.TraceHash() {
				t.Fatal("a factory returning the deterministic client changed the run")
			}
			if f.made < len(got.workers) {
				t.Errorf("factory made %d clients for %d workers", f.made, len(got.workers))
			}
			if name == "durability" && f.pinned < len(got.workers)*3 {
				t.Errorf("durability: %d pinned clients, want one per worker and server (%d)", f.pinned, len(got.workers)*3)
			}
			crashes := counts(got.ops, registry.FExpire)[history.Invoke]
			if name == "registry" && (f.abandoned == 0 || f.abandoned > crashes) {
				t.Errorf("registry: %d abandoned clients for %d expire ops", f.abandoned, crashes)
			}
			if name != "registry" && f.abandoned != 0 {
				t.Errorf("%s abandoned %d clients", name, f.abandoned)
			}
		})
	}
}
