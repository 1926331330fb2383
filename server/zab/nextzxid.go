package zab

// NextZxid is the zxid the next Propose will assign. The server's prep
// stage stamps it into the txn header before proposing, as ZooKeeper's
// leader assigns zxids in prep. ok is false unless this peer is an
// established leader.
func (p *Peer) NextZxid() (zxid int64, ok bool) {
	if p.status.Role != RoleLeading || !p.status.Serving || p.ld == nil {
		return 0, false
	}
	return p.ld.nextZxid, true
}
