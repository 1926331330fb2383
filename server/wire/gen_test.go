package wire

import (
	"pgregory.net/rapid"
)

// Generators for every record, shared by the round-trip properties.

func makeReq[V any, P interface {
	*V
	Request
}]() *rapid.Generator[Request] {
	return rapid.Map(rapid.Make[V](), func(v V) Request { return P(&v) })
}

func makeResp[V any, P interface {
	*V
	Response
}]() *rapid.Generator[Response] {
	return rapid.Map(rapid.Make[V](), func(v V) Response { return P(&v) })
}

// multiWriteOpGen draws one op that may appear in a multi.
var multiWriteOpGen = rapid.OneOf(
	makeReq[CreateRequest](), makeReq[Create2Request](), makeReq[CreateContainerRequest](),
	makeReq[CreateTTLRequest](), makeReq[DeleteRequest](), makeReq[SetDataRequest](),
	makeReq[CheckVersionRequest](),
)

var multiReadOpGen = rapid.OneOf(makeReq[GetDataRequest](), makeReq[GetChildrenRequest]())

// opsOrNil keeps an empty op list nil: the wire cannot tell the two apart.
func opsOrNil[E any](s []E) []E {
	if len(s) == 0 {
		return nil
	}
	return s
}

var multiRequestGen = rapid.Custom(func(t *rapid.T) Request {
	return &MultiRequest{Ops: opsOrNil(rapid.SliceOfN(multiWriteOpGen, 0, 5).Draw(t, "ops"))}
})

var multiReadRequestGen = rapid.Custom(func(t *rapid.T) Request {
	return &MultiReadRequest{Ops: opsOrNil(rapid.SliceOfN(multiReadOpGen, 0, 5).Draw(t, "ops"))}
})

// requestGen draws any request a client may send.
var requestGen = rapid.OneOf(
	multiWriteOpGen, multiReadOpGen, multiRequestGen, multiReadRequestGen,
	makeReq[ExistsRequest](), makeReq[GetACLRequest](), makeReq[SetACLRequest](),
	makeReq[GetChildren2Request](), makeReq[GetAllChildrenNumberRequest](),
	makeReq[GetEphemeralsRequest](), makeReq[SyncRequest](), makeReq[PingRequest](),
	makeReq[CloseSessionRequest](), makeReq[WhoAmIRequest](), makeReq[AuthRequest](), makeReq[SASLRequest](),
	makeReq[SetWatchesRequest](), makeReq[SetWatches2Request](), makeReq[AddWatchRequest](),
	makeReq[RemoveWatchesRequest](), makeReq[CheckWatchesRequest](),
)

func emptyResp(op OpCode) *rapid.Generator[Response] {
	return rapid.Just[Response](&EmptyResponse{Type: op})
}

var multiWriteResultGen = rapid.OneOf(
	makeResp[CreateResponse](), makeResp[Create2Response](), makeResp[CreateContainerResponse](),
	makeResp[CreateTTLResponse](), makeResp[SetDataResponse](), makeResp[ErrorResponse](),
	emptyResp(OpDelete), emptyResp(OpCheck),
)

var multiReadResultGen = rapid.OneOf(
	makeResp[GetDataResponse](), makeResp[GetChildrenResponse](), makeResp[ErrorResponse](),
)

// responseGen draws any reply body paired with the op it answers.
var responseGen = rapid.OneOf(
	multiWriteResultGen, multiReadResultGen,
	makeResp[ExistsResponse](), makeResp[GetACLResponse](), makeResp[SetACLResponse](),
	makeResp[GetChildren2Response](), makeResp[GetAllChildrenNumberResponse](),
	makeResp[GetEphemeralsResponse](), makeResp[SyncResponse](), makeResp[WhoAmIResponse](), makeResp[SASLResponse](),
	rapid.Custom(func(t *rapid.T) Response {
		return &MultiResponse{Results: opsOrNil(rapid.SliceOfN(multiWriteResultGen, 0, 5).Draw(t, "results"))}
	}),
	rapid.Custom(func(t *rapid.T) Response {
		return &MultiReadResponse{Results: opsOrNil(rapid.SliceOfN(multiReadResultGen, 0, 5).Draw(t, "results"))}
	}),
	emptyResp(OpSetWatches), emptyResp(OpSetWatches2),
	emptyResp(OpRemoveWatches), emptyResp(OpCheckWatches), emptyResp(OpAuth),
	emptyResp(OpCloseSession),
)

var connectRequestGen = rapid.Custom(func(t *rapid.T) ConnectRequest {
	r := rapid.Make[ConnectRequest]().Draw(t, "req")
	if !r.HasReadOnly {
		r.ReadOnly = false // not on the wire, so it cannot survive a round trip
	}
	return r
})

var connectResponseGen = rapid.Custom(func(t *rapid.T) ConnectResponse {
	r := rapid.Make[ConnectResponse]().Draw(t, "resp")
	if !r.HasReadOnly {
		r.ReadOnly = false
	}
	return r
})
