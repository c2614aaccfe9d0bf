package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVectorsUpToDate regenerates every vector and compares it with the
// committed files, so any change in behaviour, or in the generator's
// determinism, fails until the vectors are regenerated on purpose.
func TestVectorsUpToDate(t *testing.T) {
	root = "../.."
	files, err := Generate()
	require.NoError(t, err)
	want := map[string]string{}
	for _, f := range files {
		want[f.Path] = string(f.Data)
	}
	got := map[string]string{}
	for _, dir := range Dirs() {
		base := filepath.Join(root, "vectors")
		err := filepath.WalkDir(filepath.Join(base, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			rel, _ := filepath.Rel(base, path)
			got[filepath.ToSlash(rel)] = string(b)
			return err
		})
		require.NoError(t, err)
	}
	require.Equal(t, len(want), len(got), "number of vector files; run go run ./internal/vectorgen")
	for path, data := range want {
		require.Equal(t, data, got[path], "%s is stale; run go run ./internal/vectorgen", path)
	}
}
