// Package storage is a server's durable state on a proc.Disk: the
// transaction log, snapshots, the Zab epoch files, and recovery after a crash.
//
// It is independent of the transaction format: a log record is (zxid,
// payload) and a snapshot is (zxid, opaque payload). The layout follows
// ZooKeeper's FileTxnLog / FileSnap / QuorumPeer so that the crash behaviour
// worth testing is ZooKeeper's:
//
//   - log.<zxid hex>: header {magic "ZKLG", version 2, dbid 0}, then records
//     {checksum int64, length int32, body, 'B'} with body = zxid int64 +
//     payload. The checksum is Adler32 over the body, as ZooKeeper's
//     FileTxnLog computes it over the serialized txn (whose header carries
//     the zxid): it keeps the framing byte-compatible with ZooKeeper, and
//     Adler32 detects every single-byte change, which is what torn writes and
//     the simulator's bit flips produce. (CRC32C would be stronger against
//     multi-byte damage in short records; compatibility won.)
//   - snapshot.<zxid hex>: header {magic "ZKSN", version 2, dbid 0}, zxid,
//     payload length, payload, Adler32 over all preceding bytes, '/'.
//     Written to snapshot.<zxid hex>.tmp, synced, then renamed.
//   - acceptedEpoch, currentEpoch: the decimal value as text (ZooKeeper's
//     writeLongToFile), written to <name>.tmp, synced, then renamed.
//
// Nothing blocks. Every write that must be durable issues a proc.Disk.Sync;
// the process hands each proc.SyncDone event to Store.HandleSyncDone, which
// says what became durable (Completion). The log does group commit: Sync
// covers every record appended before it with one disk sync.
//
// Crash model assumed (proc.Disk's): synced bytes survive; unsynced bytes at
// the end of a file may be lost or torn; renames and removals are durable at
// once. The log keeps one invariant that makes recovery decidable: at most
// one log file — the newest — ever holds unsynced bytes (a roll, a recovery
// repair, a TRUNC's cut, and Open itself sync the older file before the next
// file gets a byte; appends meanwhile wait in memory and are still visible
// to ReadFrom). Hence damage in an older file, or followed by a valid
// record, can only be corruption of synced data (ErrCorrupt), while damage
// with nothing valid after it in the newest file is a torn tail (cut away,
// reported in RecoveryStats). A checksum failure in the newest file's last
// record counts as torn, so damage to exactly that record is indistinguish-
// able from a crash and costs that record.
//
// Fail-stop: after any disk error (a failed write, sync or rename) every
// call returns ErrFailed; the process must restart and recover.
//
// storage imports only proc and the standard library. It must not import
// sim, live, or other server packages (it knows nothing of txns or trees).
package storage
