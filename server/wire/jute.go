package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// DefaultMaxBuffer is ZooKeeper's default jute.maxbuffer (0xfffff bytes): the
// largest packet body and the largest single buffer a peer may send.
const DefaultMaxBuffer = 0xfffff

// ErrShort reports a body that ended before a field did.
var ErrShort = errors.New("jute: truncated record")

// ErrTooLarge reports a length field beyond the allowed maximum.
var ErrTooLarge = errors.New("jute: length exceeds limit")

// Encoder appends jute-encoded fields to a byte slice. It never fails.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns the encoded bytes.
func (e *Encoder) Bytes() []byte { return e.buf }

// Len returns the number of encoded bytes.
func (e *Encoder) Len() int { return len(e.buf) }

// Reset empties the encoder, keeping its storage.
func (e *Encoder) Reset() { e.buf = e.buf[:0] }

// Int32 appends a big-endian int32.
func (e *Encoder) Int32(v int32) { e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(v)) }

// Int64 appends a big-endian int64.
func (e *Encoder) Int64(v int64) { e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v)) }

// Bool appends one byte, 1 for true.
func (e *Encoder) Bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

// Buffer appends an int32 length and the bytes; nil encodes as length -1.
func (e *Encoder) Buffer(b []byte) {
	if b == nil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(len(b)))
	e.buf = append(e.buf, b...)
}

// String appends an int32 length and the UTF-8 bytes.
func (e *Encoder) String(s string) {
	e.Int32(int32(len(s)))
	e.buf = append(e.buf, s...)
}

// VectorLen appends a vector's element count; a nil vector is -1.
func (e *Encoder) VectorLen(n int, isNil bool) {
	if isNil {
		e.Int32(-1)
		return
	}
	e.Int32(int32(n))
}

// Strings appends a vector of strings.
func (e *Encoder) Strings(ss []string) {
	e.VectorLen(len(ss), ss == nil)
	for _, s := range ss {
		e.String(s)
	}
}

// Raw appends bytes without a length prefix.
func (e *Encoder) Raw(b []byte) { e.buf = append(e.buf, b...) }

// Decoder reads jute fields from a byte slice. Errors are sticky: after the
// first error every read returns a zero value and Err reports the error, so a
// record decoder can read all fields and check Err once. A Decoder never
// allocates more than the bytes it was given can justify.
type Decoder struct {
	b   []byte
	off int
	err error
	// need is the size of the read that failed when err is
	// errShortPending: Err builds that error's message on demand.
	need int
	// Max bounds any single buffer or string length (0 means DefaultMaxBuffer).
	Max int
	// Intern, if set, is asked for every string String decodes; a string
	// it has is returned instead of a new copy of the bytes.
	Intern Interner
	// Views makes Buffer return views of the input, as BufferView does,
	// instead of copies. Set it only when the input is never modified
	// while what is decoded from it is in use.
	Views bool
	// NegativeCountsEmpty makes VectorLen read a count below -1 as an empty
	// vector, as Java jute's BinaryInputArchive does (it reads elements
	// while its index is below the count), instead of failing.
	NegativeCountsEmpty bool
}

// Interner supplies existing strings for decoded bytes, so that decoding a
// string a program already holds (a znode path a server knows) costs no
// allocation. Intern returns a string equal to string(b), or false; it must
// not keep b.
type Interner interface {
	Intern(b []byte) (string, bool)
}

// NewDecoder returns a decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err returns the first error met, or nil.
func (d *Decoder) Err() error {
	if d.err == errShortPending {
		return d.shortErr()
	}
	return d.err
}

// shortErr builds the error errShortPending stands for. The offset and the
// bytes left are as they were at the failure: no read moves the decoder
// after an error.
func (d *Decoder) shortErr() error {
	return fmt.Errorf("%w at offset %d (need %d bytes, have %d)", ErrShort, d.off, d.need, d.Remaining())
}

// errShortPending stands in d.err for a truncation error whose message Err
// builds when asked: recording it needs no call, which keeps Int32 and
// Int64 small enough to inline.
var errShortPending = errors.New("jute: truncated record")

// Offset returns how many bytes have been consumed.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns how many bytes are left.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Rest returns the unread bytes without consuming them.
func (d *Decoder) Rest() []byte { return d.b[d.off:] }

// Fail records err (if no error was recorded yet).
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Reset makes d read b from its start and clears its error; Max, Intern
// and Views are kept.
// It lets a caller keep a Decoder value (on its stack, or one reused for
// many frames) instead of allocating one with NewDecoder. Nothing a Decoder
// returns aliases the Decoder itself, so a Reset never changes values
// decoded earlier.
func (d *Decoder) Reset(b []byte) { d.b, d.off, d.err = b, 0, nil }

func (d *Decoder) take(n int) []byte {
	// The error is built out of line; the unsigned compare rejects a
	// negative n too.
	off := d.off
	if d.err != nil || uint(len(d.b)-off) < uint(n) {
		return d.short(n)
	}
	d.off = off + n
	return d.b[off : off+n]
}

// short records a truncation error for a read of n bytes (unless an error
// is already recorded) and returns nil.
func (d *Decoder) short(n int) []byte {
	if d.err == nil {
		d.err = fmt.Errorf("%w at offset %d (need %d bytes, have %d)", ErrShort, d.off, n, d.Remaining())
	}
	return nil
}

// Int32 reads a big-endian int32.
func (d *Decoder) Int32() int32 {
	// Written out without calls so that it inlines: jute is mostly int32s.
	off := d.off
	if d.err == nil && len(d.b)-off >= 4 {
		d.off = off + 4
		return int32(binary.BigEndian.Uint32(d.b[off:]))
	}
	if d.err == nil {
		d.err, d.need = errShortPending, 4
	}
	return 0
}

// Int64 reads a big-endian int64.
func (d *Decoder) Int64() int64 {
	off := d.off
	if d.err == nil && len(d.b)-off >= 8 {
		d.off = off + 8
		return int64(binary.BigEndian.Uint64(d.b[off:]))
	}
	if d.err == nil {
		d.err, d.need = errShortPending, 8
	}
	return 0
}

// Bool reads one byte; any non-zero value is true.
func (d *Decoder) Bool() bool {
	p := d.take(1)
	if p == nil {
		return false
	}
	return p[0] != 0
}

func (d *Decoder) max() int {
	if d.Max > 0 {
		return d.Max
	}
	return DefaultMaxBuffer
}

// length reads an int32 length; -1 yields (0, true) for null.
func (d *Decoder) length() (n int, isNil bool) {
	v := d.Int32()
	if d.err != nil {
		return 0, false
	}
	if v == -1 {
		return 0, true
	}
	if v < -1 {
		d.err = fmt.Errorf("jute: negative length %d at offset %d", v, d.off-4)
		return 0, false
	}
	if int(v) > d.max() {
		d.err = fmt.Errorf("%w: %d > %d at offset %d", ErrTooLarge, v, d.max(), d.off-4)
		return 0, false
	}
	return int(v), false
}

// Buffer reads a length-prefixed buffer; length -1 yields nil. The result is
// a copy, safe to retain (unless d.Views is set: see there).
func (d *Decoder) Buffer() []byte {
	n, isNil := d.length()
	if isNil || d.err != nil {
		return nil
	}
	p := d.take(n)
	if p == nil {
		return nil
	}
	if d.Views {
		return p[:n:n]
	}
	out := make([]byte, n)
	copy(out, p)
	return out
}

// BufferView reads a length-prefixed buffer like Buffer, but returns a view
// of the decoder's input instead of a copy; its capacity is capped at its
// length, so appending to it copies. Use it only when the input is never
// modified afterwards (a frame cut from a stream is not).
func (d *Decoder) BufferView() []byte {
	n, isNil := d.length()
	if isNil || d.err != nil {
		return nil
	}
	p := d.take(n)
	if p == nil {
		return nil
	}
	return p[:n:n]
}

// String reads a length-prefixed string; length -1 yields "".
func (d *Decoder) String() string {
	n, isNil := d.length()
	if isNil || d.err != nil {
		return ""
	}
	p := d.take(n)
	if p == nil {
		return ""
	}
	if d.Intern != nil {
		if s, ok := d.Intern.Intern(p); ok {
			return s
		}
	}
	return string(p)
}

// VectorLen reads a vector count, -1 meaning null (isNil); another
// negative count is an error, or an empty vector with NegativeCountsEmpty.
// minElem is the
// smallest encoding of one element; a count the remaining bytes cannot hold
// is an error, so a hostile count never causes a large allocation.
func (d *Decoder) VectorLen(minElem int) (n int, isNil bool) {
	v := d.Int32()
	if d.err != nil {
		return 0, false
	}
	if v == -1 {
		return 0, true
	}
	if v < -1 {
		if d.NegativeCountsEmpty {
			return 0, false
		}
		d.err = fmt.Errorf("jute: negative vector length %d at offset %d", v, d.off-4)
		return 0, false
	}
	if minElem < 1 {
		minElem = 1
	}
	if int64(v)*int64(minElem) > int64(d.Remaining()) {
		d.err = fmt.Errorf("%w: vector of %d elements cannot fit in %d bytes at offset %d", ErrShort, v, d.Remaining(), d.off-4)
		return 0, false
	}
	return int(v), false
}

// Strings reads a vector of strings.
func (d *Decoder) Strings() []string {
	n, isNil := d.VectorLen(4)
	if isNil || d.err != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.String())
	}
	return out
}
