package sim

import (
	"bytes"
	"fmt"
	"testing"
)

// A log that grows through many reallocations, with syncs issued between
// appends and completed later, keeps exactly what each completed sync
// covered: growing the file never disturbs a pending sync's view.
func TestDiskAppendGrowthKeepsSyncedViews(t *testing.T) {
	d := newTestDisk(t, 1, DiskOptions{})
	var want []byte
	for i := range 2000 {
		rec := []byte(fmt.Sprintf("record %d;", i))
		must(t, d.Append("log", rec))
		want = append(want, rec...)
		if i%97 == 0 {
			d.Sync("log")
		}
		if i%251 == 0 {
			d.CompletePendingSyncs()
		}
	}
	if got := read(t, d, "log"); !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes, want the %d appended", len(got), len(want))
	}
	synced := bytes.Clone(want[:bytes.LastIndex(want, []byte("record 1940;"))])
	d.CompletePendingSyncs() // the last Sync was after record 1940
	must(t, d.Append("log", []byte("tail")))
	must(t, d.Crash(CrashLoseUnsynced))
	if got := read(t, d, "log"); !bytes.Equal(got, append(synced, "record 1940;"...)) {
		t.Fatalf("after crash %d bytes survive, want the %d synced through record 1940", len(got), len(synced)+len("record 1940;"))
	}
}
