// Package txn holds ZooKeeper's transaction records (org.apache.zookeeper.txn
// in zookeeper.jute of ZooKeeper 3.8) and their jute encoding.
//
// A Txn is one TxnHeader plus the record its header type calls for. Marshal
// and Unmarshal produce and parse the bytes the transaction log stores and
// that Zab proposals carry: the header, then the record, nothing else (no
// checksum and no TxnDigest: framing and CRCs belong to the storage layer).
//
// Record types keep ZooKeeper's field names and order; the Go names drop the
// "Txn" suffix (CreateTxn is Create, ErrorTxn is Error, ...). Which record a
// header type carries is fixed by RecordFor, mirroring SerializeUtils:
//
//	create, create2           → Create
//	createContainer           → CreateContainer
//	createTTL                 → CreateTTL
//	delete, deleteContainer   → Delete
//	setData, reconfig         → SetData
//	check                     → CheckVersion
//	setACL                    → SetACL
//	createSession             → CreateSession
//	closeSession              → CloseSession
//	error                     → Error
//	multi                     → Multi (sub-records of the create/delete/setData/check/error kinds only)
//
// Decoding never panics and never allocates more than its input justifies:
// hostile lengths and counts are errors (see wire.Decoder). Trailing bytes
// after a record are an error too, so a torn or concatenated entry is caught.
//
// txn imports only the standard library and server/wire. It must never import
// server/tree, the simulator, or anything that does I/O.
package txn
