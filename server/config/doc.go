// Package config parses and writes ZooKeeper's configuration files: zoo.cfg
// (Java properties: key=value, '#' and '!' comments, continuation lines) and
// the myid file, for the subset of ZooKeeper 3.8 settings zabsim implements
// plus zabsim's own keys (zabsim.bugs, zabsim.syncQuorum).
//
// Parse is strict about values (every bad value is an error naming its line)
// and tolerant about keys, as ZooKeeper is: an unknown key is kept in
// Config.Extra, written back by Write, and reported as a Warning. Write
// produces a zoo.cfg that Parse reads back to an equal Config and that Apache
// ZooKeeper 3.8 accepts, so the live tier can run either server from one
// Config.
//
// config is deterministic and pure: it reads bytes and writes to an
// io.Writer, never the file system, and imports only the standard library
// (no os, net, sim or live).
package config
