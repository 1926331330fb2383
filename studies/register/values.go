package register

// schemaDoc documents the values of the study's records (Study.Schema.Doc).
// The register values are history's own (history.RegisterValue), since the
// generic linearizability and zxid-order checkers read them.
const schemaDoc = `A versioned register per key; each key is one znode created with data "0"
(value 0, version 0) before the history starts.

    f "read"       plain getData, served locally (not linearizable)
    f "sync-read"  sync then getData (linearizable when sync is quorum-confirmed)
        invoke {"key":"k3"}                 ok {"key":"k3","value":4,"version":2}
        A read of a missing node is ok with {"key":"k3","version":-1}.
    f "write"      setData(version -1)
        invoke {"key":"k3","value":5}       ok {"key":"k3","value":5,"version":3}
    f "cas"        setData(expected version)
        invoke {"key":"k3","value":5,"expect":2}
        ok     {"key":"k3","value":5,"expect":2,"version":3}
        fail   error "BADVERSION" (definitely not applied)

"version" is the Stat.version after the op. Written values are unique per
key: checkers identify the write a read observed by its value and version.
`
