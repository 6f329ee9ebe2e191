package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/shoulders-qa/shoulders/index"
)

// A server marks its data folder as its own: it holds a lock on
// DATA_DIR/server.lock for as long as it runs, and writes its URL into
// the file. Commands run beside it then send their work to it, whatever
// --addr says, rather than opening indexes it holds. The lock goes with
// the process, so a crashed server leaves nothing to clean up.
const servingFile = "server.lock"

// errServed is returned for a data folder another server holds.
var errServed = errors.New("a shoulders server runs on this data folder")

// notServed refuses to open dir in a command while a server holds it:
// the server has its indexes open, and its own view of them.
func (c *config) notServed(dir string) error {
	url, served := servedBy(dir)
	if !served || c.serving {
		return nil
	}
	at := ""
	if url != "" {
		at = " at " + url
	}
	return fmt.Errorf("%w%s: %s; ingest, ask, search, collections and backup send their work to it by themselves, other commands need it stopped first", errServed, at, dir)
}

// openExisting opens the store of --data-dir for a command run without a
// server. Opening a store creates it, so a mistyped folder would seem
// empty: one without collections is an error, prefixed by what it stops.
func (c *config) openExisting(stops string) (*index.Store, error) {
	if err := c.notServed(c.DataDir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.DataDir, "collections")); err != nil {
		return nil, fmt.Errorf("%s%s holds no collections, and no server answers at %s", stops, c.DataDir, c.Addr)
	}
	return index.OpenStore(c.DataDir, index.Options{})
}

// explainMissing adds to a local command's "no such collection" where it
// looked and how to fill it: the usual cause is a first question asked
// before anything was indexed, or with no server running.
func (c *config) explainMissing(err error) error {
	if !errors.Is(err, index.ErrNoCollection) {
		return err
	}
	flag := ""
	if c.Collection != "" && c.Collection != "default" {
		flag = " -c " + c.Collection
	}
	return fmt.Errorf("%w in %s, and no server answers at %s; add documents with 'shoulders ingest PATH%s', or start the server ('make run' serves the docs)", err, c.DataDir, c.Addr, flag)
}

// claimFolder marks dir as served by this process until it exits.
func claimFolder(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, servingFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if url, _ := servedBy(dir); url != "" {
				return nil, fmt.Errorf("%w (%s): %s", errServed, url, dir)
			}
			return nil, fmt.Errorf("%w: %s", errServed, dir)
		}
		return nil, err
	}
	// A file left by an earlier server names an address no longer served.
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// announce writes the URL clients reach the server by into its claim.
func announce(f *os.File, addr net.Addr) error {
	url := "http://" + dialable(addr)
	if _, err := f.WriteAt([]byte(url+"\n"), 0); err != nil {
		return err
	}
	return f.Sync()
}

// dialable turns a listening address into one a client on this machine
// can dial: a server on every interface is reached on loopback.
func dialable(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return addr.String()
	}
	// Go's wildcard socket takes IPv4 too, whichever form it reports.
	return net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
}

// servedBy says whether a server holds dir, and the URL it announced
// ("" while it starts).
func servedBy(dir string) (url string, served bool) {
	f, err := os.Open(filepath.Join(dir, servingFile))
	if err != nil {
		return "", false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return "", false
	}
	b := make([]byte, 512)
	n, _ := f.ReadAt(b, 0)
	return strings.TrimSpace(string(b[:n])), true
}
