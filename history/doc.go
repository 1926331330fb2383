// Package history owns zabsim's Jepsen-shaped operation records: the Op type,
// its JSON Lines on-disk form (a Writer and a validating Reader), pairing of
// invocations with completions, filters, and the value shapes more than one
// case study or checker shares.
//
// # Records
//
// A history is a sequence of Op records in the order the harness observed
// them. A client operation is an invoke record followed, on the same process,
// by exactly one completion: ok (it happened), fail (it definitely did not
// happen) or info (indeterminate: timeout or connection loss; it may or may
// not have taken effect, now or later). A process has at most one operation
// outstanding; after an info completion a process may issue new operations
// (zabsim workers reuse their process number with a fresh session) and
// checkers treat the earlier op as possibly in flight forever.
//
// Nemesis records use process -1, serialised as the string "nemesis" as Jepsen
// does. A fault is an invoke/info pair or a single info record; the Reader
// never pairs-validates nemesis records. Nemesis values follow NemesisValue.
//
// Cluster records use process -2, serialised as "cluster": what the harness
// saw the cluster itself do, single info records that are neither client
// operations nor faults. FSessionClosed (the quorum committed a session's
// closing, with its session, zxid and committing node) is the one kind so
// far; the simulator records it, the live tier cannot see it.
//
// # On disk
//
// One JSON object per line, keys in the fixed order index, time, process,
// type, f, value, node, zxid, session, error. value, node, zxid, session and
// error are omitted when empty (nil, "", 0, 0, ""). Read rejects a line whose
// type is not one of the four, whose index does not increase, whose
// completion has no open invocation on its process (or names another f), or
// whose invoke arrives while the process already has one open; the error
// names the 1-based line number.
//
// # Value schemas
//
// Each case study owns the values of its records: their Go types, f names
// and a schema document live in its package (studies/NAME/values.go, see
// package study), so its worker and checker share one definition. history
// keeps the shared ones: the register values the generic linearizability
// and zxid-order checkers read (values.go), "notify" records, nemesis
// values, and the cluster "txn" record (txn.go).
//
// history imports only the standard library. It must never import sim, live,
// server, client, model, checker, study, studies or anything that would make it depend on how
// a history was produced.
package history
