package tree

import (
	"github.com/zabsim/zabsim/server/txn"
)

// SetConfigNode is ZKDatabase.initConfigInZKDatabase: /zookeeper/config
// takes a config's text outside any txn, as DataTree.setData(path, data,
// -1, version, now) sets it (Stat version -1, mzxid the config's version),
// firing its data watches. The tree's last zxid does not move. It returns
// the watch events to deliver.
func (t *Tree) SetConfigNode(data []byte, version int64, timeMS int64) []Event {
	var events []Event
	_, _ = t.setData(ConfigPath, data, -1, txn.Header{Zxid: version, TimeMS: timeMS}, &events)
	return events
}

// ConfigNode returns /zookeeper/config's data and mzxid.
func (t *Tree) ConfigNode() ([]byte, int64) {
	n, ok := t.nodes[ConfigPath]
	if !ok {
		return nil, 0
	}
	return n.data, n.stat.Mzxid
}
