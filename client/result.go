package client

import "github.com/zabsim/zabsim/server/wire"

// Result is the outcome of one operation.
type Result struct {
	Op   wire.OpCode
	Err  wire.Err // ErrOK, a server error, or ErrConnectionLoss/ErrOperationTimeout (indeterminate)
	Zxid int64    // from the ReplyHeader; 0 when no reply arrived
	Xid  int32    // the request's xid; 0 if it was never sent

	Server string // address of the server that answered ("" if none did)

	Path       string     // create*, sync
	Data       []byte     // getData
	Stat       *wire.Stat // create2/container/TTL, exists, getData, setData, getACL, setACL, getChildren2
	ACL        []wire.ACL // getACL
	Children   []string   // getChildren, getChildren2
	Ephemerals []string   // getEphemerals
	Number     int32      // getAllChildrenNumber
	ClientInfo []wire.ClientInfo
	Multi      []MultiResult // multi, multiRead: one per op
}

// Indeterminate reports whether the op may or may not have taken effect: no
// reply arrived before the connection was lost or the op timed out.
func (r Result) Indeterminate() bool {
	return r.Err == wire.ErrConnectionLoss || r.Err == wire.ErrOperationTimeout
}

// MultiResult is the outcome of one op of a multi or multiRead. In a failed
// multi every op has a non-nil error result: ErrOK for ops rolled back before
// the failing one, the failing op's own code, ErrRuntimeInconsistency after.
type MultiResult struct {
	Op       wire.OpCode // the result's type (wire.OpError for an error result)
	Err      wire.Err
	Path     string
	Data     []byte
	Stat     *wire.Stat
	Children []string
}

// fill copies a decoded reply body into r.
func (r *Result) fill(resp wire.Response) {
	switch v := resp.(type) {
	case *wire.CreateResponse:
		r.Path = v.Path
	case *wire.Create2Response:
		r.Path, r.Stat = v.Path, &v.Stat
	case *wire.CreateContainerResponse:
		r.Path, r.Stat = v.Path, &v.Stat
	case *wire.CreateTTLResponse:
		r.Path, r.Stat = v.Path, &v.Stat
	case *wire.ExistsResponse:
		r.Stat = &v.Stat
	case *wire.GetDataResponse:
		r.Data, r.Stat = v.Data, &v.Stat
	case *wire.SetDataResponse:
		r.Stat = &v.Stat
	case *wire.GetACLResponse:
		r.ACL, r.Stat = v.ACL, &v.Stat
	case *wire.SetACLResponse:
		r.Stat = &v.Stat
	default:
		r.fillOther(resp)
	}
}

func (r *Result) fillOther(resp wire.Response) {
	switch v := resp.(type) {
	case *wire.GetChildrenResponse:
		r.Children = v.Children
	case *wire.GetChildren2Response:
		r.Children, r.Stat = v.Children, &v.Stat
	case *wire.GetAllChildrenNumberResponse:
		r.Number = v.TotalNumber
	case *wire.GetEphemeralsResponse:
		r.Ephemerals = v.Ephemerals
	case *wire.SyncResponse:
		r.Path = v.Path
	case *wire.WhoAmIResponse:
		r.ClientInfo = v.ClientInfo
	case *wire.MultiResponse:
		r.fillMulti(v.Results)
	case *wire.MultiReadResponse:
		r.fillMulti(v.Results)
	}
}

// fillMulti converts per-op results; the op's Err is the first failing op's
// code, as ZooKeeper's clients report a failed multi.
func (r *Result) fillMulti(results []wire.Response) {
	r.Multi = make([]MultiResult, len(results))
	for i, res := range results {
		var one Result
		one.fill(res)
		m := MultiResult{Op: res.Op(), Path: one.Path, Data: one.Data, Stat: one.Stat, Children: one.Children}
		if er, ok := res.(*wire.ErrorResponse); ok {
			m.Err = er.Err
		}
		r.Multi[i] = m
	}
	if code, _ := wire.MultiError(results); code != wire.ErrOK && r.Err == wire.ErrOK {
		r.Err = code
	}
}
