package wire

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"
)

// PushOwned yields exactly the frames Push does for any chunking, never
// writes into a chunk's array (not even its spare capacity), and adopts a
// chunk without copying when nothing is buffered.
func TestFramerPushOwnedMatchesPush(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bodies := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 40), 1, 8).Draw(t, "bodies")
		var stream []byte
		for _, b := range bodies {
			stream = append(stream, frame(func(e *Encoder) { e.Raw(b) })...)
		}
		var copying, owning Framer
		var want, got [][]byte
		type owned struct{ chunk, orig []byte }
		var chunks []owned
		for rest := stream; len(rest) > 0; {
			n := rapid.IntRange(1, len(rest)).Draw(t, "chunk")
			spare := rapid.IntRange(0, 8).Draw(t, "spare")
			chunk := make([]byte, n, n+spare)
			copy(chunk, rest)
			chunks = append(chunks, owned{chunk: chunk[:n+spare], orig: bytes.Clone(chunk[:n+spare])})
			copying.Push(chunk)
			owning.PushOwned(chunk)
			rest = rest[n:]
			a, err := drain(&copying)
			if err != nil {
				t.Fatal(err)
			}
			b, err := drain(&owning)
			if err != nil {
				t.Fatal(err)
			}
			want, got = append(want, a...), append(got, b...)
		}
		if len(got) != len(want) || owning.Buffered() != 0 {
			t.Fatalf("PushOwned: %d frames (%d bytes left), Push: %d", len(got), owning.Buffered(), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("frame %d: PushOwned % x, Push % x", i, got[i], want[i])
			}
		}
		for i, c := range chunks {
			if !bytes.Equal(c.chunk, c.orig) {
				t.Fatalf("chunk %d was written to: % x, was % x", i, c.chunk, c.orig)
			}
		}
	})
}

func TestFramerPushOwnedAdoptsWholeFrames(t *testing.T) {
	chunk := append(frame(func(e *Encoder) { e.Raw([]byte("ab")) }), frame(func(e *Encoder) { e.Raw([]byte("c")) })...)
	var f Framer
	f.PushOwned(chunk)
	frames, err := drain(&f)
	if err != nil || len(frames) != 2 {
		t.Fatalf("frames %q, err %v", frames, err)
	}
	if &frames[0][0] != &chunk[4] || &frames[1][0] != &chunk[10] {
		t.Fatal("frames are copies, want views of the adopted chunk")
	}
	if cap(frames[0]) != len(frames[0]) {
		t.Fatalf("frame capacity %d exceeds its length %d: appending would clobber the next frame", cap(frames[0]), len(frames[0]))
	}
	f.PushOwned(nil) // an empty chunk is a no-op
	if f.Buffered() != 0 {
		t.Fatalf("buffered %d after an empty push", f.Buffered())
	}
}

// BufferView reads what Buffer reads, as a capacity-capped view of the input.
func TestDecoderBufferView(t *testing.T) {
	e := NewEncoder(nil)
	e.Buffer([]byte("xyz"))
	e.Buffer(nil)
	e.Buffer([]byte{})
	e.Int32(7)
	in := e.Bytes()

	d := NewDecoder(in)
	v := d.BufferView()
	if string(v) != "xyz" || &v[0] != &in[4] || cap(v) != 3 {
		t.Fatalf("view %q (cap %d): want a capped view of the input", v, cap(v))
	}
	if nilv := d.BufferView(); nilv != nil {
		t.Fatalf("length -1 gave %v, want nil", nilv)
	}
	if empty := d.BufferView(); empty == nil || len(empty) != 0 {
		t.Fatalf("length 0 gave %v, want an empty non-nil slice (as Buffer)", empty)
	}
	if d.Int32() != 7 || d.Err() != nil {
		t.Fatalf("decoder out of step: err %v", d.Err())
	}

	short := NewDecoder([]byte{0, 0, 0, 9, 1})
	if v := short.BufferView(); v != nil || short.Err() == nil {
		t.Fatalf("truncated buffer gave %v, err %v", v, short.Err())
	}
	big := NewDecoder([]byte{0x7f, 0, 0, 0})
	big.Max = 16
	if v := big.BufferView(); v != nil || big.Err() == nil {
		t.Fatalf("oversized buffer gave %v, err %v", v, big.Err())
	}
}
