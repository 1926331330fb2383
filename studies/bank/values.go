package bank

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
const schemaDoc = `Accounts are znodes; a transfer is one multi (check+setData+setData).

    f "transfer"  invoke/ok {"from":"a1","to":"a2","amount":5}
                  fail = not applied (e.g. BADVERSION, insufficient funds)
    f "read"      invoke {}; ok {"balances":{"a0":10,"a1":7}}
                  (one multiRead or a sequence of getData; all accounts)
`

// The operations (Op.F) the bank workers record.
const FTransfer = "transfer"

// Transfer is the value of transfer.
type Transfer struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
}

// Read is the value of a bank read.
type Read struct {
	Balances map[string]int64 `json:"balances,omitempty"`
}
