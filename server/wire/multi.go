package wire

import (
	"errors"
	"fmt"
)

// ErrBadMulti reports a multi or multiRead body with an op that may not
// appear in it (ZooKeeper refuses to mix reads and writes in one multi).
var ErrBadMulti = errors.New("jute: invalid op in multi")

// MultiHeader precedes every op and result of a multi; {-1, true, -1} ends
// the sequence.
type MultiHeader struct {
	Type OpCode
	Done bool
	Err  Err
}

func (h *MultiHeader) Encode(e *Encoder) {
	e.Int32(int32(h.Type))
	e.Bool(h.Done)
	e.Int32(int32(h.Err))
}

func (h *MultiHeader) Decode(d *Decoder) {
	h.Type = OpCode(d.Int32())
	h.Done = d.Bool()
	h.Err = Err(d.Int32())
}

// multiEnd is the header that closes a multi request or response.
var multiEnd = MultiHeader{Type: OpError, Done: true, Err: ErrSystemError}

// multiHeaderSize is the encoded size of a MultiHeader.
const multiHeaderSize = 4 + 1 + 4

// MultiRequest is multi (op 14): writes (create*, delete, setData, check)
// applied atomically.
type MultiRequest struct{ Ops []Request }

func (*MultiRequest) Op() OpCode          { return OpMulti }
func (r *MultiRequest) Encode(e *Encoder) { encodeMultiOps(e, r.Ops) }
func (r *MultiRequest) Decode(d *Decoder) { r.Ops = decodeMultiOps(d, isMultiWriteOp) }

// MultiReadRequest is multiRead (op 22): getData and getChildren reads
// answered from one consistent view.
type MultiReadRequest struct{ Ops []Request }

func (*MultiReadRequest) Op() OpCode          { return OpMultiRead }
func (r *MultiReadRequest) Encode(e *Encoder) { encodeMultiOps(e, r.Ops) }
func (r *MultiReadRequest) Decode(d *Decoder) { r.Ops = decodeMultiOps(d, isMultiReadOp) }

func isMultiWriteOp(op OpCode) bool {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete, OpSetData, OpCheck:
		return true
	}
	return false
}

func isMultiReadOp(op OpCode) bool { return op == OpGetData || op == OpGetChildren }

// encodeMultiOps writes each op behind a {type, false, -1} header, as the
// Java client and go-zookeeper do.
func encodeMultiOps(e *Encoder, ops []Request) {
	for _, op := range ops {
		h := MultiHeader{Type: op.Op(), Done: false, Err: ErrSystemError}
		h.Encode(e)
		op.Encode(e)
	}
	multiEnd.Encode(e)
}

func decodeMultiOps(d *Decoder, allowed func(OpCode) bool) []Request {
	var ops []Request
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			break
		}
		if !allowed(h.Type) {
			d.Fail(fmt.Errorf("%w: %v at offset %d", ErrBadMulti, h.Type, d.Offset()-multiHeaderSize))
			break
		}
		op := newRequest(h.Type)
		op.Decode(d)
		ops = append(ops, op)
	}
	return ops
}

// MultiResponse answers multi. Each result is the op's own response
// (CreateResponse, Create2Response..., SetDataResponse, EmptyResponse for
// delete and check) or, in a failed multi, an ErrorResponse for every op.
type MultiResponse struct{ Results []Response }

func (*MultiResponse) Op() OpCode          { return OpMulti }
func (r *MultiResponse) Encode(e *Encoder) { encodeMultiResults(e, r.Results) }
func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = decodeMultiResults(d, isMultiWriteOp)
}

// MultiReadResponse answers multiRead: GetDataResponse, GetChildrenResponse
// or ErrorResponse per op.
type MultiReadResponse struct{ Results []Response }

func (*MultiReadResponse) Op() OpCode          { return OpMultiRead }
func (r *MultiReadResponse) Encode(e *Encoder) { encodeMultiResults(e, r.Results) }
func (r *MultiReadResponse) Decode(d *Decoder) {
	r.Results = decodeMultiResults(d, isMultiReadOp)
}

// encodeMultiResults writes each result behind a {type, false, err} header;
// err is the code of an ErrorResponse and 0 otherwise (MultiResponse.java).
func encodeMultiResults(e *Encoder, results []Response) {
	for _, res := range results {
		h := MultiHeader{Type: res.Op(), Done: false, Err: ErrOK}
		if er, ok := res.(*ErrorResponse); ok {
			h.Err = er.Err
		}
		h.Encode(e)
		res.Encode(e)
	}
	multiEnd.Encode(e)
}

func decodeMultiResults(d *Decoder, allowed func(OpCode) bool) []Response {
	var results []Response
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			break
		}
		if h.Type != OpError && !allowed(h.Type) {
			d.Fail(fmt.Errorf("%w: result %v at offset %d", ErrBadMulti, h.Type, d.Offset()-multiHeaderSize))
			break
		}
		res := newResponse(h.Type)
		res.Decode(d)
		results = append(results, res)
	}
	return results
}

// FailedMultiResults builds the results of a multi of n ops whose op at
// index failed with code, as ZooKeeper 3.8 reports it: every result is an
// ErrorResponse; ops before the failing one carry ErrOK (rolled back), the
// failing one its code, the ones after it ErrRuntimeInconsistency.
func FailedMultiResults(n, failed int, code Err) []Response {
	out := make([]Response, n)
	for i := range out {
		switch {
		case i < failed:
			out[i] = &ErrorResponse{Err: ErrOK}
		case i == failed:
			out[i] = &ErrorResponse{Err: code}
		default:
			out[i] = &ErrorResponse{Err: ErrRuntimeInconsistency}
		}
	}
	return out
}

// MultiError returns the first non-OK error in a multi's results and its
// index, or (ErrOK, -1) when every op succeeded. A rolled-back op carries
// ErrOK inside an ErrorResponse, so it is not the cause.
func MultiError(results []Response) (Err, int) {
	for i, res := range results {
		if er, ok := res.(*ErrorResponse); ok && er.Err != ErrOK {
			return er.Err, i
		}
	}
	return ErrOK, -1
}

func (*MultiRequest) isRequest()       {}
func (*MultiReadRequest) isRequest()   {}
func (*MultiResponse) isResponse()     {}
func (*MultiReadResponse) isResponse() {}
