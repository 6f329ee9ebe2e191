package index

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
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

var genMu sync.Mutex

// Generation names this incarnation of the collection: a collection
// deleted and made again under the same name gets another, so that what
// was kept elsewhere for the first (its vectors) is not taken for the
// second's. A collection made before generations gets one now.
func (c *Collection) Generation() (string, error) {
	genMu.Lock() // two first calls must not make two
	defer genMu.Unlock()
	g, err := c.Meta("generation")
	if err != nil || g != "" {
		return g, err
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	g = hex.EncodeToString(b)
	return g, c.SetMeta("generation", g)
}
