package zkp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

// rangeKinds is the field layout of an encoded RangeProof for [min, max].
func rangeKinds(min, max uint64) []fieldKind {
	k := bits.Len64(max - min)
	if k == 0 {
		return []fieldKind{kElement, kElement, kScalar}
	}
	var out []fieldKind
	for range k {
		out = append(out, kElement, kElement)
		out = append(out, zeroOneKinds...)
	}
	return out
}

// rangeFields returns pointers to every field of p.
func rangeFields(p *RangeProof) ([]*elgamal.Element, []*elgamal.Scalar) {
	var es []*elgamal.Element
	var ss []*elgamal.Scalar
	for i := range p.Bits {
		b := &p.Bits[i]
		e, s := zeroOneFields(&b.Proof)
		es = append(append(es, &b.C.Alpha, &b.C.Beta), e...)
		ss = append(ss, s...)
	}
	if e := p.Exact; e != nil {
		es = append(es, &e.A, &e.B)
		ss = append(ss, &e.Z)
	}
	return es, ss
}

// cloneRange returns a deep copy of p.
func cloneRange(p *RangeProof) *RangeProof {
	q := &RangeProof{Bits: append([]RangeBit(nil), p.Bits...)}
	if p.Exact != nil {
		e := *p.Exact
		q.Exact = &e
	}
	return q
}

func rangeFixture(t testing.TB, r *testRand, pk *elgamal.PublicKey, m, min, max uint64) (*elgamal.Ciphertext, *RangeProof) {
	c, x, err := pk.EncryptInt(m, r)
	require.NoError(t, err)
	p, err := ProveRange(testContext(), pk, c, m, x, min, max, r)
	require.NoError(t, err)
	return c, p
}

func TestRange(t *testing.T) {
	r := newTestRand(20)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	for _, rg := range [][2]uint64{{0, 1}, {0, 2}, {0, 3}, {0, 5}, {2, 7}, {3, 3}, {0, 100}} {
		min, max := rg[0], rg[1]
		t.Run(fmt.Sprintf("[%d,%d]", min, max), func(t *testing.T) {
			for m := min; m <= max; m++ {
				c, p := rangeFixture(t, r, pk, m, min, max)
				require.NoError(t, VerifyRange(ctx, pk, c, min, max, p), m)
				enc := p.Bytes()
				require.Len(t, enc, RangeProofSize(min, max), m)
				q, err := ParseRangeProof(enc, min, max)
				require.NoError(t, err, m)
				require.Equal(t, enc, q.Bytes(), m)
				require.NoError(t, VerifyRange(ctx, pk, c, min, max, q), m)
			}
		})
	}
}

func TestRangeLarge(t *testing.T) {
	r := newTestRand(21)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	for _, tc := range []struct{ m, min, max uint64 }{
		{0, 0, math.MaxUint64},
		{math.MaxUint64, 0, math.MaxUint64},
		{0x8000_0000_0000_0000, 0, math.MaxUint64},
		{0x7fff_ffff_ffff_ffff, 0, math.MaxUint64},
		{1 << 63, 1 << 63, math.MaxUint64},
		{math.MaxUint64, math.MaxUint64, math.MaxUint64},
		{1 << 40, 5, 1<<40 + 1},
		{3, 2, 1 << 33},
	} {
		c, p := rangeFixture(t, r, pk, tc.m, tc.min, tc.max)
		require.NoError(t, VerifyRange(ctx, pk, c, tc.min, tc.max, p), tc)
		require.Len(t, p.Bytes(), RangeProofSize(tc.min, tc.max), tc)
	}
}

// TestRangeWeights checks that the bit weights cover [0, R] exactly and
// that the constant-time decomposition finds every value.
func TestRangeWeights(t *testing.T) {
	check := func(R, v uint64) {
		ws, bs := rangeWeights(R), rangeDecompose(v, R)
		require.Len(t, bs, len(ws))
		var sum uint64
		for i := range ws {
			require.LessOrEqual(t, bs[i], uint64(1))
			sum += bs[i] * ws[i]
		}
		require.Equal(t, v, sum, "R=%d v=%d", R, v)
	}
	for R := range uint64(300) {
		ws := rangeWeights(R)
		require.Len(t, ws, bits.Len64(R))
		var total uint64
		for _, w := range ws {
			require.NotZero(t, w)
			total += w
		}
		require.Equal(t, R, total, "the largest provable value is R")
		for v := range R + 1 {
			check(R, v)
		}
	}
	r := newTestRand(22)
	for range 1000 {
		R := r.r.Uint64() >> (r.r.Uint64() % 64)
		for _, v := range []uint64{0, R, R / 2, r.r.Uint64() % (R/2 + 1), R - r.r.Uint64()%(R/2+1)} {
			check(R, v)
		}
	}
	check(math.MaxUint64, math.MaxUint64)
	require.Equal(t, 0, RangeProofSize(2, 1))
	require.Equal(t, RangeExactProofSize, RangeProofSize(4, 4))
	require.Equal(t, 3*RangeBitSize, RangeProofSize(2, 7))
}

func TestRangeProof(t *testing.T) {
	for _, rg := range [][3]uint64{{5, 2, 7}, {3, 3, 3}} {
		t.Run(fmt.Sprintf("[%d,%d]", rg[1], rg[2]), func(t *testing.T) { testRangeProof(t, rg[0], rg[1], rg[2]) })
	}
}

func testRangeProof(t *testing.T, m, min, max uint64) {
	r := newTestRand(23)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	c, p := rangeFixture(t, r, pk, m, min, max)
	require.NoError(t, VerifyRange(ctx, pk, c, min, max, p))

	t.Run("tampered statement", func(t *testing.T) {
		require.ErrorIs(t, VerifyRange(ctx, r.keyPair(t).PublicKey(), c, min, max, p), ErrInvalidProof)
		g := elgamal.NewGeneratorElement()
		d := new(elgamal.Ciphertext).Set(c)
		d.Alpha.Add(&d.Alpha, g)
		require.ErrorIs(t, VerifyRange(ctx, pk, d, min, max, p), ErrInvalidProof)
		d = new(elgamal.Ciphertext).Set(c)
		d.Beta.Add(&d.Beta, g)
		require.ErrorIs(t, VerifyRange(ctx, pk, d, min, max, p), ErrInvalidProof)
		d = new(elgamal.Ciphertext).Set(c)
		d.Alpha.Set(elgamal.NewElement())
		require.ErrorIs(t, VerifyRange(ctx, pk, d, min, max, p), elgamal.ErrIdentity)
		// Other ranges, of the same proof shape or not.
		for _, mm := range [][2]uint64{{min - 1, max}, {min + 1, max + 1}, {min, max + 1}, {min - 1, max - 1}, {0, 100}} {
			require.ErrorIs(t, VerifyRange(ctx, pk, c, mm[0], mm[1], p), ErrInvalidProof, mm)
		}
		if min < max {
			require.ErrorIs(t, VerifyRange(ctx, pk, c, min+1, max, p), ErrInvalidProof)
			require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max-1, p), ErrInvalidProof)
		}
		require.ErrorIs(t, VerifyRange(ctx, pk, c, max+1, max, p), ErrOutOfRange)
		require.ErrorIs(t, VerifyRange(ctx, pk, nil, min, max, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyRange(ctx, nil, c, min, max, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max, nil), ErrInvalidProof)
	})
	t.Run("tampered proof", func(t *testing.T) {
		es, ss := rangeFields(p)
		for i := range len(es) + len(ss) {
			q := cloneRange(p)
			es, ss := rangeFields(q)
			if i < len(es) {
				es[i].Add(es[i], elgamal.NewGeneratorElement())
			} else {
				ss[i-len(es)].Add(ss[i-len(es)], new(elgamal.Scalar).SetUint64(1))
			}
			require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max, q), ErrInvalidProof, i)
		}
		// A proof of the wrong shape.
		q := cloneRange(p)
		if len(q.Bits) > 0 {
			q.Bits = q.Bits[1:]
		} else {
			q.Exact = nil
		}
		require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max, q), ErrInvalidProof)
		q = cloneRange(p)
		if len(q.Bits) > 0 {
			q.Exact = &RangeExactProof{}
		} else {
			q.Bits = make([]RangeBit, 1)
		}
		require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max, q), ErrInvalidProof)
	})
	t.Run("identity", func(t *testing.T) {
		es, _ := rangeFields(p)
		enc := p.Bytes()
		for i := range es {
			q := cloneRange(p)
			es, _ := rangeFields(q)
			es[i].Set(elgamal.NewElement())
			b := append([]byte(nil), enc...)
			// Element i sits at byte 32·i, or later past each bit's scalars.
			off := 32 * i
			if len(p.Bits) > 0 {
				off = RangeBitSize*(i/6) + 32*(i%6)
			}
			copy(b[off:], make([]byte, 32))
			_, err := ParseRangeProof(b, min, max)
			if len(p.Bits) > 0 && i%6 == 1 {
				// A bit's β may be the identity, then the equations fail.
				require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max, q), ErrInvalidProof, i)
				require.NoError(t, err, i)
				continue
			}
			require.ErrorIs(t, VerifyRange(ctx, pk, c, min, max, q), elgamal.ErrIdentity, i)
			require.ErrorIs(t, err, elgamal.ErrIdentity, i)
			var fe *FieldError
			require.ErrorAs(t, err, &fe, i)
			require.Equal(t, off, fe.Offset, i)
		}
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, w := range wrongContexts(ctx) {
			require.ErrorIs(t, VerifyRange(w, pk, c, min, max, p), ErrInvalidProof)
		}
	})
	t.Run("non-canonical encoding", func(t *testing.T) {
		for _, mu := range nonCanonicalMutations(p.Bytes(), rangeKinds(min, max)) {
			_, err := ParseRangeProof(mu.b, min, max)
			require.ErrorIs(t, err, mu.want, mu.name)
			var fe *FieldError
			require.ErrorAs(t, err, &fe, mu.name)
		}
		_, err := ParseRangeProof(p.Bytes(), max+1, max)
		require.ErrorIs(t, err, ErrOutOfRange)
		_, err = ParseRangeProof(p.Bytes(), min, max+100)
		require.ErrorIs(t, err, elgamal.ErrLength)
	})
}

func TestProveRangeRejects(t *testing.T) {
	r := newTestRand(24)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	c, x, err := pk.EncryptInt(5, r)
	require.NoError(t, err)
	for _, rg := range [][2]uint64{{0, 4}, {6, 9}, {6, 6}, {4, 4}, {7, 2}} {
		_, err := ProveRange(ctx, pk, c, 5, x, rg[0], rg[1], r)
		require.ErrorIs(t, err, ErrOutOfRange, rg)
	}
	_, err = ProveRange(ctx, pk, c, 4, x, 0, 9, r)
	require.ErrorIs(t, err, ErrWitness)
	_, err = ProveRange(ctx, pk, c, 5, r.scalar(), 0, 9, r)
	require.ErrorIs(t, err, ErrWitness)
	_, err = ProveRange(ctx, pk, c, 5, elgamal.NewScalar(), 0, 9, r)
	require.ErrorIs(t, err, elgamal.ErrZeroScalar)
	_, err = ProveRange(ctx, nil, c, 5, x, 0, 9, r)
	require.Error(t, err)
}

// TestRangeSoundness runs the prover, bypassing its input checks, on
// values outside the range, and replays proofs of other ciphertexts: none
// verifies.
func TestRangeSoundness(t *testing.T) {
	r := newTestRand(25)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	for _, tc := range []struct{ m, min, max uint64 }{
		{6, 0, 5}, {9, 0, 5}, {8, 0, 7}, {1, 2, 7}, {0, 2, 7}, {8, 2, 7}, {2, 3, 3}, {4, 3, 3}, {2, 0, 1},
	} {
		c, x, err := pk.EncryptInt(tc.m, r)
		require.NoError(t, err)
		p, err := proveRange(ctx, pk, c, tc.m-tc.min, x, tc.min, tc.max, r)
		require.NoError(t, err)
		require.ErrorIs(t, VerifyRange(ctx, pk, c, tc.min, tc.max, p), ErrInvalidProof, tc)

		_, valid := rangeFixture(t, r, pk, tc.min, tc.min, tc.max)
		require.ErrorIs(t, VerifyRange(ctx, pk, c, tc.min, tc.max, valid), ErrInvalidProof, tc)
	}
}

// TestRangeSameShape checks that the prover consumes the same randomness
// and produces proofs of the same length for every value in the range.
func TestRangeSameShape(t *testing.T) {
	ctx := testContext()
	pk := newTestRand(26).keyPair(t).PublicKey()
	used := -1
	for m := range uint64(6) {
		c, x, err := pk.EncryptInt(m, newTestRand(27))
		require.NoError(t, err)
		cr := &countingReader{r: newTestRand(28)}
		p, err := ProveRange(ctx, pk, c, m, x, 0, 5, cr)
		require.NoError(t, err)
		require.NoError(t, VerifyRange(ctx, pk, c, 0, 5, p))
		require.Len(t, p.Bytes(), RangeProofSize(0, 5))
		if used >= 0 {
			require.Equal(t, used, cr.n, m)
		}
		used = cr.n
	}
}

func TestBatchVerifyRange(t *testing.T) {
	r := newTestRand(29)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	ranges := [][2]uint64{{0, 1}, {0, 5}, {2, 7}, {3, 3}, {0, 100}}
	stmts := make([]RangeStatement, 20)
	for i := range stmts {
		rg := ranges[i%len(ranges)]
		m := rg[0] + uint64(i)%(rg[1]-rg[0]+1)
		var own *Context
		use := ctx
		if i%4 == 1 {
			own = &Context{Election: ctx.Election, Binding: fmt.Appendf(nil, "voter-%d", i)}
			use = own
		}
		c, x, err := pk.EncryptInt(m, r)
		require.NoError(t, err)
		p, err := ProveRange(use, pk, c, m, x, rg[0], rg[1], r)
		require.NoError(t, err)
		stmts[i] = RangeStatement{Ctx: own, C: c, Min: rg[0], Max: rg[1], Proof: p}
	}
	require.NoError(t, BatchVerifyRange(ctx, pk, stmts))
	require.NoError(t, BatchVerifyRange(ctx, pk, nil))

	bad := append([]RangeStatement(nil), stmts...)
	q := cloneRange(bad[2].Proof)
	q.Bits[1].Proof.Z1.Add(&q.Bits[1].Proof.Z1, new(elgamal.Scalar).SetUint64(1))
	bad[2].Proof = q
	bad[5].Ctx = ctx // proved under its own context
	bad[7].Max = 6   // same shape, other range
	bad[8].Min = 4   // empty range
	bad[12].Proof = stmts[17].Proof
	bad[16].C = stmts[11].C
	want := []int{2, 5, 7, 8, 12, 16}
	err := BatchVerifyRange(ctx, pk, bad)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Equal(t, want, be.Failed)
	require.ErrorIs(t, err, ErrInvalidProof)
	for i, s := range bad {
		use := ctx
		if s.Ctx != nil {
			use = s.Ctx
		}
		single := VerifyRange(use, pk, s.C, s.Min, s.Max, s.Proof)
		require.Equal(t, single != nil, contains(want, i), i)
	}
	require.ErrorAs(t, BatchVerifyRange(wrongContexts(ctx)[1], pk, stmts), &be)
	var noCtx []int
	for i, s := range stmts {
		if s.Ctx == nil {
			noCtx = append(noCtx, i)
		}
	}
	require.Equal(t, noCtx, be.Failed)
	// Under a wrong key every item fails.
	require.ErrorAs(t, BatchVerifyRange(ctx, r.keyPair(t).PublicKey(), stmts), &be)
	require.Len(t, be.Failed, len(stmts))
}

func FuzzParseRangeProof(f *testing.F) {
	r := newTestRand(30)
	pk := r.keyPair(f).PublicKey()
	for _, rg := range [][3]uint64{{5, 2, 7}, {3, 3, 3}, {1, 0, 1}} {
		_, p := rangeFixture(f, r, pk, rg[0], rg[1], rg[2])
		f.Add(p.Bytes(), rg[1], rg[2])
	}
	f.Add(make([]byte, RangeBitSize), uint64(0), uint64(1))
	f.Add([]byte{}, uint64(2), uint64(1))
	f.Fuzz(func(t *testing.T, b []byte, min, max uint64) {
		q, err := ParseRangeProof(b, min, max)
		if err != nil {
			if !errors.Is(err, elgamal.ErrLength) && !errors.Is(err, elgamal.ErrNonCanonical) && !errors.Is(err, elgamal.ErrIdentity) && !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(b) != RangeProofSize(min, max) {
			t.Fatalf("accepted %d bytes for a proof of %d", len(b), RangeProofSize(min, max))
		}
		if !bytes.Equal(q.Bytes(), b) {
			t.Fatalf("round trip changed the encoding")
		}
	})
}

func BenchmarkRange(b *testing.B) {
	r := newTestRand(31)
	ctx := testContext()
	pk := r.keyPair(b).PublicKey()
	for _, R := range []uint64{1, 10, 100} {
		m := R / 2
		c, x, err := pk.EncryptInt(m, r)
		require.NoError(b, err)
		p, err := ProveRange(ctx, pk, c, m, x, 0, R, r)
		require.NoError(b, err)
		b.Run(fmt.Sprintf("R=%d/prove", R), func(b *testing.B) {
			for b.Loop() {
				ProveRange(ctx, pk, c, m, x, 0, R, r)
			}
		})
		b.Run(fmt.Sprintf("R=%d/verify", R), func(b *testing.B) {
			for b.Loop() {
				VerifyRange(ctx, pk, c, 0, R, p)
			}
		})
	}
}

// A statement from DecodeRangeStatement hashes the proof's bytes as
// decoded; replacing the proof or the range afterwards drops them.
func TestDecodeRangeStatement(t *testing.T) {
	r := newTestRand(62)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	var stmts []RangeStatement
	var plain []*RangeProof
	for _, rg := range [][2]uint64{{0, 1}, {0, 5}, {3, 3}, {1, 2}} {
		c, x, err := pk.EncryptInt(rg[0], r)
		require.NoError(t, err)
		p, err := ProveRange(ctx, pk, c, rg[0], x, rg[0], rg[1], r)
		require.NoError(t, err)
		st, err := DecodeRangeStatement(nil, c, rg[0], rg[1], p.Bytes())
		require.NoError(t, err)
		require.Equal(t, p.Bytes(), st.Proof.Bytes())
		stmts = append(stmts, st)
		plain = append(plain, p)
	}
	require.NoError(t, BatchVerifyRange(ctx, pk, stmts))

	_, err := DecodeRangeStatement(nil, stmts[0].C, 0, 1, plain[0].Bytes()[:10])
	require.ErrorIs(t, err, elgamal.ErrLength)
	_, err = DecodeRangeStatement(nil, stmts[0].C, 2, 1, nil)
	require.ErrorIs(t, err, ErrOutOfRange)

	bad := append([]RangeStatement(nil), stmts...)
	bad[0].Proof = plain[3] // a proof for [1, 2], same shape
	bad[1].C = stmts[0].C
	bad[3].Min, bad[3].Max = 0, 1 // same shape, other range
	var be *BatchError
	require.ErrorAs(t, BatchVerifyRange(ctx, pk, bad), &be)
	require.Equal(t, []int{0, 1, 3}, be.Failed)
}
