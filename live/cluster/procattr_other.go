//go:build !linux

package cluster

import "syscall"

// childProcAttr puts a child server in its own process group. Outside Linux
// there is no parent-death signal: a child outlives a crashed parent.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
