package verifier_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/elgamal/threshold"
	"github.com/urnavote/urna/verifier"
)

// decryptingRecord returns a copy of the fixture's record cut right after
// the move to decrypting, before any decryption share, and the list hashes
// the trustees then decrypted.
func decryptingRecord(t *testing.T, f *fixture) (string, map[[32]byte]bool) {
	t.Helper()
	rec, err := bulletin.ReadRecord(f.dir)
	require.NoError(t, err)
	var entries [][]byte
	decrypted := map[[32]byte]bool{}
	cut := -1
	for i := range rec.Size() {
		e := rec.Entry(i)
		if a, err := bulletin.ParseAdminEntry(e); err == nil && a.Kind == bulletin.AdminPhase && bulletin.Phase(a.Body[0]) == bulletin.PhaseDecrypting {
			cut = int(i) + 1
		}
		if ty, _ := bulletin.EntryType(e); ty == byte(threshold.TypeDecryptionShares) {
			en, err := threshold.ParseEntry(f.e.Setup, e)
			require.NoError(t, err)
			decrypted[[32]byte(en.Body[:32])] = true
		}
		entries = append(entries, e)
	}
	require.Positive(t, cut)
	dir := copyDir(t, f.dir)
	require.NoError(t, verifier.RewriteLog(dir, entries[:cut], f.e.Signer))
	return dir, decrypted
}

func TestDecryptionLists(t *testing.T) {
	f := getFixture(t)
	fp := f.e.Fingerprint()
	opts := verifier.Options{BoardKey: f.e.BoardKey, Election: &fp}
	dir, decrypted := decryptingRecord(t, f)

	rep, lists, err := verifier.DecryptionLists(context.Background(), dir, opts)
	require.NoError(t, err)
	require.True(t, rep.OK, rep.Text())
	require.True(t, rep.Anchored)
	require.Len(t, rep.Steps, 10)
	require.Len(t, lists, 2)
	require.Equal(t, "aggregate", lists[0].Name)
	require.Equal(t, "mix/council", lists[1].Name)
	for _, l := range lists {
		require.Equal(t, threshold.ListHash(l.Ciphertexts), l.Hash)
		require.True(t, decrypted[l.Hash], "%s is the list the trustees decrypted", l.Name)
	}
	// The published record gives the same lists.
	_, again, err := verifier.DecryptionLists(context.Background(), f.dir, opts)
	require.NoError(t, err)
	require.Equal(t, lists, again)

	// Without the fingerprint nothing is to be decrypted.
	rep, lists, err = verifier.DecryptionLists(context.Background(), dir, verifier.Options{BoardKey: f.e.BoardKey})
	require.NoError(t, err)
	require.True(t, rep.OK)
	require.False(t, rep.Anchored)
	require.Nil(t, lists)

	// Nor from a record whose mix does not verify.
	bad := copyDir(t, dir)
	step, err := verifier.Tamper(bad, "swapped-mix-output", keys(f.e))
	require.NoError(t, err)
	rep, lists, err = verifier.DecryptionLists(context.Background(), bad, opts)
	require.NoError(t, err)
	require.Nil(t, lists)
	require.Equal(t, step, rep.FirstFailure().ID)

	// Nor before the move to decrypting.
	rec, err := bulletin.ReadRecord(dir)
	require.NoError(t, err)
	var entries [][]byte
	for i := range rec.Size() - 1 {
		entries = append(entries, rec.Entry(i))
	}
	early := copyDir(t, dir)
	require.NoError(t, verifier.RewriteLog(early, entries, f.e.Signer))
	rep, lists, err = verifier.DecryptionLists(context.Background(), early, opts)
	require.NoError(t, err)
	require.Nil(t, lists)
	require.Equal(t, "V3", rep.FirstFailure().ID)
	require.Contains(t, rep.FirstFailure().Failure.Problem, "nothing is to be decrypted before the move to decrypting")
}
