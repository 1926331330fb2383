package zab

import "testing"

// BenchmarkBroadcast measures one txn through a 3-voter ensemble: Propose,
// PROPOSAL to both followers, fsync everywhere, ACKs, COMMITs, including
// the in-memory host's work.
func BenchmarkBroadcast(b *testing.B) {
	for _, encode := range []bool{false, true} {
		name := "values"
		if encode {
			name = "encoded"
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld([]uint64{1, 2, 3}, nil, Config{})
			w.encode = encode
			for _, id := range w.ids {
				if err := w.start(id); err != nil {
					b.Fatal(err)
				}
			}
			d := &ddRunner{w: w}
			d.elect()
			l := w.leader()
			data := make([]byte, 128)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := w.nodes[l].peer.Propose(data); err != nil {
					b.Fatal(err)
				}
				w.drain(l)
				d.settle()
				w.trace.Reset()
			}
			b.StopTimer()
			if w.nodes[1].peer.LastCommittedZxid() != w.nodes[l].peer.LastLoggedZxid() {
				b.Fatal("not everything committed")
			}
		})
	}
}
