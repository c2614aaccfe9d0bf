package election

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// Validate refuses a mixnet contest with a valid selection whose ballot
// data cannot be encoded, naming the selection, and enumerates exactly the
// valid selections.
func TestValidateDataEncodable(t *testing.T) {
	m := validManifest()
	setRanked(m, 5, 3)
	require.NoError(t, m.Validate())

	bad, err := EncodeRanking([]int{2, 0, 1}, 3)
	require.NoError(t, err)
	seen := 0
	old := dataEncodes
	dataEncodes = func(d []byte) bool { seen++; return !bytes.Equal(d, bad) }
	defer func() { dataEncodes = old }()

	for _, shape := range []encodableShape{{5, 3, true}, {5, 3, false}, {6, 4, true}} {
		encodableCache.Delete(shape)
	}
	m = validManifest()
	setRanked(m, 5, 3)
	errs := ManifestErrors(m.Validate())
	require.Len(t, errs, 1)
	require.Equal(t, "mayor", errs[0].Contest)
	require.Equal(t, "max", errs[0].Field)
	require.Contains(t, errs[0].Problem, "[2 0 1]")

	// 1 + 6 + 30 + 120 + 360 rankings of at most 4 of 6 options.
	seen = 0
	require.Empty(t, enumerateEncodable(encodableShape{6, 4, true}))
	require.Equal(t, 517, seen)
	// 1 + 5 + 10 + 10 unranked selections; [2 0 1] is never one.
	seen = 0
	require.Empty(t, enumerateEncodable(encodableShape{5, 3, false}))
	require.Equal(t, 26, seen)
	// Too many to enumerate: accepted without a look.
	seen = 0
	require.Empty(t, enumerateEncodable(encodableShape{40, 30, true}))
	require.Zero(t, seen)
	encodableCache.Delete(encodableShape{5, 3, true})
}
