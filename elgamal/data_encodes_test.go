package elgamal

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDataShortValuesEncode checks exhaustively that every data value of
// at most 2 bytes encodes (spec/group.md §4): party-list ballots (2 bytes)
// and rankings of at most 2 ranks never fail.
func TestDataShortValuesEncode(t *testing.T) {
	require.True(t, DataEncodes(nil))
	for v := range 1 << 8 {
		require.True(t, DataEncodes([]byte{byte(v)}), "%02x", v)
	}
	for v := range 1 << 16 {
		if !DataEncodes([]byte{byte(v >> 8), byte(v)}) {
			t.Fatalf("%04x does not encode", v)
		}
	}
}

// DataEncodes agrees with EncodeData.
func TestDataEncodesMatchesEncodeData(t *testing.T) {
	for v := range 200 {
		d := []byte{byte(v), byte(v * 7), byte(v * 13), 0, byte(v)}
		_, err := EncodeData(d)
		require.Equal(t, err == nil, DataEncodes(d))
	}
	require.False(t, DataEncodes(make([]byte, MaxDataSize+1)))
}
