package registry

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `Kafka-style broker registry: each broker holds an ephemeral znode; watchers
list the members with a child watch.

    f "join"    invoke/ok {"broker":"b1"} (ephemeral created; Op.Session set)
    f "leave"   invoke/ok {"broker":"b1"} (session closed cleanly)
    f "expire"  invoke/ok {"broker":"b1"}: the broker's session expired (the
                ok time is when the harness learned it)
    f "view"    invoke {"watcher":"w1"}
                ok {"watcher":"w1","members":["b1","b3"]} (sorted; [] if none)
`

// The operations (Op.F) the registry workers record.
const (
	FJoin   = "join"
	FLeave  = "leave"
	FExpire = "expire"
	FView   = "view"
)

// Member is the value of join, leave and expire.
type Member struct {
	Broker string `json:"broker"`
}

// View is the value of view.
type View struct {
	Watcher string   `json:"watcher"`
	Members []string `json:"members"`
}
