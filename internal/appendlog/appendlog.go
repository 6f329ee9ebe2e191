// Package appendlog appends newline-ended records to a file durably: each
// append is on disk when it returns, and a record a crash left unfinished
// at the end of the file never joins the next one.
package appendlog

import (
	"bytes"
	"errors"
	"os"
)

// Append writes data, one or more records each ending with a newline, at
// the end of the file at path (created if needed), syncs it to disk, and
// returns the offset data starts at. An unfinished record at the end of
// the file, never acknowledged, is cut first, so that data starts a line
// of its own. Appends to one file must not run concurrently.
func Append(path string, data []byte) (int64, error) {
	if err := TrimTornTail(path); err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		return 0, err
	}
	return st.Size(), f.Close()
}

// TrimTornTail cuts a record left unfinished by a crash from the end of
// the file at path. A file that ends with a newline, or does not exist, is
// left alone; that check reads one byte.
func TrimTornTail(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	// Read back block by block to the last newline: whole records end
	// there.
	end := st.Size()
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, end-1); err != nil || last[0] == '\n' {
		return err
	}
	const block = 64 << 10
	buf := make([]byte, block)
	keep := int64(0)
	for pos := end; pos > 0 && keep == 0; {
		start := max(0, pos-block)
		b := buf[:pos-start]
		if _, err := f.ReadAt(b, start); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			keep = start + int64(i) + 1
		}
		pos = start
	}
	if err := f.Truncate(keep); err != nil {
		return err
	}
	return f.Sync()
}
