package workloads

import (
	"github.com/zabsim/zabsim/client"
	"github.com/zabsim/zabsim/history"
	"github.com/zabsim/zabsim/server/wire"
)

// WriteOutcome classifies a state-changing request. Only errors the server
// returns after deciding not to apply the request are fail; everything else
// that is not ok — connection loss, timeouts, SESSIONEXPIRED and
// SESSIONMOVED (the request may have been in flight when the session ended
// or moved) and any error we do not know to be definite — is info, because
// calling an applied write "fail" would make checkers unsound.
func WriteOutcome(r client.Result) history.Type {
	switch {
	case r.Err == wire.ErrOK:
		return history.OK
	case NotApplied(r.Err):
		return history.Fail
	default:
		return history.Info
	}
}

// NotApplied reports errors that certainly mean "not applied": the request
// was rejected by the server's checks (or, for a multi, the first failing
// op's code, which rolls the whole multi back).
func NotApplied(e wire.Err) bool {
	switch e {
	case wire.ErrBadVersion, wire.ErrNoNode, wire.ErrNodeExists, wire.ErrNotEmpty,
		wire.ErrNoChildrenForEphemerals, wire.ErrBadArguments, wire.ErrNoAuth, wire.ErrInvalidACL:
		return true
	}
	return false
}

// ReadOutcome classifies a read: a read changes nothing, so any error the
// client is sure of is fail; only a missing reply is info.
func ReadOutcome(r client.Result) history.Type {
	switch {
	case r.Err == wire.ErrOK:
		return history.OK
	case r.Indeterminate():
		return history.Info
	default:
		return history.Fail
	}
}
