package bulletin_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
)

// FuzzParseAdminEntry checks that an administrator entry that parses
// encodes back to the same bytes.
func FuzzParseAdminEntry(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	f.Add(bulletin.NewAdminEntry("o", bulletin.AdminPhase, bulletin.PhaseEntryBody(bulletin.PhaseOpen), key).Bytes())
	f.Add(bulletin.NewAdminEntry("o", bulletin.AdminResult, nil, key).Bytes())
	f.Add([]byte("urna\x01\x20"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := bulletin.ParseAdminEntry(b)
		if err != nil {
			return
		}
		require.Equal(t, b, a.Bytes())
	})
}

// FuzzParseBlobRef checks that a blob reference that parses encodes back
// to the same bytes.
func FuzzParseBlobRef(f *testing.F) {
	r := bulletin.BlobRef{Size: bulletin.MaxEntrySize + 1}
	r.Hash[0] = 9
	f.Add(r.Bytes())
	f.Add(bytes.Repeat([]byte{0x30}, bulletin.BlobRefSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		ref, err := bulletin.ParseBlobRef(b)
		if err != nil {
			return
		}
		require.Equal(t, b, ref.Bytes())
		require.Greater(t, ref.Size, uint64(bulletin.MaxEntrySize))
	})
}

func TestBlobRefForLongEntries(t *testing.T) {
	short := make([]byte, bulletin.MaxEntrySize)
	require.Equal(t, short, bulletin.LeafFor(short))
	long := make([]byte, bulletin.MaxEntrySize+1)
	ref, err := bulletin.ParseBlobRef(bulletin.LeafFor(long))
	require.NoError(t, err)
	require.NoError(t, ref.Check(long))
	require.Error(t, ref.Check(short))
}

// FuzzParseGenesis checks that a genesis body that parses encodes back to
// the same bytes.
func FuzzParseGenesis(f *testing.F) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	f.Add((&bulletin.Genesis{Admin: key.Public().(ed25519.PublicKey), Setup: []byte("setup")}).Bytes())
	f.Add(make([]byte, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := bulletin.ParseGenesis(b)
		if err != nil {
			return
		}
		require.Greater(t, len(b), ed25519.PublicKeySize)
		require.Equal(t, b, g.Bytes())
	})
}

// TestParseGenesisAdminKey: an administrator key of small order would let
// anyone sign administrator entries; a non-canonical one has two forms.
func TestParseGenesisAdminKey(t *testing.T) {
	identity := append([]byte{1}, make([]byte, 31)...)
	nonCanonical := append([]byte{0xee}, bytes.Repeat([]byte{0xff}, 30)...)
	nonCanonical = append(nonCanonical, 0x7f)                                       // y = 2^255 − 19 + 1 ≥ p
	order2 := append([]byte{0xec}, append(bytes.Repeat([]byte{0xff}, 30), 0x7f)...) // y = −1
	for name, key := range map[string][]byte{"identity": identity, "order 2": order2, "non-canonical": nonCanonical} {
		_, err := bulletin.ParseGenesis(append(append([]byte{}, key...), "setup"...))
		require.ErrorIs(t, err, bulletin.ErrMalformed, name)
		require.ErrorContains(t, err, "administrator key", name)
	}
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	_, err := bulletin.ParseGenesis(append(append([]byte{}, key.Public().(ed25519.PublicKey)...), "setup"...))
	require.NoError(t, err)
}

// FuzzEntryType checks the common header: it never panics, and accepts
// exactly the magic and version.
func FuzzEntryType(f *testing.F) {
	f.Add([]byte("urna\x01\x31"))
	f.Add([]byte("urna\x02\x31"))
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, err := bulletin.EntryType(b)
		if err != nil {
			return
		}
		require.True(t, bytes.HasPrefix(b, []byte("urna\x01")))
		require.Equal(t, b[5], typ)
	})
}
