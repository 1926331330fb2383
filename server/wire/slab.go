package wire

// Slab hands out small byte buffers cut from shared blocks, to save an
// allocation per message where buffers are never reused. Each buffer is an
// empty, disjoint region whose capacity is capped at what was asked for, so
// an append by whoever ends up holding it reallocates instead of spilling
// into a neighbour. The caller fills a buffer once and never writes to it
// again; a receiver may then keep it as long as it likes (a block stays
// alive while any of its buffers does). The zero Slab is ready to use.
type Slab struct {
	// Block is the size of a shared block (default 4096); a request larger
	// than Max (default Block/8) gets an allocation of its own.
	Block, Max int
	free       []byte // the unused tail of the current block
}

// Buf returns an empty buffer with capacity n.
func (s *Slab) Buf(n int) []byte {
	block, most := s.Block, s.Max
	if block <= 0 {
		block = 4096
	}
	if most <= 0 {
		most = block / 8
	}
	if n > most {
		return make([]byte, 0, n)
	}
	if len(s.free) < n {
		s.free = make([]byte, block)
	}
	b := s.free[:0:n]
	s.free = s.free[n:]
	return b
}
