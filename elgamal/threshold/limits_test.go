package threshold

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

// TestDKGLargestCeremony runs the largest allowed ceremony, 33-of-64, and
// decrypts with exactly t trustees taken from the top of the index range.
func TestDKGLargestCeremony(t *testing.T) {
	if testing.Short() {
		t.Skip("64 trustees take a few seconds")
	}
	c := newDKGT(t, 33, MaxTrustees, 6433)
	c.run(c.all()...)
	res, shares := c.finish()
	require.Len(t, res.Qualified, MaxTrustees)
	for j, ks := range shares {
		require.Equal(t, 1, new(elgamal.Element).ScalarBaseMult(&ks.X).Equal(res.VerificationKeys[j-1]))
	}

	r := dkgtRand(1)
	pk := res.PublicKey
	var cts []elgamal.Ciphertext
	for _, m := range []uint64{0, 1, 64} {
		ct, _, err := pk.EncryptInt(m, r)
		require.NoError(t, err)
		cts = append(cts, *ct)
	}
	var entries []*Entry
	for j := uint32(MaxTrustees); j > MaxTrustees-33; j-- {
		e, err := shares[j].Decrypt(c.s, c.id(j).SigningKey, Unverified(cts), r)
		require.NoError(t, err)
		entries = append(entries, e)
	}
	ms, err := Combine(c.s, res, cts, entries)
	require.NoError(t, err)
	table, err := elgamal.NewDLogTable(100)
	require.NoError(t, err)
	for i, want := range []uint64{0, 1, 64} {
		got, err := table.Lookup(ms[i])
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	// One share fewer is not enough.
	_, err = Combine(c.s, res, cts, entries[1:])
	require.ErrorIs(t, err, ErrTooFewShares)
}

func TestSetupLimits(t *testing.T) {
	c := newDKGT(t, 1, 2, 1)
	s := *c.s
	s.Threshold = 0
	require.ErrorIs(t, s.Validate(), ErrSetup)
	s.Threshold = 3
	require.ErrorIs(t, s.Validate(), ErrSetup)
	s.Threshold = 1
	s.Trustees = append(s.Trustees, s.Trustees[0])
	require.ErrorIs(t, s.Validate(), ErrSetup, "duplicate trustee")
	s.Trustees = nil
	require.ErrorIs(t, s.Validate(), ErrSetup)
}
