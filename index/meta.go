package index

import (
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

// SizeOnDisk is the number of bytes a collection's files take.
func (s *Store) SizeOnDisk(name string) (int64, error) {
	return dirSize(s.path(name))
}
