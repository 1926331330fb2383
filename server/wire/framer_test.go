package wire

import (
	"bytes"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// drain pulls every complete frame out of f.
func drain(f *Framer) ([][]byte, error) {
	var out [][]byte
	for {
		fr, ok, err := f.Next()
		if err != nil || !ok {
			return out, err
		}
		out = append(out, fr)
	}
}

// Any chunking of a stream of packets yields the same frames, in order, and
// frames handed out earlier are never overwritten by later pushes.
func TestFramerChunkingIsInvisible(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bodies := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 40), 1, 8).Draw(t, "bodies")
		var stream []byte
		for _, b := range bodies {
			stream = append(stream, frame(func(e *Encoder) { e.Raw(b) })...)
		}
		var f Framer
		var got [][]byte
		for rest := stream; len(rest) > 0; {
			n := rapid.IntRange(1, len(rest)).Draw(t, "chunk")
			chunk := append([]byte(nil), rest[:n]...)
			f.Push(chunk)
			clear(chunk) // the Framer must not retain the caller's chunk
			rest = rest[n:]
			frames, err := drain(&f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, frames...)
		}
		if len(got) != len(bodies) || f.Buffered() != 0 {
			t.Fatalf("%d frames, %d left over, want %d frames", len(got), f.Buffered(), len(bodies))
		}
		for i := range bodies {
			if !bytes.Equal(got[i], bodies[i]) {
				t.Fatalf("frame %d = % x, want % x", i, got[i], bodies[i])
			}
		}
	})
}

// The length prefix is judged as soon as it arrives, before the body.
func TestFramerRejectsBadLengthEarly(t *testing.T) {
	for _, prefix := range [][]byte{
		{0x80, 0, 0, 0},          // negative
		{0xff, 0xff, 0xff, 0xff}, // -1
		{0, 0, 0, 101},           // over a 100-byte limit
	} {
		f := Framer{MaxBuffer: 100}
		f.Push(prefix)
		if _, _, err := f.Next(); !errors.Is(err, ErrFrameLength) {
			t.Fatalf("prefix % x: %v", prefix, err)
		}
		f.Push([]byte{1, 2, 3})
		if _, _, err := f.Next(); !errors.Is(err, ErrFrameLength) || f.Buffered() != 0 {
			t.Fatalf("prefix % x: a failed framer must stay failed and hold nothing (err %v, %d buffered)", prefix, err, f.Buffered())
		}
	}
	f := Framer{MaxBuffer: 100}
	f.Push([]byte{0, 0, 0, 100})
	if _, ok, err := f.Next(); ok || err != nil {
		t.Fatalf("a 100-byte frame under a 100-byte limit must wait for its body: ok=%v err=%v", ok, err)
	}
	var def Framer
	def.Push([]byte{0, 0x10, 0, 0}) // 0x100000 = DefaultMaxBuffer + 1
	if _, _, err := def.Next(); !errors.Is(err, ErrFrameLength) {
		t.Fatalf("default limit: %v", err)
	}
}

func TestFramerEmptyFrame(t *testing.T) {
	var f Framer
	f.Push([]byte{0, 0, 0, 0, 0, 0})
	fr, ok, err := f.Next()
	if !ok || err != nil || len(fr) != 0 || f.Buffered() != 2 {
		t.Fatalf("empty frame: %v %v %v buffered %d", fr, ok, err, f.Buffered())
	}
}
