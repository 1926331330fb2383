package zab

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
)

// Digest is FNV-1a 64, as hash/fnv computes it.
func TestDigestIsFNV1a(t *testing.T) {
	for _, s := range []string{"", "a", "zab", "a longer txn body \x00\xff"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := Digest([]byte(s)), h.Sum64(); got != want {
			t.Errorf("Digest(%q) = %x, want %x", s, got, want)
		}
	}
}

// entriesAfter returns exactly the entries above z, for every z around
// and between the held zxids.
func TestEntriesAfterMatchesFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var log []Entry
		z := int64(r.IntN(5))
		for range r.IntN(40) {
			z += 1 + int64(r.IntN(3))
			log = append(log, Entry{Zxid: z})
		}
		for q := int64(-1); q <= z+2; q++ {
			var want []int64
			for _, e := range log {
				if e.Zxid > q {
					want = append(want, e.Zxid)
				}
			}
			var got []int64
			for _, e := range entriesAfter(log, q) {
				got = append(got, e.Zxid)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("entriesAfter(%v, %d) = %v, want %v", log, q, got, want)
			}
		}
	}
}

// An Observer that remembers digests reports what Observe reports, also
// when a zxid comes back with other bytes (a TRUNC, then a new leader's
// txn) or the same bytes at another address.
func TestObserverMatchesObserve(t *testing.T) {
	a, b := []byte("txn a"), []byte("txn b")
	readys := []Ready{
		{Append: []Entry{{Zxid: 1, Data: a}, {Zxid: 2, Data: b}}},
		{Commit: []Entry{{Zxid: 1, Data: a}}},
		{Truncate: ptr(int64(1)), Append: []Entry{{Zxid: 2, Data: a}}},
		{Commit: []Entry{{Zxid: 2, Data: a}}},
		{Append: []Entry{{Zxid: 66, Data: []byte("txn a")}}}, // same slot as 2, same bytes elsewhere
		{Commit: []Entry{{Zxid: 66, Data: b}}},               // the one chain broken: must show
		{Settled: []Entry{{Zxid: 3, Data: nil}}, Commit: []Entry{{Zxid: 4, Data: []byte{}}}},
	}
	var o Observer
	for i := range readys {
		var got []any
		o.Each(7, &readys[i], func(x any) { got = append(got, NoteValue(x)) })
		want := Observe(7, &readys[i])
		if !slices.Equal(got, want) {
			t.Errorf("ready %d: got %v, want %v", i, got, want)
		}
	}
}

// Release hands a Ready's slices back: the next Ready reuses their
// storage, starts empty, and what the host copied out stays intact.
func TestReleaseReusesSlices(t *testing.T) {
	p, err := NewPeer(Config{ID: 1, Voters: []uint64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	rd := p.Ready() // LOOKING: notifications to 2 and 3
	p.Advance(rd)
	if len(rd.Messages) == 0 {
		t.Fatal("no notifications")
	}
	sent := slices.Clone(rd.Messages)
	first := &rd.Messages[0]
	p.Release(&rd)
	if rd.Messages != nil {
		t.Fatal("Release left rd.Messages")
	}
	if p.HasReady() {
		t.Fatal("Release produced effects")
	}
	// Advance set up the next Ready before Release: the storage comes
	// back one Ready later.
	for round := range 2 {
		for i := 0; i < 100 && !p.HasReady(); i++ {
			p.Tick() // until it re-sends its vote
		}
		next := p.Ready()
		p.Advance(next)
		if len(next.Messages) == 0 {
			t.Fatal("no messages after ticks")
		}
		if reused := &next.Messages[0] == first; reused != (round == 1) {
			t.Errorf("round %d: storage reused %t", round, reused)
		}
		p.Release(&next)
	}
	for i, env := range sent {
		if env.Msg == nil || env.To == 0 {
			t.Errorf("copied message %d damaged: %+v", i, env)
		}
	}
}
