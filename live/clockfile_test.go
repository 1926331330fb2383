package live

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zabsim/zabsim/reports"
)

// TestOffsetClock: the wall clock follows the offset file, re-read at most
// every clockRereadEvery; a bad file keeps the last good offset.
func TestOffsetClock(t *testing.T) {
	if newOffsetClock("") != nil {
		t.Fatal("no file must mean no offset clock")
	}
	var nilClock *offsetClock
	if d := time.Since(nilClock.now()).Abs(); d > time.Second {
		t.Fatalf("nil clock off by %v", d)
	}
	path := filepath.Join(t.TempDir(), "offset")
	c := newOffsetClock(path)
	if d := time.Since(c.now()).Abs(); d > time.Second {
		t.Fatalf("missing file: clock off by %v", d)
	}
	if err := reports.WriteFileAtomic(path, []byte("1h\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(clockRereadEvery)
	if ahead := time.Until(c.now()); ahead < 59*time.Minute {
		t.Fatalf("offset 1h: clock only %v ahead", ahead)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(clockRereadEvery)
	if ahead := time.Until(c.now()); ahead < 59*time.Minute {
		t.Fatalf("a bad file dropped the last offset: %v ahead", ahead)
	}
	if err := reports.WriteFileAtomic(path, []byte("-2s")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(clockRereadEvery)
	if behind := time.Since(c.now()); behind < 1900*time.Millisecond || behind > 3*time.Second {
		t.Fatalf("offset -2s: clock %v behind", behind)
	}
}
