// Package testenv finds what the tests need from the machine: the shared
// benchmark data and the pinned Weaviate server.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Root is the repository root: the nearest folder above the working
// directory that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
}

// SharedData is ../shared/data beside the repository, or
// $SHOULDERS_SHARED_DATA. It is part of every development and CI machine,
// so tests that need it fail rather than skip without it.
func SharedData(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("SHOULDERS_SHARED_DATA"); d != "" {
		return d
	}
	return filepath.Join(Root(t), "..", "shared", "data")
}

// WeaviateBin is the weaviate-server binary built by 'make weaviate', or
// $SHOULDERS_WEAVIATE_BIN.
func WeaviateBin(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("SHOULDERS_WEAVIATE_BIN"); b != "" {
		return b
	}
	return filepath.Join(Root(t), ".build", "bin", "weaviate-server")
}
