package weaviate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pidFile records the managed server's process in its data folder.
const pidFile = "shoulders-weaviate.pid"

// stopStray stops a server left running on the same data folder by a
// previous run that ended without stopping it (killed with SIGKILL, say):
// two servers on one folder would corrupt it, and the new one could not
// take its locks anyway. Only a process that still is weaviate-server is
// touched; a stale pid of some other program is left alone.
func stopStray(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || !isWeaviate(pid) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if !isWeaviate(pid) {
			return nil
		}
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if !isWeaviate(pid) {
			return nil
		}
	}
	return fmt.Errorf("a previous weaviate-server (pid %d) still holds its data folder", pid)
}

// isWeaviate reports whether pid is a live weaviate-server (not a zombie).
func isWeaviate(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !bytes.Contains(cmdline, []byte("weaviate")) {
		return false
	}
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
		return false
	}
	return true
}
