package durability

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `f "write"       invoke/ok {"key":"d17","value":3}
    f "final-read"  after every node crashed and restarted, one per key and
                    node: invoke {"key":"d17"};
                    ok {"key":"d17","value":3,"found":true} or
                    {"key":"d17","found":false} (Op.Node = the server read)
`

// The operations (Op.F) the durability workers record.
const FFinalRead = "final-read"

// Value is the value of durability ops.
type Value struct {
	Key   string `json:"key"`
	Value int64  `json:"value,omitempty"`
	Found bool   `json:"found,omitempty"`
}
