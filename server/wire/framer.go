package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrFrameLength reports a frame length prefix that is negative or larger
// than the Framer's limit; the stream cannot be resynchronised after it.
var ErrFrameLength = errors.New("jute: bad frame length")

// Framer cuts a byte stream, delivered in arbitrary chunks, into frames: a
// 4-byte big-endian length and that many body bytes. The length is checked
// as soon as its 4 bytes arrive, before any buffer for the body is grown.
// After an error the Framer stays failed: the connection must be dropped.
type Framer struct {
	// MaxBuffer bounds a frame body (0 means DefaultMaxBuffer).
	MaxBuffer int

	buf []byte // buffered stream bytes; buf[off:] is not yet framed
	off int
	err error
}

// Push appends a chunk of the stream. The Framer does not retain chunk.
func (f *Framer) Push(chunk []byte) {
	if f.err != nil || len(chunk) == 0 {
		return
	}
	if f.off > 0 && f.off >= len(f.buf)/2 {
		// Compact into fresh storage: frames handed out earlier alias the
		// old array and must stay intact.
		rest := make([]byte, len(f.buf)-f.off, len(f.buf)-f.off+len(chunk))
		copy(rest, f.buf[f.off:])
		f.buf, f.off = rest, 0
	}
	f.buf = append(f.buf, chunk...)
}

// PushOwned is Push for a chunk the caller hands over for good (a process
// owns the bytes a host delivers). When nothing is buffered the Framer
// adopts chunk instead of copying it, so the frames it yields are views of
// chunk; chunk must not be modified afterwards. Its capacity is capped, so
// later pushes never write into the caller's array.
func (f *Framer) PushOwned(chunk []byte) {
	if f.err == nil && len(f.buf) == 0 && len(chunk) > 0 {
		f.buf, f.off = chunk[:len(chunk):len(chunk)], 0
		return
	}
	f.Push(chunk)
}

// Next returns the next complete frame body, ok=false when more bytes are
// needed, or an error for a bad length prefix. A returned frame stays valid
// and unchanged after later calls.
func (f *Framer) Next() (frame []byte, ok bool, err error) {
	if f.err != nil {
		return nil, false, f.err
	}
	avail := len(f.buf) - f.off
	if avail < 4 {
		return nil, false, nil
	}
	n := int64(int32(binary.BigEndian.Uint32(f.buf[f.off:])))
	if n < 0 || n > int64(f.max()) {
		f.err = fmt.Errorf("%w: %d (limit %d)", ErrFrameLength, n, f.max())
		f.buf, f.off = nil, 0
		return nil, false, f.err
	}
	if int64(avail) < 4+n {
		return nil, false, nil
	}
	start, end := f.off+4, f.off+4+int(n)
	frame = f.buf[start:end:end]
	f.off = end
	if f.off == len(f.buf) {
		f.buf, f.off = nil, 0
	}
	return frame, true, nil
}

// Buffered returns how many stream bytes are held but not yet framed.
func (f *Framer) Buffered() int { return len(f.buf) - f.off }

// Err returns the error that stopped the Framer, or nil.
func (f *Framer) Err() error { return f.err }

func (f *Framer) max() int {
	if f.MaxBuffer > 0 {
		return f.MaxBuffer
	}
	return DefaultMaxBuffer
}
