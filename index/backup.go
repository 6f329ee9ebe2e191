package index

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// Backup writes a copy of the collection into dir, which must not exist
// yet: the keyword index as of one moment, taken while the collection
// goes on answering and accepting writes (Bleve's online copy), and the
// files kept beside it, such as the fitted embedder. Vectors are not
// copied: a server started on the copy computes them again from the
// passages, as it does for any passage its vector index lacks.
func (c *Collection) Backup(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("backup of %q: %s exists already", c.Name, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cp, ok := c.idx.(bleve.IndexCopyable)
	if !ok {
		return fmt.Errorf("backup of %q: this index cannot be copied while open", c.Name)
	}
	if err := cp.CopyTo(bleve.FileSystemDirectory(filepath.Join(dir, "bleve"))); err != nil {
		return fmt.Errorf("backup of %q: %w", c.Name, err)
	}
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		// Only whole files: the index was copied above, and a reindex's
		// leftovers (bleve.new, bleve.old, its lock) are not the collection.
		if !e.Type().IsRegular() || e.Name() == "reindex.lock" {
			continue
		}
		if _, err := copyFile(filepath.Join(c.dir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("backup of %q: %w", c.Name, err)
		}
	}
	return nil
}

// A BackupInfo says what a backup holds.
type BackupInfo struct {
	Path        string   `json:"path"`
	Collections []string `json:"collections"`
	Files       []string `json:"files"` // other files of the data folder
	Bytes       int64    `json:"bytes"`
}

// backupName is the folder name of a backup taken at t; names sort by time.
func backupName(t time.Time) string { return t.UTC().Format("20060102T150405.000Z") }

// Backup writes a backup into a new folder under root named by now:
// every collection as Collection.Backup copies it, under collections/,
// and those of files (named relative to the store's folder, such as the
// feedback log) that exist. The backup is written under a ".partial"
// name, flushed to disk and then renamed, so a folder without that
// suffix is a whole backup, whatever crash came during it.
func (s *Store) Backup(root string, now time.Time, files ...string) (BackupInfo, error) {
	info := BackupInfo{Path: filepath.Join(root, backupName(now)), Collections: []string{}, Files: []string{}}
	tmp := info.Path + ".partial"
	if err := os.MkdirAll(root, 0o755); err != nil {
		return info, err
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	fail := func(err error) (BackupInfo, error) {
		os.RemoveAll(tmp)
		return info, err
	}
	names, err := s.Collections()
	if err != nil {
		return fail(err)
	}
	for _, name := range names {
		c, err := s.Collection(name, false)
		if errors.Is(err, ErrNoCollection) {
			continue // deleted since the listing
		}
		if err != nil {
			return fail(err)
		}
		cdir := filepath.Join(tmp, "collections", name)
		if err := c.Backup(cdir); err != nil {
			// Deleted while it was copied: the backup is as if taken
			// after the delete, as it would have been a moment later.
			if c.dropped.Load() {
				if err := os.RemoveAll(cdir); err != nil {
					return fail(err)
				}
				continue
			}
			return fail(err)
		}
		info.Collections = append(info.Collections, name)
	}
	for _, f := range files {
		copied, err := copyFile(filepath.Join(s.dir, f), filepath.Join(tmp, f))
		if err != nil {
			return fail(err)
		}
		if copied {
			info.Files = append(info.Files, f)
		}
	}
	if err := syncTree(tmp); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, info.Path); err != nil {
		return fail(err)
	}
	if err := syncFile(root); err != nil { // the rename
		return info, err
	}
	info.Bytes, err = dirSize(info.Path)
	return info, err
}

// copyFile copies a regular file and says whether it did: a source
// that does not exist (never written, or replaced by rename meanwhile)
// is skipped.
func copyFile(src, dst string) (bool, error) {
	in, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return false, err
	}
	return true, out.Close()
}

// syncTree flushes every file and folder under dir to disk.
func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return syncFile(path)
	})
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	serr := f.Sync()
	if cerr := f.Close(); serr == nil {
		serr = cerr
	}
	return serr
}
