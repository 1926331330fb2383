package cluster

import "syscall"

// childProcAttr puts a child server in its own process group (so Stop can
// signal the JVM and anything it spawned) and has the kernel kill it if this
// process dies first: a crashed or timed-out test must not leak servers.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
