package tree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/zabsim/zabsim/server/wire"
)

// ErrCorruptSnapshot reports snapshot bytes Deserialize cannot accept.
var ErrCorruptSnapshot = errors.New("tree: corrupt snapshot")

// Snapshot layout (jute primitives, big-endian):
//
//	magic    int32 = snapshotMagic ("ZBTR")
//	version  int32 = snapshotVersion
//	lastZxid int64
//	sessions vector<{id int64, timeoutMS int32}>, ids strictly ascending
//	nodes    vector<{path ustring, data buffer, acl vector<ACL>, stat}>,
//	         paths strictly ascending (so every parent precedes its children),
//	         stat = StatPersisted {czxid, mzxid, ctime, mtime, version,
//	         cversion, aversion, ephemeralOwner, pzxid}
//	digest   int64 = Digest() of the tree, checked on load
//	checksum int64 = FNV-1a 64 of every byte before it
//
// The checksum catches any single corrupted byte (also in fields the tree
// digest does not cover, like session timeouts); the digest checks that the
// rebuilt tree is the one that was saved.
// Ephemeral, container and TTL indexes are rebuilt from ephemeralOwner, as
// DataTree.deserialize does. Watches are connection state and are not saved.
const (
	snapshotMagic   int32 = 0x5a425452
	snapshotVersion int32 = 1
	persistedSize         = 6*8 + 3*4
	minNodeBytes          = 4 + 4 + 4 + persistedSize // empty path, null data, null ACL
	minSessionBytes       = 8 + 4
)

func checksum(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

func encodePersisted(e *wire.Encoder, s *Persisted) {
	e.Int64(s.Czxid)
	e.Int64(s.Mzxid)
	e.Int64(s.Ctime)
	e.Int64(s.Mtime)
	e.Int32(s.Version)
	e.Int32(s.Cversion)
	e.Int32(s.Aversion)
	e.Int64(s.EphemeralOwner)
	e.Int64(s.Pzxid)
}

func decodePersisted(d *wire.Decoder, s *Persisted) {
	s.Czxid = d.Int64()
	s.Mzxid = d.Int64()
	s.Ctime = d.Int64()
	s.Mtime = d.Int64()
	s.Version = d.Int32()
	s.Cversion = d.Int32()
	s.Aversion = d.Int32()
	s.EphemeralOwner = d.Int64()
	s.Pzxid = d.Int64()
}

// Serialize returns a snapshot of the tree plus the given session timeouts
// (session id → timeout in milliseconds, as FileSnap stores them). The bytes
// depend only on the tree state and the map's contents, never on map
// iteration or insertion order.
func (t *Tree) Serialize(sessionTimeoutsMS map[int64]int32) []byte {
	e := wire.NewEncoder(nil)
	e.Int32(snapshotMagic)
	e.Int32(snapshotVersion)
	e.Int64(t.lastZxid)
	ids := sortedKeys(sessionTimeoutsMS)
	e.VectorLen(len(ids), false)
	for _, id := range ids {
		e.Int64(id)
		e.Int32(sessionTimeoutsMS[id])
	}
	paths := sortedKeys(t.nodes)
	e.VectorLen(len(paths), false)
	for _, p := range paths {
		n := t.nodes[p]
		e.String(p)
		e.Buffer(n.data)
		wire.EncodeACLs(e, n.acl)
		encodePersisted(e, &n.stat)
	}
	e.Int64(int64(t.digest))
	e.Int64(int64(checksum(e.Bytes())))
	return e.Bytes()
}

// SerializeFuzzy returns the snapshot a fuzzy ZooKeeper snapshot would be:
// labelled asOf (the last zxid applied when it started), holding every node
// as of now, but with each parent in staleCreates serialized before the
// children created since asOf, so its cversion is short by that many
// creates. Replaying the log after asOf re-applies those creates over nodes
// already present. Only the zk-1046 bug switch uses it; parents missing
// from the tree are skipped.
func (t *Tree) SerializeFuzzy(sessionTimeoutsMS map[int64]int32, asOf int64, staleCreates map[string]int32) ([]byte, error) {
	c, _, err := Deserialize(t.Serialize(sessionTimeoutsMS))
	if err != nil {
		return nil, err
	}
	for _, p := range sortedKeys(staleCreates) {
		if n, ok := c.nodes[p]; ok {
			c.change(p, n, func() { n.stat.Cversion -= staleCreates[p] })
		}
	}
	c.lastZxid = asOf
	return c.Serialize(sessionTimeoutsMS), nil
}

// Deserialize rebuilds a tree and the session timeouts from Serialize's
// output. Truncated, oversized, reordered or inconsistent input (a node
// before its parent, an invalid path or owner, a digest mismatch, trailing
// bytes) is an error wrapping ErrCorruptSnapshot; it never panics.
func Deserialize(b []byte) (*Tree, map[int64]int32, error) {
	if len(b) < 8 {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrCorruptSnapshot, len(b))
	}
	body, sum := b[:len(b)-8], binary.BigEndian.Uint64(b[len(b)-8:])
	if got := checksum(body); got != sum {
		return nil, nil, fmt.Errorf("%w: checksum %#x, bytes hash to %#x", ErrCorruptSnapshot, sum, got)
	}
	d := wire.NewDecoder(body)
	if magic, version := d.Int32(), d.Int32(); d.Err() == nil && (magic != snapshotMagic || version != snapshotVersion) {
		return nil, nil, fmt.Errorf("%w: magic %#x version %d", ErrCorruptSnapshot, magic, version)
	}
	t := empty()
	t.lastZxid = d.Int64()
	sessions, err := decodeSessions(d)
	if err != nil {
		return nil, nil, err
	}
	if err := t.decodeNodes(d); err != nil {
		return nil, nil, err
	}
	digest := uint64(d.Int64())
	if err := d.Err(); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCorruptSnapshot, err)
	}
	if d.Remaining() != 0 {
		return nil, nil, fmt.Errorf("%w: %d trailing bytes", ErrCorruptSnapshot, d.Remaining())
	}
	if digest != t.digest {
		return nil, nil, fmt.Errorf("%w: digest %#x, contents hash to %#x", ErrCorruptSnapshot, digest, t.digest)
	}
	return t, sessions, nil
}

func decodeSessions(d *wire.Decoder) (map[int64]int32, error) {
	n, _ := d.VectorLen(minSessionBytes)
	sessions := make(map[int64]int32, n)
	prev := int64(0)
	for i := 0; i < n && d.Err() == nil; i++ {
		id, timeoutMS := d.Int64(), d.Int32()
		if i > 0 && id <= prev {
			return nil, fmt.Errorf("%w: session %#x out of order", ErrCorruptSnapshot, id)
		}
		sessions[id], prev = timeoutMS, id
	}
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("%w: sessions: %w", ErrCorruptSnapshot, err)
	}
	return sessions, nil
}

func (t *Tree) decodeNodes(d *wire.Decoder) error {
	count, _ := d.VectorLen(minNodeBytes)
	prev := ""
	for i := 0; i < count && d.Err() == nil; i++ {
		path := d.String()
		n := &node{data: d.Buffer(), acl: wire.DecodeACLs(d)}
		decodePersisted(d, &n.stat)
		if d.Err() != nil {
			break
		}
		if err := t.checkNode(i, path, prev, n); err != nil {
			return err
		}
		t.insert(path, n)
		prev = path
	}
	if err := d.Err(); err != nil {
		return fmt.Errorf("%w: nodes: %w", ErrCorruptSnapshot, err)
	}
	if _, ok := t.nodes["/"]; !ok {
		return fmt.Errorf("%w: no root node", ErrCorruptSnapshot)
	}
	return nil
}

// checkNode validates the i-th node read before it is inserted.
func (t *Tree) checkNode(i int, path, prev string, n *node) error {
	switch {
	case i == 0 && path != "/":
		return fmt.Errorf("%w: first node is %q, not the root", ErrCorruptSnapshot, path)
	case i > 0 && path <= prev:
		return fmt.Errorf("%w: node %q out of order after %q", ErrCorruptSnapshot, path, prev)
	case ValidatePath(path) != nil:
		return fmt.Errorf("%w: %w", ErrCorruptSnapshot, ValidatePath(path))
	case KindOf(n.stat.EphemeralOwner) == OwnerInvalid:
		return fmt.Errorf("%w: node %q has invalid ephemeral owner %#x", ErrCorruptSnapshot, path, n.stat.EphemeralOwner)
	}
	if i > 0 {
		if _, ok := t.nodes[ParentPath(path)]; !ok {
			return fmt.Errorf("%w: node %q has no parent", ErrCorruptSnapshot, path)
		}
	}
	return nil
}
