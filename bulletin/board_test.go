package bulletin_test

import (
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/bulletin"
	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/scenario"
)

func openBoard(t *testing.T, e *scenario.Election, store bulletin.Store) *bulletin.Board {
	t.Helper()
	b, err := bulletin.Open(bulletin.Config{Origin: e.Origin, Signer: e.Signer, Store: store})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func post(t *testing.T, b *bulletin.Board, entry []byte) *bulletin.Receipt {
	t.Helper()
	r, err := b.Submit(context.Background(), entry)
	require.NoError(t, err)
	return r
}

func rejected(t *testing.T, b *bulletin.Board, entry []byte, reason bulletin.Reason) {
	t.Helper()
	_, err := b.Submit(context.Background(), entry)
	var rej *bulletin.RejectError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, reason, rej.Reason, "%v", err)
}

// setUp posts everything up to an open election.
func setUp(t *testing.T, e *scenario.Election, b *bulletin.Board) {
	t.Helper()
	post(t, b, e.Genesis())
	post(t, b, e.Phase(bulletin.PhaseKeyCeremony))
	for _, c := range e.CeremonyEntries {
		post(t, b, c)
	}
	post(t, b, e.ManifestEntry())
	post(t, b, e.CredentialsEntry())
	post(t, b, e.Phase(bulletin.PhaseOpen))
}

func TestBoardFullElection(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 6, Manifest: scenario.Danish(), Seed: 1})
	require.NoError(t, err)
	store := bulletin.NewMemoryStore()
	b := openBoard(t, e, store)
	rejected(t, b, e.Phase(bulletin.PhaseKeyCeremony), bulletin.ReasonOutOfOrder)
	setUp(t, e, b)
	r := rand.New(rand.NewPCG(1, 2))
	var receipts []*bulletin.Receipt
	for v := range 6 {
		entry, _, _, err := e.Ballot(v, e.RandomChoices(r))
		require.NoError(t, err)
		rc := post(t, b, entry)
		require.NotEmpty(t, rc.TrackingCode)
		// The board keys the cast ballot by its whole tracking code
		// ("T" ‖ 64 ASCII bytes, spec/board.md §5), not by a short code.
		h := sha256.Sum256(entry[bulletin.EntryHeaderSize:])
		require.Equal(t, election.TrackingCodeOf(entry[bulletin.EntryHeaderSize:]), rc.TrackingCode)
		key := []byte("T" + rc.TrackingCode)
		require.Len(t, key, 65)
		got, err := election.ParseTrackingCode(string(key[1:]))
		require.NoError(t, err)
		require.Equal(t, h, got)
		found, err := store.LookupKeys([][]byte{key, []byte("T" + election.ShortCode(rc.TrackingCode))})
		require.NoError(t, err)
		require.Equal(t, map[string]int64{string(key): rc.Index}, found)
		receipts = append(receipts, rc)
		again := post(t, b, entry)
		require.True(t, again.Existing)
		require.Equal(t, rc.Index, again.Index)
	}
	// A challenged ballot can't be cast afterwards.
	entry, bal, op, err := e.Ballot(0, e.RandomChoices(r))
	require.NoError(t, err)
	post(t, b, bulletin.ChallengeEntry(bal.Bytes(), op.Bytes()))
	rejected(t, b, entry, bulletin.ReasonChallenged)
	// Decryption shares before close are refused.
	sh, err := e.DecryptionShares(1, []elgamal.Ciphertext{*elgamal.NewCiphertext()})
	if err == nil {
		rejected(t, b, sh, bulletin.ReasonPhase)
	}
	post(t, b, e.Phase(bulletin.PhaseClosed))
	entry, _, _, err = e.Ballot(1, e.RandomChoices(r))
	require.NoError(t, err)
	rejected(t, b, entry, bulletin.ReasonPhase)
	post(t, b, e.Phase(bulletin.PhaseMixing))
	for _, contest := range b.MixContests() {
		for pos := 1; pos <= 2; pos++ {
			in, p, err := b.MixInput(contest)
			require.NoError(t, err)
			require.Equal(t, pos, p)
			st, err := e.MixStage(pos, pos, in)
			require.NoError(t, err)
			post(t, b, st)
		}
	}
	post(t, b, e.Phase(bulletin.PhaseDecrypting))
	lists := b.DecryptionLists()
	require.Len(t, lists, 2)
	for _, l := range lists {
		for j := 1; j <= 2; j++ {
			sh, err := e.DecryptionShares(j, l.Ciphertexts)
			require.NoError(t, err)
			post(t, b, sh)
		}
	}
	post(t, b, e.ResultEntry(boardResult(t, b)))
	post(t, b, e.Phase(bulletin.PhasePublished))
	require.Equal(t, bulletin.PhasePublished, b.Phase())
	st := b.Status()
	require.Equal(t, 6, st.Ballots)
	require.Equal(t, 1, st.Challenges)
	require.EqualValues(t, 1, st.Rejected[bulletin.ReasonChallenged])

	// Every receipt still checks against the final checkpoint.
	cp := b.Checkpoint()
	for _, rc := range receipts {
		old, err := rc.Verify(e.Verifier, e.Origin)
		require.NoError(t, err)
		proof, err := b.Log().ConsistencyProof(old.Tree.N, cp.Tree.N)
		require.NoError(t, err)
		_, err = bulletin.CheckReceipt(rc, e.Verifier, e.Origin, cp.Signed, proof)
		require.NoError(t, err)
	}

	// Reopening replays the log into the same state.
	require.NoError(t, b.Close())
	_, err = b.Submit(context.Background(), e.Genesis())
	require.ErrorIs(t, err, bulletin.ErrClosed)
	b2 := openBoard(t, e, store)
	require.Equal(t, st, b2.Status())
	require.Equal(t, cp.Tree, b2.Checkpoint().Tree)
	rc, err := b2.Receipt(receipts[2].Index)
	require.NoError(t, err)
	require.Equal(t, receipts[2].TrackingCode, rc.TrackingCode)
	_, err = rc.Verify(e.Verifier, e.Origin)
	require.NoError(t, err)
}

// TestBatchReadsItsOwnEntries: the move to mixing reads the counted
// ballots, and the result the decryption shares; entries admitted earlier
// in the same batch are not stored yet, and must be read from the batch,
// not refused as a store failure.
func TestBatchReadsItsOwnEntries(t *testing.T) {
	e, err := scenario.New(scenario.Options{Voters: 3, Manifest: scenario.Danish(), Seed: 21})
	require.NoError(t, err)
	b := openBoard(t, e, bulletin.NewMemoryStore())
	setUp(t, e, b)
	var last []byte
	for v := range 3 {
		entry, _, _, err := e.Ballot(v, election.Choices{"referendum": {v % 2}, "council": {v}})
		require.NoError(t, err)
		if v < 2 {
			post(t, b, entry)
		} else {
			last = entry
		}
	}
	_, errs := bulletin.SubmitBatch(b, [][]byte{last, e.Phase(bulletin.PhaseClosed), e.Phase(bulletin.PhaseMixing)})
	for _, err := range errs {
		require.NoError(t, err)
	}
	in, pos, err := b.MixInput("council")
	require.NoError(t, err)
	require.Len(t, in, 3)
	for mixer := 1; mixer <= 2; mixer++ {
		st, err := e.MixStage(mixer, pos, in)
		require.NoError(t, err)
		post(t, b, st)
		in, pos, err = b.MixInput("council")
		require.NoError(t, err)
	}
	post(t, b, e.Phase(bulletin.PhaseDecrypting))
	var shares [][]byte
	for _, l := range b.DecryptionLists() {
		for j := 1; j <= 2; j++ {
			sh, err := e.DecryptionShares(j, l.Ciphertexts)
			require.NoError(t, err)
			shares = append(shares, sh)
		}
	}
	// The last shares and the result together: the board recounts from
	// shares it has not stored yet.
	for _, sh := range shares[:len(shares)-1] {
		post(t, b, sh)
	}
	_, errs = bulletin.SubmitBatch(b, [][]byte{shares[len(shares)-1]})
	require.NoError(t, errs[0])
	want, err := b.Result()
	require.NoError(t, err)
	// Post a fresh copy of the result with the last shares again in
	// another board, batched together.
	b2 := openBoard(t, e, bulletin.NewMemoryStore())
	entries := readAll(t, b) // small entries: each leaf is its entry
	for _, x := range entries[:len(entries)-1] {
		post(t, b2, x)
	}
	_, errs = bulletin.SubmitBatch(b2, [][]byte{entries[len(entries)-1], e.ResultEntry(want), e.Phase(bulletin.PhasePublished)})
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, bulletin.PhasePublished, b2.Phase())
}
