package election

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `HDFS NameNode-style election: candidates create ephemeral-sequential
children of an election znode; the lowest is leader, and its sequence
number is its term and fencing token. A shared resource accepts a fenced
write only if its token is >= every token it has accepted.

    f "campaign"      invoke {"candidate":"c1"}
                      ok {"candidate":"c1","term":7} when c1 became leader
    f "resign"        the leader stepped down or saw its session end:
                      invoke/ok {"candidate":"c1","term":7}
    f "fenced-write"  invoke {"candidate":"c1","token":7,"value":42}
                      ok = accepted by the resource (Op.Zxid = its txn)
                      fail = rejected (error "BADVERSION" or "FENCED")

A candidate's name is its client node's name (as nemesis values list
nodes), so a fault naming it counts as leader loss for failover timing.
`

// The operations (Op.F) the election workers record.
const (
	FCampaign    = "campaign"
	FResign      = "resign"
	FFencedWrite = "fenced-write"
)

// Value is the value of election ops.
type Value struct {
	Candidate string `json:"candidate"`
	Term      int64  `json:"term,omitempty"`
	Token     int64  `json:"token,omitempty"`
	Value     int64  `json:"value,omitempty"`
}
