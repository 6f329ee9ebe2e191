package lsa

import (
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// formatVersion guards saved models against format changes.
const formatVersion = 1

type fileHeader struct {
	Version int
	Name    string
}

// Save writes the model to path atomically (temporary file, fsync, rename).
func (m *Model) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lsa-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	enc := gob.NewEncoder(tmp)
	if err := enc.Encode(fileHeader{formatVersion, Name}); err != nil {
		tmp.Close()
		return err
	}
	if err := enc.Encode(m); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load reads a model saved by Save; analyze must be the analyzer it was
// fitted with.
func Load(path string, analyze func(string) []string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, analyze)
}

func read(r io.Reader, analyze func(string) []string) (*Model, error) {
	dec := gob.NewDecoder(r)
	var h fileHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("lsa model: %w", err)
	}
	if h.Version != formatVersion || h.Name != Name {
		return nil, fmt.Errorf("lsa model: format %s v%d, this build reads %s v%d", h.Name, h.Version, Name, formatVersion)
	}
	m := &Model{}
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("lsa model: %w", err)
	}
	m.Analyzer(analyze)
	return m, nil
}
