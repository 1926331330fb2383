package tree

import "fmt"

// OwnerKind interprets a node's ephemeralOwner field the way ZooKeeper's
// EphemeralType does with extended types (TTL nodes) enabled.
type OwnerKind int

// Owner kinds.
const (
	OwnerNone      OwnerKind = iota // persistent node (owner 0)
	OwnerSession                    // ephemeral node: owner is the session id
	OwnerContainer                  // container node (owner 0x8000000000000000)
	OwnerTTL                        // TTL node: 0xff, two zero bytes, 40-bit TTL in ms
	OwnerInvalid                    // extended marker with an unknown feature
)

func (k OwnerKind) String() string {
	switch k {
	case OwnerNone:
		return "persistent"
	case OwnerSession:
		return "ephemeral"
	case OwnerContainer:
		return "container"
	case OwnerTTL:
		return "ttl"
	}
	return "invalid"
}

// ContainerOwner is the ephemeralOwner of every container node
// (EphemeralType.CONTAINER_EPHEMERAL_OWNER = Long.MIN_VALUE).
const ContainerOwner int64 = -1 << 63

const (
	extendedMask     = int64(-1) << 56     // 0xff00000000000000
	reservedBitsMask = int64(0xffff) << 40 // 0x00ffff0000000000: extended feature id
	ttlValueMask     = ^(extendedMask | reservedBitsMask)
	featureTTL       = 0 // the extended feature id of TTL nodes
)

// MaxTTLMS is the largest TTL a TTL node can carry: 40 bits of milliseconds,
// about 34 years.
const MaxTTLMS = ttlValueMask

// KindOf classifies an ephemeralOwner value.
func KindOf(owner int64) OwnerKind {
	if owner&extendedMask == extendedMask {
		if (owner&reservedBitsMask)>>40 != featureTTL {
			return OwnerInvalid
		}
		return OwnerTTL
	}
	switch owner {
	case 0:
		return OwnerNone
	case ContainerOwner:
		return OwnerContainer
	}
	return OwnerSession
}

// TTLOwner encodes a TTL (milliseconds) as an ephemeralOwner, failing as
// EphemeralType.TTL.toEphemeralOwner does for a TTL outside (0, MaxTTLMS].
func TTLOwner(ttlMS int64) (int64, error) {
	if ttlMS <= 0 || ttlMS > MaxTTLMS {
		return 0, fmt.Errorf("ttl must be positive and cannot be larger than %d ms, got %d", MaxTTLMS, ttlMS)
	}
	return extendedMask | ttlMS, nil
}

// TTLOf returns the TTL in milliseconds of a TTL owner (0 for other kinds).
func TTLOf(owner int64) int64 {
	if KindOf(owner) != OwnerTTL {
		return 0
	}
	return owner & ttlValueMask
}

// clientOwner is the ephemeralOwner a client sees in a Stat: containers and
// TTL nodes show 0 (DataNode.getClientEphemeralOwner).
func clientOwner(owner int64) int64 {
	if KindOf(owner) != OwnerSession {
		return 0
	}
	return owner
}
