package live

import (
	"testing"
	"time"
)

// BenchmarkPingPongRoundTrip measures one request/response round trip
// between two nodes over loopback TCP, through both event loops.
func BenchmarkPingPongRoundTrip(b *testing.B) {
	rounds := uint32(b.N)
	sp, _ := pingPong(rounds, false, "")
	server := NewNode(Options{Name: "pong"})
	if err := server.Start(wrap(sp)); err != nil {
		b.Fatal(err)
	}
	defer server.Stop()
	b.ResetTimer()
	cp, last := pingPong(rounds, true, server.ListenAddrs()[0])
	client := NewNode(Options{Name: "ping"})
	if err := client.Start(wrap(cp)); err != nil {
		b.Fatal(err)
	}
	defer client.Stop()
	want := rounds - 1
	if rounds%2 == 1 {
		want = rounds
	}
	for {
		done := false
		if err := client.Do(func() { done = *last >= want || rounds < 2 }); err != nil {
			b.Fatal(err)
		}
		if done {
			break
		}
		time.Sleep(100 * time.Microsecond) // poll gently: a spinning Do would compete with the loop
	}
	b.StopTimer()
}
