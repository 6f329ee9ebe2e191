package reader

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedData locates ../shared/data beside the repository root. The data
// is part of every development and CI machine, so its absence is a failure.
func sharedData(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("SHOULDERS_SHARED_DATA"); d != "" {
		return d
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
}
