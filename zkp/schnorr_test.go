package zkp

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

func schnorrFixture(t testing.TB, r *testRand) (*Context, *elgamal.Element, *SchnorrProof) {
	ctx := testContext()
	x := r.scalar()
	p, err := ProveSchnorr(ctx, x, r)
	require.NoError(t, err)
	return ctx, new(elgamal.Element).ScalarBaseMult(x), p
}

func TestSchnorr(t *testing.T) {
	r := newTestRand(1)
	ctx, y, p := schnorrFixture(t, r)
	require.NoError(t, VerifySchnorr(ctx, y, p))

	t.Run("round trip", func(t *testing.T) {
		q, err := ParseSchnorrProof(p.Bytes())
		require.NoError(t, err)
		require.Equal(t, p.Bytes(), q.Bytes())
		require.NoError(t, VerifySchnorr(ctx, y, q))
	})
	t.Run("tampered statement", func(t *testing.T) {
		err := VerifySchnorr(ctx, new(elgamal.Element).Add(y, elgamal.NewGeneratorElement()), p)
		require.ErrorIs(t, err, ErrInvalidProof)
		require.Error(t, VerifySchnorr(ctx, elgamal.NewElement(), p))
	})
	t.Run("tampered proof", func(t *testing.T) {
		for _, field := range []int{0, 1} {
			q := *p
			if field == 0 {
				q.R.Add(&q.R, elgamal.NewGeneratorElement())
			} else {
				q.Z.Add(&q.Z, new(elgamal.Scalar).SetUint64(1))
			}
			require.ErrorIs(t, VerifySchnorr(ctx, y, &q), ErrInvalidProof)
		}
		q := *p
		q.R.Set(elgamal.NewElement())
		require.ErrorIs(t, VerifySchnorr(ctx, y, &q), elgamal.ErrIdentity)
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, c := range wrongContexts(ctx) {
			require.ErrorIs(t, VerifySchnorr(c, y, p), ErrInvalidProof)
		}
	})
	t.Run("non-canonical encoding", func(t *testing.T) {
		enc := p.Bytes()
		for _, m := range nonCanonicalMutations(enc, []fieldKind{kElement, kScalar}) {
			_, err := ParseSchnorrProof(m.b)
			require.ErrorIs(t, err, m.want, m.name)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
		}
	})
}

func TestBatchVerifySchnorr(t *testing.T) {
	r := newTestRand(2)
	ctx := testContext()
	stmts := make([]SchnorrStatement, 40)
	for i := range stmts {
		x := r.scalar()
		p, err := ProveSchnorr(ctx, x, r)
		require.NoError(t, err)
		stmts[i] = SchnorrStatement{Y: new(elgamal.Element).ScalarBaseMult(x), Proof: p}
	}
	require.NoError(t, BatchVerifySchnorr(ctx, stmts))
	require.NoError(t, BatchVerifySchnorr(ctx, nil))

	bad := append([]SchnorrStatement(nil), stmts...)
	tampered := *bad[3].Proof
	tampered.Z.Add(&tampered.Z, new(elgamal.Scalar).SetUint64(1))
	bad[3].Proof = &tampered
	bad[17].Y = stmts[18].Y
	bad[30].Y = elgamal.NewElement()
	err := BatchVerifySchnorr(ctx, bad)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Equal(t, []int{3, 17, 30}, be.Failed)
	require.ErrorIs(t, err, ErrInvalidProof)
	// Batch and one-by-one verification agree.
	for i := range bad {
		single := VerifySchnorr(ctx, bad[i].Y, bad[i].Proof)
		require.Equal(t, single != nil, i == 3 || i == 17 || i == 30, i)
	}
	require.ErrorAs(t, BatchVerifySchnorr(wrongContexts(ctx)[0], stmts), &be)
	require.Len(t, be.Failed, len(stmts))

	// Per-item contexts: dealers prove under their own index.
	dealers := make([]SchnorrStatement, 5)
	for i := range dealers {
		own := &Context{Election: ctx.Election, Prover: uint32(i + 1)}
		x := r.scalar()
		p, err := ProveSchnorr(own, x, r)
		require.NoError(t, err)
		dealers[i] = SchnorrStatement{Ctx: own, Y: new(elgamal.Element).ScalarBaseMult(x), Proof: p}
	}
	require.NoError(t, BatchVerifySchnorr(ctx, dealers))
	dealers[2].Ctx = dealers[3].Ctx // dealer 3 claims dealer 4's index
	require.ErrorAs(t, BatchVerifySchnorr(ctx, dealers), &be)
	require.Equal(t, []int{2}, be.Failed)
}

func TestProveSchnorrRejectsZero(t *testing.T) {
	_, err := ProveSchnorr(testContext(), elgamal.NewScalar(), newTestRand(3))
	require.ErrorIs(t, err, elgamal.ErrZeroScalar)
}

func FuzzParseSchnorrProof(f *testing.F) {
	_, _, p := schnorrFixture(f, newTestRand(4))
	f.Add(p.Bytes())
	f.Add(make([]byte, SchnorrProofSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := ParseSchnorrProof(b)
		if err != nil {
			if !errors.Is(err, elgamal.ErrLength) && !errors.Is(err, elgamal.ErrNonCanonical) && !errors.Is(err, elgamal.ErrIdentity) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if !bytes.Equal(q.Bytes(), b) {
			t.Fatalf("round trip changed the encoding")
		}
	})
}

func BenchmarkSchnorr(b *testing.B) {
	r := newTestRand(5)
	ctx, y, p := schnorrFixture(b, r)
	x := r.scalar()
	b.Run("prove", func(b *testing.B) {
		for b.Loop() {
			ProveSchnorr(ctx, x, r)
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			VerifySchnorr(ctx, y, p)
		}
	})
}

func BenchmarkBatchVerifySchnorr(b *testing.B) {
	r := newTestRand(6)
	ctx := testContext()
	const n = 1000
	encs := make([][]byte, n)
	ys := make([]*elgamal.Element, n)
	for i := range encs {
		x := r.scalar()
		p, _ := ProveSchnorr(ctx, x, r)
		encs[i], ys[i] = p.Bytes(), new(elgamal.Element).ScalarBaseMult(x)
	}
	b.ResetTimer()
	for b.Loop() {
		stmts := make([]SchnorrStatement, n)
		for i := range stmts {
			p, err := ParseSchnorrProof(encs[i])
			if err != nil {
				b.Fatal(err)
			}
			stmts[i] = SchnorrStatement{Y: ys[i], Proof: p}
		}
		if err := BatchVerifySchnorr(ctx, stmts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/proof")
}
