package zkp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

// zeroOneKinds is the field layout of an encoded ZeroOneProof.
var zeroOneKinds = []fieldKind{kElement, kElement, kElement, kElement, kScalar, kScalar, kScalar}

// zeroOneFields returns pointers to the fields of p in encoding order.
func zeroOneFields(p *ZeroOneProof) ([]*elgamal.Element, []*elgamal.Scalar) {
	return []*elgamal.Element{&p.A0, &p.B0, &p.A1, &p.B1}, []*elgamal.Scalar{&p.C0, &p.Z0, &p.Z1}
}

func zeroOneFixture(t testing.TB, r *testRand, m uint64) (*Context, *elgamal.PublicKey, *elgamal.Ciphertext, *ZeroOneProof) {
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	c, _, p, err := EncryptZeroOne(ctx, pk, m, r)
	require.NoError(t, err)
	return ctx, pk, c, p
}

// countingReader counts the random bytes a prover consumes.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestZeroOne(t *testing.T) {
	for _, m := range []uint64{0, 1} {
		t.Run(fmt.Sprint("m=", m), func(t *testing.T) { testZeroOne(t, m) })
	}
}

func testZeroOne(t *testing.T, m uint64) {
	r := newTestRand(byte(10 + m))
	ctx, pk, c, p := zeroOneFixture(t, r, m)
	require.NoError(t, VerifyZeroOne(ctx, pk, c, p))

	t.Run("prove existing ciphertext", func(t *testing.T) {
		c2, r2, err := pk.EncryptInt(m, r)
		require.NoError(t, err)
		p2, err := ProveZeroOne(ctx, pk, c2, m, r2, r)
		require.NoError(t, err)
		require.NoError(t, VerifyZeroOne(ctx, pk, c2, p2))
		require.ErrorIs(t, VerifyZeroOne(ctx, pk, c, p2), ErrInvalidProof)
	})
	t.Run("round trip", func(t *testing.T) {
		enc := p.Bytes()
		require.Len(t, enc, ZeroOneProofSize)
		q, err := ParseZeroOneProof(enc)
		require.NoError(t, err)
		require.Equal(t, enc, q.Bytes())
		require.NoError(t, VerifyZeroOne(ctx, pk, c, q))
	})
	t.Run("tampered statement", func(t *testing.T) {
		other := r.keyPair(t).PublicKey()
		require.ErrorIs(t, VerifyZeroOne(ctx, other, c, p), ErrInvalidProof)
		g := elgamal.NewGeneratorElement()
		for i := range 2 {
			d := new(elgamal.Ciphertext).Set(c)
			if i == 0 {
				d.Alpha.Add(&d.Alpha, g)
			} else {
				d.Beta.Add(&d.Beta, g) // now encrypts m + 1
			}
			require.ErrorIs(t, VerifyZeroOne(ctx, pk, d, p), ErrInvalidProof, i)
		}
		d := new(elgamal.Ciphertext).Set(c)
		d.Alpha.Set(elgamal.NewElement())
		require.ErrorIs(t, VerifyZeroOne(ctx, pk, d, p), elgamal.ErrIdentity)
		require.ErrorIs(t, VerifyZeroOne(ctx, pk, nil, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyZeroOne(ctx, nil, c, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyZeroOne(ctx, pk, c, nil), ErrInvalidProof)
	})
	t.Run("tampered proof", func(t *testing.T) {
		for i := range 7 {
			q := *p
			es, ss := zeroOneFields(&q)
			if i < len(es) {
				es[i].Add(es[i], elgamal.NewGeneratorElement())
			} else {
				ss[i-len(es)].Add(ss[i-len(es)], new(elgamal.Scalar).SetUint64(1))
			}
			require.ErrorIs(t, VerifyZeroOne(ctx, pk, c, &q), ErrInvalidProof, i)
		}
	})
	t.Run("identity commitments", func(t *testing.T) {
		for i := range 4 {
			q := *p
			es, _ := zeroOneFields(&q)
			es[i].Set(elgamal.NewElement())
			require.ErrorIs(t, VerifyZeroOne(ctx, pk, c, &q), elgamal.ErrIdentity, i)

			enc := p.Bytes()
			copy(enc[32*i:], make([]byte, 32))
			_, err := ParseZeroOneProof(enc)
			require.ErrorIs(t, err, elgamal.ErrIdentity, i)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, 32*i, fe.Offset)
		}
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, w := range wrongContexts(ctx) {
			require.ErrorIs(t, VerifyZeroOne(w, pk, c, p), ErrInvalidProof)
		}
	})
	t.Run("non-canonical encoding", func(t *testing.T) {
		for _, mu := range nonCanonicalMutations(p.Bytes(), zeroOneKinds) {
			_, err := ParseZeroOneProof(mu.b)
			require.ErrorIs(t, err, mu.want, mu.name)
			var fe *FieldError
			require.ErrorAs(t, err, &fe, mu.name)
		}
	})
}

func TestProveZeroOneRejects(t *testing.T) {
	r := newTestRand(12)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()

	_, _, _, err := EncryptZeroOne(ctx, pk, 2, r)
	require.ErrorIs(t, err, ErrOutOfRange)
	_, _, _, err = EncryptZeroOne(ctx, nil, 0, r)
	require.Error(t, err)

	c2, r2, err := pk.EncryptInt(2, r)
	require.NoError(t, err)
	_, err = ProveZeroOne(ctx, pk, c2, 2, r2, r)
	require.ErrorIs(t, err, ErrOutOfRange)
	for _, m := range []uint64{0, 1} {
		_, err = ProveZeroOne(ctx, pk, c2, m, r2, r)
		require.ErrorIs(t, err, ErrWitness)
	}
	c1, r1, err := pk.EncryptInt(1, r)
	require.NoError(t, err)
	_, err = ProveZeroOne(ctx, pk, c1, 0, r1, r)
	require.ErrorIs(t, err, ErrWitness)
	_, err = ProveZeroOne(ctx, pk, c1, 1, r2, r)
	require.ErrorIs(t, err, ErrWitness)
	_, err = ProveZeroOne(ctx, pk, c1, 1, elgamal.NewScalar(), r)
	require.ErrorIs(t, err, elgamal.ErrZeroScalar)
	_, err = ProveZeroOne(ctx, pk, nil, 1, r1, r)
	require.Error(t, err)
	_, err = ProveZeroOne(ctx, pk, c1, 1, r1, io.LimitReader(r, 10))
	require.Error(t, err)
}

// TestZeroOneSoundness runs the prover, bypassing its input checks, on a
// ciphertext of 2, and replays proofs of other ciphertexts: none verifies.
func TestZeroOneSoundness(t *testing.T) {
	r := newTestRand(13)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	c2, r2, err := pk.EncryptInt(2, r)
	require.NoError(t, err)
	for _, m := range []uint64{0, 1, 2} {
		p, err := proveZeroOne(ctx, pk, c2, m, r2, r)
		require.NoError(t, err)
		require.ErrorIs(t, VerifyZeroOne(ctx, pk, c2, p), ErrInvalidProof, m)
	}
	for _, m := range []uint64{0, 1} {
		_, _, p, err := EncryptZeroOne(ctx, pk, m, r)
		require.NoError(t, err)
		require.ErrorIs(t, VerifyZeroOne(ctx, pk, c2, p), ErrInvalidProof, m)
	}
}

// TestZeroOneSameShape checks that the prover's observable behaviour does
// not depend on the vote: for m = 0 and m = 1, from the same random stream,
// it consumes the same randomness, produces the same ciphertext randomness
// and proofs of the same length that both verify, with non-identity
// commitments on both branches.
func TestZeroOneSameShape(t *testing.T) {
	ctx := testContext()
	pk := newTestRand(14).keyPair(t).PublicKey()
	var used [2]int
	var alphas [2][]byte
	for m := range uint64(2) {
		cr := &countingReader{r: newTestRand(15)}
		c, _, p, err := EncryptZeroOne(ctx, pk, m, cr)
		require.NoError(t, err)
		require.NoError(t, VerifyZeroOne(ctx, pk, c, p))
		require.Len(t, p.Bytes(), ZeroOneProofSize)
		require.NoError(t, orCheckCommitments(p))
		used[m], alphas[m] = cr.n, c.Alpha.Bytes()
	}
	require.Equal(t, used[0], used[1])
	require.Equal(t, alphas[0], alphas[1])
}

func zeroOneBatch(t testing.TB, r *testRand, pk *elgamal.PublicKey, ctx *Context, n int) []ZeroOneStatement {
	stmts := make([]ZeroOneStatement, n)
	for i := range stmts {
		var own *Context
		if i%3 == 0 {
			// A voter's own credential binding.
			own = &Context{Election: ctx.Election, Binding: fmt.Appendf(nil, "voter-%d", i)}
		}
		use := ctx
		if own != nil {
			use = own
		}
		c, _, p, err := EncryptZeroOne(use, pk, uint64(i)&1, r)
		require.NoError(t, err)
		stmts[i] = ZeroOneStatement{Ctx: own, C: c, Proof: p}
	}
	return stmts
}

func TestBatchVerifyZeroOne(t *testing.T) {
	r := newTestRand(16)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	stmts := zeroOneBatch(t, r, pk, ctx, 40)
	require.NoError(t, BatchVerifyZeroOne(ctx, pk, stmts))
	require.NoError(t, BatchVerifyZeroOne(ctx, pk, nil))
	require.NoError(t, BatchVerifyZeroOne(ctx, pk, stmts[:3]))

	bad := append([]ZeroOneStatement(nil), stmts...)
	tampered := *bad[4].Proof
	tampered.Z0.Add(&tampered.Z0, new(elgamal.Scalar).SetUint64(1))
	bad[4].Proof = &tampered
	bad[17].C = stmts[16].C
	bad[20].C = &elgamal.Ciphertext{}
	bad[20].C.Alpha.Set(elgamal.NewElement())
	bad[27].Ctx = wrongContexts(stmts[27].Ctx)[2] // another voter's binding
	bad[33].Ctx = nil                             // proved under its own context
	bad[35].Proof = nil
	want := []int{4, 17, 20, 27, 33, 35}
	err := BatchVerifyZeroOne(ctx, pk, bad)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Equal(t, want, be.Failed)
	require.ErrorIs(t, err, ErrInvalidProof)
	// Batch and one-by-one verification agree.
	for i, s := range bad {
		use := ctx
		if s.Ctx != nil {
			use = s.Ctx
		}
		single := VerifyZeroOne(use, pk, s.C, s.Proof)
		require.Equal(t, single != nil, contains(want, i), i)
	}

	// Under a wrong batch context exactly the items without their own fail.
	require.ErrorAs(t, BatchVerifyZeroOne(wrongContexts(ctx)[0], pk, stmts), &be)
	var noCtx []int
	for i, s := range stmts {
		if s.Ctx == nil {
			noCtx = append(noCtx, i)
		}
	}
	require.Equal(t, noCtx, be.Failed)
	// Under a wrong key every item fails.
	require.ErrorAs(t, BatchVerifyZeroOne(ctx, r.keyPair(t).PublicKey(), stmts), &be)
	require.Len(t, be.Failed, len(stmts))
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func FuzzParseZeroOneProof(f *testing.F) {
	_, _, _, p := zeroOneFixture(f, newTestRand(17), 1)
	f.Add(p.Bytes())
	f.Add(make([]byte, ZeroOneProofSize))
	f.Add(p.Bytes()[:ZeroOneProofSize-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := ParseZeroOneProof(b)
		if err != nil {
			if !errors.Is(err, elgamal.ErrLength) && !errors.Is(err, elgamal.ErrNonCanonical) && !errors.Is(err, elgamal.ErrIdentity) {
				t.Fatalf("untyped error: %v", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error without field: %v", err)
			}
			return
		}
		if !bytes.Equal(q.Bytes(), b) {
			t.Fatalf("round trip changed the encoding")
		}
	})
}

func BenchmarkZeroOne(b *testing.B) {
	r := newTestRand(18)
	ctx, pk, c, p := zeroOneFixture(b, r, 1)
	b.Run("encrypt+prove", func(b *testing.B) {
		for b.Loop() {
			EncryptZeroOne(ctx, pk, 1, r)
		}
	})
	b.Run("prove", func(b *testing.B) {
		c, x, err := pk.EncryptInt(1, r)
		require.NoError(b, err)
		for b.Loop() {
			ProveZeroOne(ctx, pk, c, 1, x, r)
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			VerifyZeroOne(ctx, pk, c, p)
		}
	})
	b.Run("batch1000+decode", func(b *testing.B) {
		const n = 1000
		encC, encP := make([][]byte, n), make([][]byte, n)
		for i := range n {
			c, _, p, err := EncryptZeroOne(ctx, pk, uint64(i)&1, r)
			require.NoError(b, err)
			encC[i], encP[i] = c.Bytes(), p.Bytes()
		}
		for b.Loop() {
			stmts := make([]ZeroOneStatement, n)
			for i := range stmts {
				c, err := new(elgamal.Ciphertext).SetCanonicalBytes(encC[i])
				require.NoError(b, err)
				p, err := ParseZeroOneProof(encP[i])
				require.NoError(b, err)
				stmts[i] = ZeroOneStatement{C: c, Proof: p}
			}
			require.NoError(b, BatchVerifyZeroOne(ctx, pk, stmts))
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/proof")
	})
}

// A statement from DecodeZeroOneStatement hashes the bytes it was decoded
// from, and those bytes can only be set by decoding them: the same proofs
// verify, bytes that do not decode are refused, and a statement whose C or
// proof is replaced afterwards is checked against the replacement, so a
// proof cannot be verified for one ciphertext while another is hashed.
func TestDecodeZeroOneStatement(t *testing.T) {
	r := newTestRand(61)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	plain := zeroOneBatch(t, r, pk, ctx, 6)
	stmts := make([]ZeroOneStatement, len(plain))
	for i := range plain {
		enc := append(plain[i].C.Bytes(), plain[i].Proof.Bytes()...)
		var err error
		stmts[i], err = DecodeZeroOneStatement(plain[i].Ctx, enc, new(elgamal.Ciphertext), new(ZeroOneProof))
		require.NoError(t, err)
		require.Equal(t, plain[i].C.Bytes(), stmts[i].C.Bytes())
		require.Equal(t, plain[i].Proof.Bytes(), stmts[i].Proof.Bytes())
	}
	require.NoError(t, BatchVerifyZeroOne(ctx, pk, stmts))

	enc := append(plain[0].C.Bytes(), plain[0].Proof.Bytes()...)
	_, err := DecodeZeroOneStatement(nil, enc[:100], new(elgamal.Ciphertext), new(ZeroOneProof))
	require.ErrorIs(t, err, elgamal.ErrLength)
	bad := bytes.Clone(enc)
	bad[0] |= 1 // a negative α
	_, err = DecodeZeroOneStatement(nil, bad, new(elgamal.Ciphertext), new(ZeroOneProof))
	require.ErrorIs(t, err, elgamal.ErrNonCanonical)
	_, err = DecodeZeroOneStatement(nil, enc, nil, new(ZeroOneProof))
	require.Error(t, err)

	// An encryption of 2 with the proof of another ciphertext: replacing
	// the decoded C (or the proof) drops the remembered bytes, so the
	// challenge is that of the new statement and the forgery fails.
	two, _, err := pk.EncryptInt(2, r)
	require.NoError(t, err)
	forged := append([]ZeroOneStatement(nil), stmts...)
	forged[1].C = two
	forged[2].Proof = plain[3].Proof
	forged[4] = stmts[5]
	forged[4].Ctx = &Context{Election: []byte("another")}
	var be *BatchError
	require.ErrorAs(t, BatchVerifyZeroOne(ctx, pk, forged), &be)
	require.Equal(t, []int{1, 2, 4}, be.Failed)
	require.ErrorIs(t, VerifyZeroOne(ctx, pk, two, stmts[1].Proof), ErrInvalidProof)
}

// The remembered encodings are unexported: the public fields of the
// statements are exactly these, none of them bytes a caller could set.
func TestStatementFieldsPublic(t *testing.T) {
	exported := func(v any) []string {
		var out []string
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			if f := ty.Field(i); f.IsExported() {
				out = append(out, f.Name)
			}
		}
		return out
	}
	require.Equal(t, []string{"Ctx", "C", "Proof"}, exported(ZeroOneStatement{}))
	require.Equal(t, []string{"Ctx", "C", "Min", "Max", "Proof"}, exported(RangeStatement{}))
}
