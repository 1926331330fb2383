// Package wire is zabsim's ZooKeeper 3.8 client-protocol codec: jute
// primitives (Encoder, Decoder), the shared vocabulary (OpCode, Err, Stat,
// ACL, event types, perms, create flags), one record type per request and
// response of every client opcode, the connect handshake, multi framing, and
// a stream Framer that cuts a byte stream into length-prefixed frames.
//
// Both sides use it: a server decodes requests (DecodeConnectRequest,
// DecodeRequest) and encodes replies (EncodeConnectResponse, EncodeReply); a
// client encodes requests (EncodeConnectRequest, EncodeRequest) and decodes
// replies (DecodeConnectResponse, DecodeReply). Every decoder is total: bad,
// truncated or oversized input yields an error, never a panic, and never an
// allocation larger than the input justifies.
//
// The same frames travel over simulated and real connections, so the codec
// is deterministic and pure. wire imports only the standard library; it must
// never import proc, sim, live, client or any other server package.
package wire
