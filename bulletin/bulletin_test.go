package bulletin

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const testOrigin = "urna.example/election/test-1"

type board struct {
	log      *Log
	signer   note.Signer
	verifier note.Verifier
	entries  [][]byte
}

func newBoard(t testing.TB, n int) *board {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := NewBoardSigner(testOrigin, priv)
	require.NoError(t, err)
	verifier, err := NewBoardVerifier(testOrigin, priv.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	l, err := NewLog(NewMemoryHashStore(), testOrigin)
	require.NoError(t, err)
	b := &board{log: l, signer: signer, verifier: verifier}
	b.append(t, n)
	return b
}

func (b *board) append(t testing.TB, n int) {
	t.Helper()
	for range n {
		e := fmt.Appendf(nil, "entry %d", len(b.entries))
		i, err := b.log.Append(e)
		require.NoError(t, err)
		require.Equal(t, int64(len(b.entries)), i)
		b.entries = append(b.entries, e)
	}
}

func (b *board) checkpoint(t testing.TB) *Checkpoint {
	t.Helper()
	signed, err := b.log.Checkpoint(b.signer)
	require.NoError(t, err)
	c, err := ParseCheckpoint(signed, b.verifier, testOrigin)
	require.NoError(t, err)
	return c
}

// rootOf computes RFC 6962 MTH directly, independently of tlog's storage.
func rootOf(entries [][]byte) tlog.Hash {
	switch len(entries) {
	case 0:
		return emptyTreeHash
	case 1:
		return tlog.RecordHash(entries[0])
	}
	k := 1
	for k*2 < len(entries) {
		k *= 2
	}
	return tlog.NodeHash(rootOf(entries[:k]), rootOf(entries[k:]))
}

func TestAppendRoot(t *testing.T) {
	b := newBoard(t, 0)
	n, h, err := b.log.Root()
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, emptyTreeHash, h)
	for i := range 70 {
		b.append(t, 1)
		n, h, err := b.log.Root()
		require.NoError(t, err)
		assert.Equal(t, int64(i+1), n)
		assert.Equal(t, rootOf(b.entries), h, "size %d", n)
	}
	e, err := b.log.Entry(5)
	require.NoError(t, err)
	assert.Equal(t, b.entries[5], e)
	_, err = b.log.Entry(70)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = b.log.Append(make([]byte, MaxEntrySize+1))
	assert.Error(t, err)
	assert.Equal(t, int64(70), b.log.Size())
}

func TestReopenStore(t *testing.T) {
	b := newBoard(t, 10)
	l2, err := NewLog(b.log.store, testOrigin)
	require.NoError(t, err)
	assert.Equal(t, int64(10), l2.Size())
	_, err = NewLog(NewMemoryHashStore(), "bad\norigin")
	assert.Error(t, err)
}

func TestInclusionProofs(t *testing.T) {
	b := newBoard(t, 0)
	for _, size := range []int{1, 2, 3, 7, 8, 9, 100, 257} {
		b.append(t, size-len(b.entries))
		c := b.checkpoint(t)
		require.Equal(t, int64(size), c.Tree.N)
		for i := range size {
			p, err := b.log.InclusionProof(int64(i), c.Tree.N)
			require.NoError(t, err)
			require.NoError(t, VerifyInclusion(c, int64(i), b.entries[i], p), "entry %d of %d", i, size)
			assert.ErrorIs(t, VerifyInclusion(c, int64(i), append([]byte("x"), b.entries[i]...), p), ErrProof)
			if size > 1 {
				assert.ErrorIs(t, VerifyInclusion(c, int64((i+1)%size), b.entries[i], p), ErrProof)
			}
			if len(p) > 0 {
				bad := append(tlog.RecordProof(nil), p...)
				bad[0][0] ^= 1
				assert.ErrorIs(t, VerifyInclusion(c, int64(i), b.entries[i], bad), ErrProof)
			}
		}
		assert.ErrorIs(t, VerifyInclusion(c, int64(size), b.entries[0], nil), ErrProof)
	}
	// Inclusion in an older tree.
	c := b.checkpoint(t)
	p, err := b.log.InclusionProof(3, 5)
	require.NoError(t, err)
	old := &Checkpoint{Origin: testOrigin, Tree: tlog.Tree{N: 5, Hash: rootOf(b.entries[:5])}}
	require.NoError(t, VerifyInclusion(old, 3, b.entries[3], p))
	assert.ErrorIs(t, VerifyInclusion(c, 3, b.entries[3], p), ErrProof)
	_, err = b.log.InclusionProof(5, 5)
	assert.Error(t, err)
	_, err = b.log.InclusionProof(0, b.log.Size()+1)
	assert.Error(t, err)
}

func TestConsistencyProofs(t *testing.T) {
	b := newBoard(t, 300)
	r := mrand.New(mrand.NewPCG(1, 2))
	tree := func(n int64) *Checkpoint {
		h, err := b.log.RootAt(n)
		require.NoError(t, err)
		return &Checkpoint{Origin: testOrigin, Tree: tlog.Tree{N: n, Hash: h}}
	}
	for range 300 {
		m := r.Int64N(301)
		n := m + r.Int64N(301-m)
		p, err := b.log.ConsistencyProof(m, n)
		require.NoError(t, err)
		require.NoError(t, VerifyConsistency(tree(m), tree(n), p), "%d → %d", m, n)
		if len(p) > 0 {
			bad := append(tlog.TreeProof(nil), p...)
			bad[r.IntN(len(bad))][0] ^= 1
			assert.ErrorIs(t, VerifyConsistency(tree(m), tree(n), bad), ErrProof)
			assert.ErrorIs(t, VerifyConsistency(tree(m), tree(n), p[:len(p)-1]), ErrProof)
		}
		if m > 0 && m < n {
			wrong := tree(m)
			wrong.Tree.Hash[3] ^= 1
			assert.ErrorIs(t, VerifyConsistency(wrong, tree(n), p), ErrProof)
			assert.ErrorIs(t, VerifyConsistency(tree(n), tree(m), p), ErrProof)
		}
	}
	_, err := b.log.ConsistencyProof(5, 4)
	assert.Error(t, err)
	_, err = b.log.ConsistencyProof(5, 301)
	assert.Error(t, err)
}

func TestFollower(t *testing.T) {
	b := newBoard(t, 0)
	f, err := NewFollower(b.verifier, testOrigin, nil)
	require.NoError(t, err)
	var last int64
	for _, n := range []int{0, 1, 5, 5, 64, 65, 200} {
		b.append(t, n-len(b.entries))
		signed, err := b.log.Checkpoint(b.signer)
		require.NoError(t, err)
		p, err := b.log.ConsistencyProof(last, int64(n))
		require.NoError(t, err)
		require.NoError(t, f.Advance(signed, p), "to %d", n)
		assert.Equal(t, int64(n), f.Last().Tree.N)
		last = int64(n)
	}
	// A stale checkpoint (smaller size) is refused as a fork.
	old := newBoard(t, 0)
	old.signer, old.verifier = b.signer, b.verifier
	old.append(t, 10)
	stale, err := old.log.Checkpoint(old.signer)
	require.NoError(t, err)
	assert.ErrorIs(t, f.Advance(stale, nil), ErrFork)
	assert.Equal(t, int64(200), f.Last().Tree.N)
}

func TestFollowerDetectsFork(t *testing.T) {
	// Two logs with the same key and a common prefix of 20 entries whose
	// 21st entries differ.
	a := newBoard(t, 20)
	b := newBoard(t, 0)
	b.signer, b.verifier = a.signer, a.verifier
	b.append(t, 20)
	_, err := a.log.Append([]byte("honest"))
	require.NoError(t, err)
	_, err = b.log.Append([]byte("forked"))
	require.NoError(t, err)
	b.entries = append(b.entries, []byte("forked"))

	f, err := NewFollower(a.verifier, testOrigin, nil)
	require.NoError(t, err)
	ca, err := a.log.Checkpoint(a.signer)
	require.NoError(t, err)
	p, err := a.log.ConsistencyProof(0, 21)
	require.NoError(t, err)
	require.NoError(t, f.Advance(ca, p))

	cb, err := b.log.Checkpoint(b.signer)
	require.NoError(t, err)
	err = f.Advance(cb, nil)
	require.ErrorIs(t, err, ErrFork)
	var fe *ForkError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, ca, fe.Old.Signed)
	assert.Equal(t, cb, fe.Newer.Signed)

	// The forked log grows; its own consistency proof cannot link it to
	// the follower's view.
	b.append(t, 5)
	cb, err = b.log.Checkpoint(b.signer)
	require.NoError(t, err)
	pb, err := b.log.ConsistencyProof(21, 26)
	require.NoError(t, err)
	assert.ErrorIs(t, f.Advance(cb, pb), ErrProof)
	assert.Equal(t, int64(21), f.Last().Tree.N)

	// Checkpoints of the wrong key or origin are refused outright.
	other := newBoard(t, 30)
	co, err := other.log.Checkpoint(other.signer)
	require.NoError(t, err)
	assert.ErrorIs(t, f.Advance(co, nil), ErrCheckpoint)
}
