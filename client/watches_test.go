package client

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/zabsim/zabsim/server/wire"
)

// Many watches are split into SetWatches packets of at most 128 KB of paths
// that together re-arm every watch exactly once.
func TestSetWatchesSplitsLargeSets(t *testing.T) {
	w := newWatchRegistry()
	want := map[string]bool{}
	for i := range 400 {
		p := fmt.Sprintf("/%04d/%s", i, strings.Repeat("x", 1000))
		if i%2 == 0 {
			w.data[p] = true
		} else {
			w.child[p] = true
		}
		want[p] = true
	}
	reqs := w.setWatches(42)
	if len(reqs) < 4 {
		t.Fatalf("%d packets for ~400 KB of paths", len(reqs))
	}
	got := map[string]bool{}
	for _, r := range reqs {
		sw := r.(*wire.SetWatchesRequest)
		if sw.RelativeZxid != 42 {
			t.Fatalf("relativeZxid %d", sw.RelativeZxid)
		}
		size := 0
		for _, list := range [][]string{sw.DataWatches, sw.ExistWatches, sw.ChildWatches} {
			if !sort.StringsAreSorted(list) {
				t.Fatal("paths not sorted")
			}
			for _, p := range list {
				if got[p] {
					t.Fatalf("%s sent twice", p[:6])
				}
				got[p] = true
				size += 4 + len(p)
			}
		}
		if size > setWatchesLimitBytes {
			t.Fatalf("packet carries %d bytes of paths", size)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("re-armed %d of %d watches", len(got), len(want))
	}
	if empty := newWatchRegistry(); len(empty.setWatches(1)) != 0 {
		t.Fatal("no watches must mean no SetWatches packet")
	}
}

func TestWatchRegistryRules(t *testing.T) {
	w := newWatchRegistry()
	w.registered(&wire.ExistsRequest{Path: "/e", Watch: true}, wire.ErrNoNode)
	w.registered(&wire.ExistsRequest{Path: "/d", Watch: true}, wire.ErrOK)
	w.registered(&wire.GetDataRequest{Path: "/x", Watch: true}, wire.ErrNoNode) // no watch on failure
	w.registered(&wire.GetChildren2Request{GetChildrenRequest: wire.GetChildrenRequest{Path: "/c", Watch: true}}, wire.ErrOK)
	w.registered(&wire.AddWatchRequest{Path: "/p", Mode: wire.AddWatchPersistent}, wire.ErrOK)
	if !w.exist["/e"] || !w.data["/d"] || w.data["/x"] || !w.child["/c"] || !w.persistent["/p"] {
		t.Fatalf("registry %+v", w)
	}
	w.fired(wire.EventNodeCreated, "/e")
	w.fired(wire.EventNodeDeleted, "/c")
	w.fired(wire.EventNodeDataChanged, "/p")
	if w.exist["/e"] || w.child["/c"] || !w.persistent["/p"] || !w.data["/d"] {
		t.Fatalf("after events %+v", w)
	}
	w.registered(&wire.RemoveWatchesRequest{Path: "/d", Type: wire.WatcherData}, wire.ErrOK)
	w.registered(&wire.RemoveWatchesRequest{Path: "/p", Type: wire.WatcherAny}, wire.ErrOK)
	if w.data["/d"] || w.persistent["/p"] {
		t.Fatalf("after removeWatches %+v", w)
	}
}
