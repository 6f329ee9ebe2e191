package index

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

func metaKey(k string) []byte { return []byte("meta\x00" + k) }

// Meta reads a collection setting stored beside its passages, "" if unset.
func (c *Collection) Meta(key string) (string, error) {
	b, err := c.idx.GetInternal(metaKey(key))
	return string(b), err
}

// SetMeta stores a collection setting durably.
func (c *Collection) SetMeta(key, value string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	keys, err := c.metaKeys()
	if err != nil {
		return err
	}
	b := c.idx.NewBatch()
	if !slices.Contains(keys, key) {
		b.SetInternal(metaKeysKey, []byte(strings.Join(append(keys, key), "\n")))
	}
	b.SetInternal(metaKey(key), []byte(value))
	return c.idx.Batch(b)
}

// Drop closes and deletes a collection with everything in it.
func (s *Store) Drop(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.cols[name]; ok {
		if err := c.close(); err != nil {
			return err
		}
		delete(s.cols, name)
	}
	if err := os.RemoveAll(s.path(name)); err != nil {
		return fmt.Errorf("drop collection %q: %w", name, err)
	}
	return nil
}

// SizeOnDisk is the number of bytes a collection's files take.
func (s *Store) SizeOnDisk(name string) (int64, error) {
	return dirSize(s.path(name))
}
