package sequential

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `f "create"  invoke {"prefix":"/seq/n-"}
                ok {"prefix":"/seq/n-","name":"/seq/n-0000000007"}
                Op.Session must be set on the ok record.
`

// The operations (Op.F) the sequential workers record.
const FCreate = "create"

// Value is the value of sequential creates.
type Value struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name,omitempty"`
}
