package verifier

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
)

// FuzzLogReader feeds arbitrary bytes as log.entries: the reader never
// panics, and whatever it returns re-encodes to a prefix of the input.
func FuzzLogReader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0})
	f.Add([]byte{0, 1, 0, 0})
	f.Add([]byte{0, 0, 0, 5, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, bulletin.RecordLog), b, 0o644))
		r, err := openLog(dir)
		require.NoError(t, err)
		defer r.Close()
		var again []byte
		for {
			leaf, _, err := r.next()
			if err != nil {
				break
			}
			again = binary.BigEndian.AppendUint32(again, uint32(len(leaf)))
			again = append(again, leaf...)
		}
		require.True(t, bytes.Equal(b[:len(again)], again))
	})
}
