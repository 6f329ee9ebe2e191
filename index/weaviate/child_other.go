//go:build !linux

package weaviate

import "syscall"

// childAttr puts the server in its own process group; a stray one left by
// a crash is stopped at the next start (see stopStray).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
