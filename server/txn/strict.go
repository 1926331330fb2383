package txn

import (
	"encoding/binary"
	"fmt"

	"github.com/zabsim/zabsim/server/wire"
)

// The helpers below decode the few jute fields whose wire.Decoder readers
// accept more than one encoding of the same value (a bool byte other than 0
// or 1, a string or string vector sent as null). Rejecting those keeps the
// encoding canonical: every accepted txn re-encodes to exactly its input, so
// a corrupted log record cannot masquerade as a different valid one.

// readBool reads a bool that must be encoded as 0 or 1.
func readBool(d *wire.Decoder) bool {
	if rest := d.Rest(); d.Err() == nil && len(rest) > 0 && rest[0] > 1 {
		d.Fail(fmt.Errorf("%w: bool byte %#x at offset %d", ErrMalformed, rest[0], d.Offset()))
		return false
	}
	return d.Bool()
}

// readString reads a string that must not be encoded as null (-1).
func readString(d *wire.Decoder) string {
	if rest := d.Rest(); d.Err() == nil && len(rest) >= 4 && int32(binary.BigEndian.Uint32(rest)) == -1 {
		d.Fail(fmt.Errorf("%w: null string at offset %d", ErrMalformed, d.Offset()))
		return ""
	}
	return d.String()
}

// readStrings reads a (possibly null) vector of non-null strings.
func readStrings(d *wire.Decoder) []string {
	n, isNil := d.VectorLen(4)
	if isNil || d.Err() != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		out = append(out, readString(d))
	}
	return out
}

// minACLBytes is the smallest encoding of one ACL: perms and two lengths.
const minACLBytes = 12

// readACLs reads a (possibly null) vector of ACLs with non-null strings.
func readACLs(d *wire.Decoder) []wire.ACL {
	n, isNil := d.VectorLen(minACLBytes)
	if isNil || d.Err() != nil {
		return nil
	}
	out := make([]wire.ACL, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		out[i].Perms = d.Int32()
		out[i].ID.Scheme = readString(d)
		out[i].ID.ID = readString(d)
	}
	return out
}
