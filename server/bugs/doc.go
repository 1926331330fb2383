// Package bugs owns the server's bug switches: the typed names of the real
// ZooKeeper defects the server and its Zab peer can re-create, the one table
// that documents them (name, JIRA, trigger, symptom, layer), the set a
// server is started with, and parsing names into that set.
//
// Switches exist to prove the harness finds real bugs; they are off by
// default and, when off, change nothing.
//
// bugs imports only the standard library; server and server/zab import it.
// It must not import anything else of this module.
package bugs
