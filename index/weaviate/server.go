package weaviate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DefaultBinary is where the build puts the pinned weaviate-server.
const DefaultBinary = ".build/bin/weaviate-server"

// ServerOptions configure a managed Weaviate server.
type ServerOptions struct {
	Binary  string // weaviate-server executable
	DataDir string // its own data folder
	LogPath string // where its output goes (default DataDir/../weaviate.log)
	// Port is the HTTP port and GRPCPort the gRPC one; 0 picks a free
	// port. The gossip, data and Raft ports are always picked free.
	Port, GRPCPort int
	// ReadyTimeout bounds the wait for /v1/.well-known/ready (default 120s).
	ReadyTimeout time.Duration
}

// A Server is a weaviate-server child process on loopback.
type Server struct {
	opts ServerOptions
	url  string
	grpc string

	mu   sync.Mutex // guards the process, which Supervise replaces
	cmd  *exec.Cmd
	exit *exit
	log  *os.File
	lock *os.File // the data folder's lock, released once the process is gone
	// unsupervise ends supervision and waits for it to have ended.
	unsupervise func()
}

// ErrInUse is returned by StartServer for a data folder whose Weaviate
// another process runs.
var ErrInUse = errors.New("another process runs the Weaviate of this data folder (a running shoulders server?)")

// lockFolder takes the lock of a data folder's managed server.
func lockFolder(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "shoulders-weaviate.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrInUse, dir)
		}
		return nil, err
	}
	return f, nil
}

// An exit is how a process ended: done is closed once it has, and err
// then holds what Wait returned.
type exit struct {
	done chan struct{}
	err  error
}

// freePorts asks the kernel for n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]int, n)
	for i := range out {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out[i] = l.Addr().(*net.TCPAddr).Port
	}
	return out, nil
}

// StartServer starts weaviate-server with anonymous access, no vectorizer
// module, a single-node Raft cluster and its own data folder, and waits
// until it is ready.
func StartServer(ctx context.Context, o ServerOptions) (*Server, error) {
	if o.Binary == "" {
		o.Binary = DefaultBinary
	}
	if _, err := os.Stat(o.Binary); err != nil {
		return nil, fmt.Errorf("weaviate-server not found at %s (build it with 'make weaviate'): %w", o.Binary, err)
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 120 * time.Second
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, err
	}
	// Held while this process runs the server, so that another process on
	// the same data folder (a CLI command beside a running server) is
	// refused, rather than take the live server for a stray and stop it.
	lock, err := lockFolder(o.DataDir)
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			lock.Close()
		}
	}()
	if err := stopStray(filepath.Join(o.DataDir, pidFile)); err != nil {
		return nil, err
	}
	if o.LogPath == "" {
		o.LogPath = filepath.Join(filepath.Dir(filepath.Clean(o.DataDir)), "weaviate.log")
	}
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	if o.Port != 0 {
		ports[0] = o.Port
	}
	if o.GRPCPort != 0 {
		ports[1] = o.GRPCPort
	}
	logf, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.Binary, "--host", "127.0.0.1", "--port", strconv.Itoa(ports[0]), "--scheme", "http")
	cmd.Env = append(os.Environ(),
		"AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true",
		"DEFAULT_VECTORIZER_MODULE=none",
		"ENABLE_MODULES=",
		"PERSISTENCE_DATA_PATH="+o.DataDir,
		"CLUSTER_HOSTNAME=node1",
		"CLUSTER_ADVERTISE_ADDR=127.0.0.1",
		"CLUSTER_BIND_ADDR=127.0.0.1",
		"RAFT_BOOTSTRAP_EXPECT=1",
		"RAFT_JOIN=node1",
		"GRPC_PORT="+strconv.Itoa(ports[1]),
		"CLUSTER_GOSSIP_BIND_PORT="+strconv.Itoa(ports[2]),
		"CLUSTER_DATA_BIND_PORT="+strconv.Itoa(ports[3]),
		"RAFT_PORT="+strconv.Itoa(ports[4]),
		"RAFT_INTERNAL_RPC_PORT="+strconv.Itoa(ports[5]),
		// Shoulders makes every class itself, with its own settings: a
		// write to a class that is gone (a deleted collection) must fail,
		// not have Weaviate make one of its own.
		"AUTOSCHEMA_ENABLED=false",
		"DISABLE_TELEMETRY=true",
		"QUERY_DEFAULTS_LIMIT=100",
		"LOG_LEVEL=warning",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a terminal's Ctrl-C reaches us, and we stop
	// it cleanly. If we die without stopping it, it is told to stop too.
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start weaviate: %w", err)
	}
	_ = os.WriteFile(filepath.Join(o.DataDir, pidFile), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	s := &Server{opts: o, url: "http://127.0.0.1:" + strconv.Itoa(ports[0]), grpc: "127.0.0.1:" + strconv.Itoa(ports[1]),
		cmd: cmd, exit: &exit{done: make(chan struct{})}, log: logf, lock: lock}
	go func(e *exit) { e.err = cmd.Wait(); close(e.done) }(s.exit)
	started = true
	if err := s.waitReady(ctx); err != nil {
		s.Kill()
		return nil, fmt.Errorf("weaviate did not become ready (log: %s): %w", o.LogPath, err)
	}
	return s, nil
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.url }

// GRPCAddr is the server's gRPC address, host:port.
func (s *Server) GRPCAddr() string { return s.grpc }

// PID is the server's process id.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(s.opts.ReadyTimeout)
	cl := http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exit.done:
			return fmt.Errorf("weaviate exited: %v", s.exit.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := cl.Get(s.url + "/v1/.well-known/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("timed out")
}

// Stop asks the server to shut down and waits up to 20 seconds before
// killing it. Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.endSupervision()
	s.mu.Lock()
	cmd, e, logf, lock := s.cmd, s.exit, s.log, s.lock
	s.mu.Unlock()
	defer logf.Close()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
		lock.Close()
		return nil
	case <-time.After(20 * time.Second):
		return s.Kill()
	}
}

// Kill ends the server at once (SIGKILL), as a crash would, and is not
// followed by a restart.
func (s *Server) Kill() error {
	s.endSupervision()
	s.mu.Lock()
	cmd, e, lock := s.cmd, s.exit, s.lock
	s.mu.Unlock()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-e.done:
	case <-time.After(10 * time.Second):
		return errors.New("weaviate did not exit after SIGKILL")
	}
	lock.Close()
	return nil
}

// Restart starts the server again on the same ports and data folder, as
// after a crash; the process must have exited.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	o := s.opts
	o.Port, _ = strconv.Atoi(s.url[len("http://127.0.0.1:"):])
	o.GRPCPort, _ = strconv.Atoi(s.grpc[len("127.0.0.1:"):])
	// What the exited process held; closing twice does no harm.
	s.lock.Close()
	s.log.Close()
	s.mu.Unlock()
	ns, err := StartServer(ctx, o)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cmd, s.exit, s.log, s.lock = ns.cmd, ns.exit, ns.log, ns.lock
	s.mu.Unlock()
	return nil
}
