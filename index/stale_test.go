package index

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// What a pass has read is cleared and what was recorded after the read
// stays; a record a crash cut off is not read, nor joins the next one.
func TestStaleListKeepsWhatCameAfterTheRead(t *testing.T) {
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	if err := c.markStale([]string{"a#0", "b#0"}); err != nil {
		t.Fatal(err)
	}
	ids, n, err := c.staleIDs()
	if err != nil || !slices.Equal(ids, []string{"a#0", "b#0"}) {
		t.Fatalf("read: %v %v", ids, err)
	}
	if err := c.markStale([]string{"c#1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.clearStale(n); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of a record leaves a partial line.
	f, _ := os.OpenFile(filepath.Join(c.Dir(), staleFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("d#")
	f.Close()
	ids, n, err = c.staleIDs()
	if err != nil || !slices.Equal(ids, []string{"c#1"}) {
		t.Fatalf("after clearing the first read: %v %v", ids, err)
	}
	if err := c.clearStale(n); err != nil {
		t.Fatal(err)
	}
	if ids, _, _ := c.staleIDs(); len(ids) != 0 {
		t.Fatalf("after clearing all: %v", ids)
	}
	// The next record after a torn one starts a line of its own.
	f, _ = os.OpenFile(filepath.Join(c.Dir(), staleFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	f.WriteString("d#")
	f.Close()
	if err := c.markStale([]string{"e#0"}); err != nil {
		t.Fatal(err)
	}
	if ids, _, _ := c.staleIDs(); !slices.Equal(ids, []string{"e#0"}) {
		t.Fatalf("after a torn record: %v", ids)
	}
}
