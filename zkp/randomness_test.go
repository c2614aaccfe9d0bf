package zkp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

// ballotFixture encrypts width random elements under a fresh key and
// proves knowledge of the randomness under ctx.
func ballotFixture(t testing.TB, r *testRand, ctx *Context, pk *elgamal.PublicKey, width int) (elgamal.CiphertextVector, []*elgamal.Scalar, *RandomnessProof) {
	ms := make([]*elgamal.Element, width)
	for i := range ms {
		ms[i] = r.element()
	}
	v, rs, err := pk.EncryptVector(ms, r)
	require.NoError(t, err)
	p, err := ProveRandomness(ctx, pk, v, rs, r)
	require.NoError(t, err)
	return v, rs, p
}

func randomnessKinds(width int) []fieldKind {
	kinds := make([]fieldKind, 0, 2*width)
	for range width {
		kinds = append(kinds, kElement)
	}
	for range width {
		kinds = append(kinds, kScalar)
	}
	return kinds
}

func TestRandomness(t *testing.T) {
	for _, width := range []int{1, 3} {
		t.Run(fmt.Sprintf("width=%d", width), func(t *testing.T) { testRandomness(t, width) })
	}
}

func testRandomness(t *testing.T, width int) {
	r := newTestRand(byte(20 + width))
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	v, rs, p := ballotFixture(t, r, ctx, pk, width)
	require.Equal(t, width, p.Width())
	require.NoError(t, VerifyRandomness(ctx, pk, v, p))
	g := elgamal.NewGeneratorElement()
	one := new(elgamal.Scalar).SetUint64(1)

	t.Run("round trip", func(t *testing.T) {
		enc := p.Bytes()
		require.Len(t, enc, RandomnessProofSize(width))
		q, err := ParseRandomnessProof(enc, width)
		require.NoError(t, err)
		require.Equal(t, enc, q.Bytes())
		require.NoError(t, VerifyRandomness(ctx, pk, v, q))
	})
	t.Run("tampered statement", func(t *testing.T) {
		for i := range v {
			for _, beta := range []bool{false, true} {
				w := append(elgamal.CiphertextVector(nil), v...)
				if beta {
					w[i].Beta.Add(&w[i].Beta, g)
				} else {
					w[i].Alpha.Add(&w[i].Alpha, g)
				}
				require.ErrorIs(t, VerifyRandomness(ctx, pk, w, p), ErrInvalidProof, i)
			}
			w := append(elgamal.CiphertextVector(nil), v...)
			w[i].Alpha.Set(elgamal.NewElement())
			err := VerifyRandomness(ctx, pk, w, p)
			require.ErrorIs(t, err, elgamal.ErrIdentity)
			require.ErrorContains(t, err, fmt.Sprintf("ciphertext %d", i))
		}
		other := r.keyPair(t).PublicKey()
		require.ErrorIs(t, VerifyRandomness(ctx, other, v, p), ErrInvalidProof)
		require.Error(t, VerifyRandomness(ctx, nil, v, p))
		if width > 1 {
			// Components are ordered.
			w := append(elgamal.CiphertextVector(nil), v...)
			w[0], w[1] = w[1], w[0]
			require.ErrorIs(t, VerifyRandomness(ctx, pk, w, p), ErrInvalidProof)
		}
	})
	t.Run("width mismatch", func(t *testing.T) {
		longer := append(append(elgamal.CiphertextVector(nil), v...), v[0])
		require.ErrorIs(t, VerifyRandomness(ctx, pk, longer, p), elgamal.ErrWidth)
		require.ErrorIs(t, VerifyRandomness(ctx, pk, longer, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyRandomness(ctx, pk, nil, p), elgamal.ErrWidth)
		q := &RandomnessProof{A: p.A, Z: p.Z[:width-1]}
		require.ErrorIs(t, VerifyRandomness(ctx, pk, v, q), elgamal.ErrWidth)
		// Under a wrong width, a response is read as a commitment (which
		// may fail to decode) or the length is wrong.
		for _, w := range []int{width - 1, width + 1} {
			_, err := ParseRandomnessProof(p.Bytes(), w)
			require.True(t, errors.Is(err, elgamal.ErrLength) || errors.Is(err, elgamal.ErrNonCanonical), "%v", err)
		}
		_, err := ParseRandomnessProof(p.Bytes(), -1)
		require.ErrorIs(t, err, elgamal.ErrLength)
	})
	t.Run("tampered proof", func(t *testing.T) {
		for i := range width {
			q := &RandomnessProof{A: append([]elgamal.Element(nil), p.A...), Z: p.Z}
			q.A[i].Add(&q.A[i], g)
			require.ErrorIs(t, VerifyRandomness(ctx, pk, v, q), ErrInvalidProof, i)
			q.A[i].Set(elgamal.NewElement())
			err := VerifyRandomness(ctx, pk, v, q)
			require.ErrorIs(t, err, elgamal.ErrIdentity, i)
			require.ErrorContains(t, err, fmt.Sprintf("A[%d]", i))

			q = &RandomnessProof{A: p.A, Z: append([]elgamal.Scalar(nil), p.Z...)}
			q.Z[i].Add(&q.Z[i], one)
			require.ErrorIs(t, VerifyRandomness(ctx, pk, v, q), ErrInvalidProof, i)
		}
		require.Error(t, VerifyRandomness(ctx, pk, v, nil))
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, c := range wrongContexts(ctx) {
			require.ErrorIs(t, VerifyRandomness(c, pk, v, p), ErrInvalidProof)
		}
	})
	t.Run("copied ballot", func(t *testing.T) {
		// The same ballot submitted under another voter's credential.
		other := &Context{Election: ctx.Election, Prover: ctx.Prover, Binding: []byte("another credential")}
		require.ErrorIs(t, VerifyRandomness(other, pk, v, p), ErrInvalidProof)
		// A re-randomised copy: same plaintexts, but the copier knows only
		// the difference of the randomness, and the old proof is for the
		// old α.
		w, _, err := pk.ReEncryptVector(v, r)
		require.NoError(t, err)
		require.ErrorIs(t, VerifyRandomness(ctx, pk, w, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyRandomness(other, pk, w, p), ErrInvalidProof)
	})
	t.Run("encoding", func(t *testing.T) {
		enc := p.Bytes()
		for _, m := range nonCanonicalMutations(enc, randomnessKinds(width)) {
			_, err := ParseRandomnessProof(m.b, width)
			require.ErrorIs(t, err, m.want, m.name)
			var fe *FieldError
			require.ErrorAs(t, err, &fe, m.name)
		}
		for i := range width {
			b := append([]byte(nil), enc...)
			copy(b[32*i:], elgamal.NewElement().Bytes())
			_, err := ParseRandomnessProof(b, width)
			require.ErrorIs(t, err, elgamal.ErrIdentity)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, fmt.Sprintf("A[%d]", i), fe.Field)
			require.Equal(t, 32*i, fe.Offset)
		}
	})
	t.Run("prover rejects", func(t *testing.T) {
		_, err := ProveRandomness(ctx, pk, v, rs[:width-1], r)
		require.ErrorIs(t, err, elgamal.ErrWidth)
		_, err = ProveRandomness(ctx, pk, nil, nil, r)
		require.ErrorIs(t, err, elgamal.ErrWidth)
		_, err = ProveRandomness(ctx, nil, v, rs, r)
		require.Error(t, err)
		wrong := append([]*elgamal.Scalar(nil), rs...)
		wrong[width-1] = new(elgamal.Scalar).Add(wrong[width-1], one)
		_, err = ProveRandomness(ctx, pk, v, wrong, r)
		require.ErrorIs(t, err, ErrWitness)
		wrong[width-1] = elgamal.NewScalar()
		_, err = ProveRandomness(ctx, pk, v, wrong, r)
		require.ErrorIs(t, err, elgamal.ErrZeroScalar)
	})
}

// credentialBallots makes n ballots of the given width, each bound to its
// own credential.
func credentialBallots(t testing.TB, r *testRand, pk *elgamal.PublicKey, n, width int) []RandomnessStatement {
	stmts := make([]RandomnessStatement, n)
	for i := range stmts {
		ctx := &Context{Election: testContext().Election, Binding: fmt.Appendf(nil, "credential-%d", i)}
		v, _, p := ballotFixture(t, r, ctx, pk, width)
		stmts[i] = RandomnessStatement{Ctx: ctx, Vector: v, Proof: p}
	}
	return stmts
}

func TestBatchVerifyRandomness(t *testing.T) {
	r := newTestRand(30)
	pk := r.keyPair(t).PublicKey()
	stmts := credentialBallots(t, r, pk, 30, 2)
	require.NoError(t, BatchVerifyRandomness(nil, pk, stmts))
	require.NoError(t, BatchVerifyRandomness(nil, pk, nil))
	require.Error(t, BatchVerifyRandomness(nil, nil, stmts))

	bad := append([]RandomnessStatement(nil), stmts...)
	// Ballot 1 copied under credential 4, in place of ballot 4.
	bad[4].Vector, bad[4].Proof = stmts[1].Vector, stmts[1].Proof
	rerand, _, err := pk.ReEncryptVector(stmts[9].Vector, r)
	require.NoError(t, err)
	bad[9].Vector = rerand
	bad[12].Proof = &RandomnessProof{A: stmts[12].Proof.A[:1], Z: stmts[12].Proof.Z[:1]}
	bad[17].Vector = append(elgamal.CiphertextVector(nil), stmts[17].Vector...)
	bad[17].Vector[1].Alpha.Set(elgamal.NewElement())
	z := append([]elgamal.Scalar(nil), stmts[22].Proof.Z...)
	z[1].Add(&z[1], new(elgamal.Scalar).SetUint64(1))
	bad[22].Proof = &RandomnessProof{A: stmts[22].Proof.A, Z: z}
	bad[29].Ctx = nil // falls back to the batch's Context
	want := []int{4, 9, 12, 17, 22, 29}
	single := func(i int) error { return VerifyRandomness(bad[i].Ctx, pk, bad[i].Vector, bad[i].Proof) }
	requireBatchFailures(t, BatchVerifyRandomness(nil, pk, bad), want, len(bad), single)

	var be *BatchError
	require.ErrorAs(t, BatchVerifyRandomness(nil, pk, bad), &be)
	require.ErrorIs(t, be.Errs[2], elgamal.ErrWidth)
	require.ErrorIs(t, be.Errs[3], elgamal.ErrIdentity)

	// The batch's Context serves statements without their own.
	bad[29].Ctx = nil
	require.NoError(t, BatchVerifyRandomness(stmts[29].Ctx, pk, bad[25:]))
	// Another key fails everything.
	require.ErrorAs(t, BatchVerifyRandomness(nil, r.keyPair(t).PublicKey(), stmts), &be)
	require.Len(t, be.Failed, len(stmts))
}

func FuzzParseRandomnessProof(f *testing.F) {
	r := newTestRand(31)
	pk := r.keyPair(f).PublicKey()
	for _, width := range []int{1, 2} {
		_, _, p := ballotFixture(f, r, testContext(), pk, width)
		f.Add(p.Bytes(), uint8(width))
		f.Add(p.Bytes(), uint8(width+1))
	}
	f.Add(make([]byte, RandomnessProofSize(3)), uint8(3))
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, w uint8) {
		width := int(w)
		q, err := ParseRandomnessProof(b, width)
		if err != nil {
			if !errors.Is(err, elgamal.ErrLength) && !errors.Is(err, elgamal.ErrNonCanonical) && !errors.Is(err, elgamal.ErrIdentity) {
				t.Fatalf("untyped error: %v", err)
			}
			var fe *FieldError
			if width > 0 && !errors.As(err, &fe) {
				t.Fatalf("error without field: %v", err)
			}
			return
		}
		if q.Width() != width || len(q.Z) != width {
			t.Fatalf("parsed width %d, want %d", q.Width(), width)
		}
		if !bytes.Equal(q.Bytes(), b) {
			t.Fatalf("round trip changed the encoding")
		}
	})
}

func BenchmarkRandomness(b *testing.B) {
	r := newTestRand(32)
	pk := r.keyPair(b).PublicKey()
	for _, width := range []int{1, 4} {
		ctx := testContext()
		v, rs, p := ballotFixture(b, r, ctx, pk, width)
		b.Run(fmt.Sprintf("width=%d/prove", width), func(b *testing.B) {
			for b.Loop() {
				ProveRandomness(ctx, pk, v, rs, r)
			}
		})
		b.Run(fmt.Sprintf("width=%d/verify", width), func(b *testing.B) {
			for b.Loop() {
				VerifyRandomness(ctx, pk, v, p)
			}
		})
		// 1000 ballots, each under its own credential, with the proofs
		// decoded from bytes.
		b.Run(fmt.Sprintf("width=%d/batch=1000", width), func(b *testing.B) {
			stmts := credentialBallots(b, r, pk, 1000, width)
			encs := make([][]byte, len(stmts))
			for i := range stmts {
				encs[i] = stmts[i].Proof.Bytes()
			}
			b.ResetTimer()
			for b.Loop() {
				for i := range stmts {
					var err error
					if stmts[i].Proof, err = ParseRandomnessProof(encs[i], width); err != nil {
						b.Fatal(err)
					}
				}
				if err := BatchVerifyRandomness(nil, pk, stmts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(stmts)), "µs/proof")
		})
	}
}
