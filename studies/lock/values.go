package lock

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `Storm/Curator-style lock: ephemeral-sequential children; the holder's
sequence number is its fencing token.

    f "acquire"  invoke {"client":"c1"}; ok {"client":"c1","token":12}
    f "release"  invoke/ok {"client":"c1","token":12}
    f "lost"     invoke/ok {"client":"c1","token":12}: the holder learned it
                 may have lost the lock (disconnected or expired) and stopped
                 acting as holder at this time

A hold lasts from the acquire's ok until the holder's next release invoke
or lost record, or the end of the history.
`

// The operations (Op.F) the lock workers record.
const (
	FAcquire = "acquire"
	FRelease = "release"
	FLost    = "lost"
)

// Value is the value of lock ops.
type Value struct {
	Client string `json:"client"`
	Token  int64  `json:"token,omitempty"`
}
