package weaviate

import "syscall"

// childAttr puts the server in its own process group and has the kernel
// send it SIGTERM when we die, so a crashed Shoulders leaves no orphan.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
