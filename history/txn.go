package history

// f "txn": a cluster record (process "cluster"): the quorum committed the
// txn Op.Zxid of Op.Session, value {"type":"create","cxid":7} ("path" for
// deleteContainer, "err" for an error txn). The simulator writes one per
// txn when a run's study asks for them (study.Study.NeedsTxns: the api
// study's checker replays them).
const FTxn = "txn"

// TxnValue is the value of a cluster "txn" record.
type TxnValue struct {
	Type string `json:"type"`
	Cxid int32  `json:"cxid,omitempty"`
	Path string `json:"path,omitempty"`
	Err  string `json:"err,omitempty"`
}
