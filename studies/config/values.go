package config

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `Topic configs: writers set config znodes; watchers re-read a key after
every watch event on it (and every key on a new session).

    f "write"    invoke/ok {"key":"topic-a","value":5} (values unique per key)
    f "observe"  ok {"key":"topic-a","value":5,"watcher":"w1","mzxid":1234}
                 (an invoke carries {"key":"topic-a","watcher":"w1"});
                 mzxid is the Stat.mzxid of the data read, 0 if unknown.

    f "notify"   a watch event arrived at a watcher: an invoke and an ok
                 record back to back at the arrival time, on a process of
                 their own (the watcher's observe may be open meanwhile),
                 value {"key":"topic-a","watcher":"w1","event":"NodeDataChanged"};
                 Op.Session is the watcher's session, Op.Zxid the triggering
                 txn's zxid when the server reported one (ZooKeeper 3.8 does
                 not: 0).

Every record of a watcher carries Op.Session; observe completions carry
the reply header's zxid in Op.Zxid. Watchers re-read every key on a new
session only: on a resumed one they trust the watches the client
re-armed with SetWatches. The final observe of every watcher happens in
the healed phase.
`

// The operations (Op.F) the config workers record.
const FObserve = "observe"

// Event is the value of a config "notify" record.
type Event struct {
	Key     string `json:"key"`
	Watcher string `json:"watcher"`
	Event   string `json:"event"` // NodeCreated, NodeDeleted, NodeDataChanged
}

// Value is the value of config ops.
type Value struct {
	Key     string `json:"key"`
	Value   int64  `json:"value"`
	Watcher string `json:"watcher,omitempty"`
	Mzxid   int64  `json:"mzxid,omitempty"`
}
