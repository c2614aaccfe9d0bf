package zkp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

// dleqFixture returns a statement (G1, Y1, G2, Y2) over random bases and
// its proof.
func dleqFixture(t testing.TB, r *testRand) (*Context, [4]*elgamal.Element, *DLEQProof) {
	ctx := testContext()
	x := r.scalar()
	g1, g2 := r.element(), r.element()
	p, err := ProveDLEQ(ctx, x, g1, g2, r)
	require.NoError(t, err)
	st := [4]*elgamal.Element{g1, new(elgamal.Element).ScalarMult(x, g1), g2, new(elgamal.Element).ScalarMult(x, g2)}
	return ctx, st, p
}

func verifyDLEQ(ctx *Context, st [4]*elgamal.Element, p *DLEQProof) error {
	return VerifyDLEQ(ctx, st[0], st[1], st[2], st[3], p)
}

// dleqTamperings returns copies of p with one field changed each.
func dleqTamperings(p *DLEQProof) []*DLEQProof {
	g := elgamal.NewGeneratorElement()
	a1, a2, z := *p, *p, *p
	a1.A1.Add(&a1.A1, g)
	a2.A2.Add(&a2.A2, g)
	z.Z.Add(&z.Z, new(elgamal.Scalar).SetUint64(1))
	return []*DLEQProof{&a1, &a2, &z}
}

// dleqIdentityCommitments returns copies of p with A1, then A2, the identity.
func dleqIdentityCommitments(p *DLEQProof) []*DLEQProof {
	a1, a2 := *p, *p
	a1.A1.Set(elgamal.NewElement())
	a2.A2.Set(elgamal.NewElement())
	return []*DLEQProof{&a1, &a2}
}

var dleqKinds = []fieldKind{kElement, kElement, kScalar}

// checkDLEQEncoding checks the strict decoding of p's encoding.
func checkDLEQEncoding(t *testing.T, p *DLEQProof) {
	enc := p.Bytes()
	require.Len(t, enc, DLEQProofSize)
	q, err := ParseDLEQProof(enc)
	require.NoError(t, err)
	require.Equal(t, enc, q.Bytes())
	for _, m := range nonCanonicalMutations(enc, dleqKinds) {
		_, err := ParseDLEQProof(m.b)
		require.ErrorIs(t, err, m.want, m.name)
		var fe *FieldError
		require.ErrorAs(t, err, &fe, m.name)
	}
	for i, field := range []string{"A1", "A2"} {
		b := append([]byte(nil), enc...)
		copy(b[32*i:], elgamal.NewElement().Bytes())
		_, err := ParseDLEQProof(b)
		require.ErrorIs(t, err, elgamal.ErrIdentity)
		var fe *FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, field, fe.Field)
		require.Equal(t, 32*i, fe.Offset)
	}
	_, err = ParseDLEQProof(nil)
	require.ErrorIs(t, err, elgamal.ErrLength)
}

func TestDLEQ(t *testing.T) {
	r := newTestRand(10)
	ctx, st, p := dleqFixture(t, r)
	require.NoError(t, verifyDLEQ(ctx, st, p))

	t.Run("round trip", func(t *testing.T) {
		q, err := ParseDLEQProof(p.Bytes())
		require.NoError(t, err)
		require.Equal(t, p.Bytes(), q.Bytes())
		require.NoError(t, verifyDLEQ(ctx, st, q))
	})
	t.Run("tampered statement", func(t *testing.T) {
		for i := range st {
			bad := st
			bad[i] = new(elgamal.Element).Add(st[i], elgamal.NewGeneratorElement())
			require.ErrorIs(t, verifyDLEQ(ctx, bad, p), ErrInvalidProof, i)
			bad[i] = elgamal.NewElement()
			require.ErrorIs(t, verifyDLEQ(ctx, bad, p), elgamal.ErrIdentity, i)
			bad[i] = nil
			require.Error(t, verifyDLEQ(ctx, bad, p), i)
		}
		// The order of the bases is part of the statement.
		require.ErrorIs(t, VerifyDLEQ(ctx, st[2], st[3], st[0], st[1], p), ErrInvalidProof)
	})
	t.Run("tampered proof", func(t *testing.T) {
		for i, q := range dleqTamperings(p) {
			require.ErrorIs(t, verifyDLEQ(ctx, st, q), ErrInvalidProof, i)
		}
		for _, q := range dleqIdentityCommitments(p) {
			require.ErrorIs(t, verifyDLEQ(ctx, st, q), elgamal.ErrIdentity)
		}
		require.Error(t, verifyDLEQ(ctx, st, nil))
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, c := range wrongContexts(ctx) {
			require.ErrorIs(t, verifyDLEQ(c, st, p), ErrInvalidProof)
		}
	})
	t.Run("encoding", func(t *testing.T) { checkDLEQEncoding(t, p) })
}

// TestDLEQGeneratorBase covers G1 = G, where prover and verifier use the
// generator's table and shared term.
func TestDLEQGeneratorBase(t *testing.T) {
	r := newTestRand(11)
	ctx := testContext()
	x, g2 := r.scalar(), r.element()
	g := elgamal.NewGeneratorElement()
	p, err := ProveDLEQ(ctx, x, g, g2, r)
	require.NoError(t, err)
	y1, y2 := new(elgamal.Element).ScalarBaseMult(x), new(elgamal.Element).ScalarMult(x, g2)
	require.NoError(t, VerifyDLEQ(ctx, g, y1, g2, y2, p))
	// Both bases the generator: then the statement is only Y1 = Y2.
	p, err = ProveDLEQ(ctx, x, g, g, r)
	require.NoError(t, err)
	require.NoError(t, VerifyDLEQ(ctx, g, y1, g, y1, p))
	require.ErrorIs(t, VerifyDLEQ(ctx, g, y1, g, y2, p), ErrInvalidProof)
}

func TestProveDLEQRejects(t *testing.T) {
	r := newTestRand(12)
	ctx := testContext()
	g1, g2 := r.element(), r.element()
	_, err := ProveDLEQ(ctx, elgamal.NewScalar(), g1, g2, r)
	require.ErrorIs(t, err, elgamal.ErrZeroScalar)
	_, err = ProveDLEQ(ctx, r.scalar(), elgamal.NewElement(), g2, r)
	require.ErrorIs(t, err, elgamal.ErrIdentity)
	_, err = ProveDLEQ(ctx, r.scalar(), g1, elgamal.NewElement(), r)
	require.ErrorIs(t, err, elgamal.ErrIdentity)
	_, err = ProveDLEQ(ctx, r.scalar(), nil, g2, r)
	require.Error(t, err)
	_, err = ProveDLEQ(ctx, r.scalar(), g1, g2, nil)
	require.Error(t, err)
}

// requireBatchFailures checks that err names exactly want, and that each
// statement fails alone exactly when the batch names it.
func requireBatchFailures(t *testing.T, err error, want []int, n int, single func(i int) error) {
	t.Helper()
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.ErrorIs(t, err, ErrInvalidProof)
	require.Equal(t, want, be.Failed)
	failed := map[int]bool{}
	for _, i := range want {
		failed[i] = true
	}
	for i := 0; i < n; i++ {
		require.Equal(t, failed[i], single(i) != nil, i)
	}
}

func TestBatchVerifyDLEQ(t *testing.T) {
	r := newTestRand(13)
	ctx := testContext()
	g := elgamal.NewGeneratorElement()
	stmts := make([]DLEQStatement, 40)
	for i := range stmts {
		x, g1, g2 := r.scalar(), r.element(), r.element()
		if i%2 == 0 {
			g1 = g
		}
		var own *Context
		if i%3 == 0 {
			own = &Context{Election: ctx.Election, Prover: uint32(100 + i)}
		}
		c := ctx
		if own != nil {
			c = own
		}
		p, err := ProveDLEQ(c, x, g1, g2, r)
		require.NoError(t, err)
		stmts[i] = DLEQStatement{Ctx: own, G1: g1, Y1: new(elgamal.Element).ScalarMult(x, g1), G2: g2, Y2: new(elgamal.Element).ScalarMult(x, g2), Proof: p}
	}
	require.NoError(t, BatchVerifyDLEQ(ctx, stmts))
	require.NoError(t, BatchVerifyDLEQ(ctx, nil))
	require.NoError(t, BatchVerifyDLEQ(ctx, stmts[:3]))

	bad := append([]DLEQStatement(nil), stmts...)
	bad[3].Proof = dleqTamperings(bad[3].Proof)[2]
	bad[4].Proof = dleqTamperings(bad[4].Proof)[0]
	bad[11].Y2 = stmts[12].Y2
	bad[20].G1 = elgamal.NewElement()
	bad[27].Ctx = &Context{Election: ctx.Election, Prover: 1} // made under Prover 127
	bad[33].Proof = nil
	bad[38].Y1 = stmts[38].Y2
	want := []int{3, 4, 11, 20, 27, 33, 38}
	single := func(i int) error {
		c := ctx
		if bad[i].Ctx != nil {
			c = bad[i].Ctx
		}
		return VerifyDLEQ(c, bad[i].G1, bad[i].Y1, bad[i].G2, bad[i].Y2, bad[i].Proof)
	}
	requireBatchFailures(t, BatchVerifyDLEQ(ctx, bad), want, len(bad), single)

	// A wrong batch Context fails exactly the statements that use it.
	var be *BatchError
	require.ErrorAs(t, BatchVerifyDLEQ(wrongContexts(ctx)[0], stmts), &be)
	var own []int
	for i := range stmts {
		if stmts[i].Ctx == nil {
			own = append(own, i)
		}
	}
	require.Equal(t, own, be.Failed)
}

func FuzzParseDLEQProof(f *testing.F) {
	_, _, p := dleqFixture(f, newTestRand(14))
	f.Add(p.Bytes())
	f.Add(make([]byte, DLEQProofSize))
	f.Add(p.Bytes()[:DLEQProofSize-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := ParseDLEQProof(b)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error without field: %v", err)
			}
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

// decShareFixture encrypts a random message under a single key and makes
// the key holder's decryption share.
func decShareFixture(t testing.TB, r *testRand) (ctx *Context, key *elgamal.PrivateKey, m *elgamal.Element, c *elgamal.Ciphertext, share *elgamal.Element, p *DLEQProof) {
	ctx = testContext()
	key = r.keyPair(t)
	m = r.element()
	c, _, err := key.PublicKey().Encrypt(m, r)
	require.NoError(t, err)
	share, p, err = ProveDecryptionShare(ctx, key.Scalar(), c, r)
	require.NoError(t, err)
	return ctx, key, m, c, share, p
}

func TestDecryptionShare(t *testing.T) {
	r := newTestRand(15)
	ctx, key, m, c, share, p := decShareFixture(t, r)
	vk := key.PublicKey().Element()
	require.NoError(t, VerifyDecryptionShare(ctx, vk, c, share, p))
	g := elgamal.NewGeneratorElement()

	t.Run("decrypts", func(t *testing.T) {
		require.Equal(t, 1, new(elgamal.Element).Subtract(&c.Beta, share).Equal(m))
		require.Equal(t, 1, key.Decrypt(c).Equal(m))
	})
	t.Run("is not a general DLEQ proof", func(t *testing.T) {
		// Its own label keeps it from passing for another use.
		require.ErrorIs(t, VerifyDLEQ(ctx, g, vk, &c.Alpha, share, p), ErrInvalidProof)
		require.Error(t, BatchVerifyDLEQ(ctx, []DLEQStatement{{G1: g, Y1: vk, G2: &c.Alpha, Y2: share, Proof: p}}))
	})
	t.Run("round trip", func(t *testing.T) {
		q, err := ParseDLEQProof(p.Bytes())
		require.NoError(t, err)
		require.NoError(t, VerifyDecryptionShare(ctx, vk, c, share, q))
	})
	t.Run("wrong share", func(t *testing.T) {
		wrong := new(elgamal.Element).Add(share, g)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c, wrong, p), ErrInvalidProof)
		// A valid share and proof by another key holder, claimed for vk.
		other := r.keyPair(t)
		s2, p2, err := ProveDecryptionShare(ctx, other.Scalar(), c, r)
		require.NoError(t, err)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c, s2, p2), ErrInvalidProof)
		require.NoError(t, VerifyDecryptionShare(ctx, other.PublicKey().Element(), c, s2, p2))
	})
	t.Run("tampered statement", func(t *testing.T) {
		plusG := func(e *elgamal.Element) *elgamal.Element { return new(elgamal.Element).Add(e, g) }
		c2 := new(elgamal.Ciphertext).Set(c)
		c2.Alpha.Add(&c2.Alpha, g)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, plusG(vk), c, share, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c2, share, p), ErrInvalidProof)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c, plusG(share), p), ErrInvalidProof)

		id := elgamal.NewElement()
		c2.Alpha.Set(id)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, id, c, share, p), elgamal.ErrIdentity)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c2, share, p), elgamal.ErrIdentity)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c, id, p), elgamal.ErrIdentity)
		require.Error(t, VerifyDecryptionShare(ctx, nil, c, share, p))
		require.Error(t, VerifyDecryptionShare(ctx, vk, nil, share, p))
		require.Error(t, VerifyDecryptionShare(ctx, vk, c, nil, p))

		// β is hashed too, so the proof is bound to its ciphertext even
		// though the share x·α does not depend on β.
		c2.Set(c)
		c2.Beta.Add(&c2.Beta, g)
		require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c2, share, p), ErrInvalidProof)
	})
	t.Run("tampered proof", func(t *testing.T) {
		for i, q := range dleqTamperings(p) {
			require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c, share, q), ErrInvalidProof, i)
		}
		for _, q := range dleqIdentityCommitments(p) {
			require.ErrorIs(t, VerifyDecryptionShare(ctx, vk, c, share, q), elgamal.ErrIdentity)
		}
		require.Error(t, VerifyDecryptionShare(ctx, vk, c, share, nil))
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, wc := range wrongContexts(ctx) {
			require.ErrorIs(t, VerifyDecryptionShare(wc, vk, c, share, p), ErrInvalidProof)
		}
	})
	t.Run("encoding", func(t *testing.T) { checkDLEQEncoding(t, p) })
	t.Run("prover rejects", func(t *testing.T) {
		_, _, err := ProveDecryptionShare(ctx, elgamal.NewScalar(), c, r)
		require.ErrorIs(t, err, elgamal.ErrZeroScalar)
		_, _, err = ProveDecryptionShare(ctx, key.Scalar(), elgamal.NewCiphertext(), r)
		require.ErrorIs(t, err, elgamal.ErrIdentity)
		_, _, err = ProveDecryptionShare(ctx, key.Scalar(), nil, r)
		require.Error(t, err)
	})
}

// trusteeShares makes n decryption shares for each of len(keys) trustees,
// with Context.Prover = trustee index + 1 and VK pointers shared per
// trustee.
func trusteeShares(t testing.TB, r *testRand, keys []*elgamal.PrivateKey, n int) []DecryptionShareStatement {
	var out []DecryptionShareStatement
	pk := keys[0].PublicKey()
	for j, key := range keys {
		ctx := &Context{Election: testContext().Election, Prover: uint32(j + 1)}
		vk := key.PublicKey().Element()
		for range n {
			c, _, err := pk.Encrypt(r.element(), r)
			require.NoError(t, err)
			share, p, err := ProveDecryptionShare(ctx, key.Scalar(), c, r)
			require.NoError(t, err)
			out = append(out, DecryptionShareStatement{Ctx: ctx, VK: vk, Ciphertext: c, Share: share, Proof: p})
		}
	}
	return out
}

func TestBatchVerifyDecryptionShares(t *testing.T) {
	r := newTestRand(16)
	keys := []*elgamal.PrivateKey{r.keyPair(t), r.keyPair(t), r.keyPair(t)}
	stmts := trusteeShares(t, r, keys, 12)
	// Some shares carry their own copy of the key: no shared term for them.
	for i := 0; i < len(stmts); i += 5 {
		stmts[i].VK = new(elgamal.Element).Set(stmts[i].VK)
	}
	require.NoError(t, BatchVerifyDecryptionShares(nil, stmts))
	require.NoError(t, BatchVerifyDecryptionShares(nil, nil))

	bad := append([]DecryptionShareStatement(nil), stmts...)
	g := elgamal.NewGeneratorElement()
	bad[2].Share = new(elgamal.Element).Add(bad[2].Share, g)
	bad[5].VK = stmts[20].VK // another trustee's key
	bad[13].Ctx = stmts[0].Ctx
	bad[14].Share = elgamal.NewElement()
	bad[25].Proof = dleqTamperings(bad[25].Proof)[1]
	bad[30].Ciphertext = nil
	bad[35].Proof = dleqIdentityCommitments(bad[35].Proof)[0]
	want := []int{2, 5, 13, 14, 25, 30, 35}
	single := func(i int) error {
		s := &bad[i]
		return VerifyDecryptionShare(s.Ctx, s.VK, s.Ciphertext, s.Share, s.Proof)
	}
	requireBatchFailures(t, BatchVerifyDecryptionShares(nil, bad), want, len(bad), single)

	t.Run("default context", func(t *testing.T) {
		one := trusteeShares(t, r, keys[:1], 10)
		ctx := one[0].Ctx
		for i := range one {
			one[i].Ctx = nil
		}
		require.NoError(t, BatchVerifyDecryptionShares(ctx, one))
		var be *BatchError
		require.ErrorAs(t, BatchVerifyDecryptionShares(testContext(), one), &be)
		require.Len(t, be.Failed, len(one))
	})
	t.Run("identity key used twice", func(t *testing.T) {
		bad := append([]DecryptionShareStatement(nil), stmts...)
		id := elgamal.NewElement()
		bad[7].VK, bad[8].VK = id, id
		err := BatchVerifyDecryptionShares(nil, bad)
		var be *BatchError
		require.ErrorAs(t, err, &be)
		require.Equal(t, []int{7, 8}, be.Failed)
		require.ErrorIs(t, be.Errs[0], elgamal.ErrIdentity)
	})
	t.Run("more keys than shared terms", func(t *testing.T) {
		var many []DecryptionShareStatement
		for range dleqMaxSharedKeys + 3 {
			many = append(many, trusteeShares(t, r, []*elgamal.PrivateKey{r.keyPair(t)}, 2)...)
		}
		require.NoError(t, BatchVerifyDecryptionShares(nil, many))
		last := len(many) - 1
		many[last].Share = many[0].Share
		many[1].Share = many[0].Share
		err := BatchVerifyDecryptionShares(nil, many)
		var be *BatchError
		require.ErrorAs(t, err, &be)
		require.Equal(t, []int{1, last}, be.Failed)
	})
}

func reEncryptionFixture(t testing.TB, r *testRand) (*Context, *elgamal.PublicKey, *elgamal.Ciphertext, *elgamal.Ciphertext, *elgamal.Scalar, *DLEQProof) {
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	c, _, err := pk.Encrypt(r.element(), r)
	require.NoError(t, err)
	c2, s, err := pk.ReEncrypt(c, r)
	require.NoError(t, err)
	p, err := ProveReEncryption(ctx, pk, c, c2, s, r)
	require.NoError(t, err)
	return ctx, pk, c, c2, s, p
}

func TestBatchVerifyReEncryption(t *testing.T) {
	r := newTestRand(40)
	ctx := testContext()
	pk := r.keyPair(t).PublicKey()
	stmts := make([]ReEncryptionStatement, 12)
	for i := range stmts {
		c, _, err := pk.Encrypt(r.element(), r)
		require.NoError(t, err)
		c2, s, err := pk.ReEncrypt(c, r)
		require.NoError(t, err)
		own := &Context{Election: ctx.Election, Prover: uint32(i)}
		p, err := ProveReEncryption(own, pk, c, c2, s, r)
		require.NoError(t, err)
		stmts[i] = ReEncryptionStatement{Ctx: own, C: c, C2: c2, Proof: p}
	}
	require.NoError(t, BatchVerifyReEncryption(ctx, pk, stmts))

	bad := append([]ReEncryptionStatement(nil), stmts...)
	bad[2].C2 = bad[3].C2                                                          // wrong output
	bad[5].Ctx = &Context{Election: ctx.Election, Prover: 99}                      // wrong context
	bad[9] = ReEncryptionStatement{C: bad[9].C, C2: bad[9].C, Proof: bad[9].Proof} // a copy
	err := BatchVerifyReEncryption(ctx, pk, bad)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Equal(t, []int{2, 5, 9}, be.Failed)
	for i := range bad {
		single := VerifyReEncryption(bad[i].Ctx, pk, bad[i].C, bad[i].C2, bad[i].Proof)
		require.Equal(t, single != nil, i == 2 || i == 5 || i == 9, i)
	}
	require.ErrorAs(t, BatchVerifyReEncryption(ctx, r.keyPair(t).PublicKey(), stmts), &be)
	require.Len(t, be.Failed, len(stmts))
	require.Error(t, BatchVerifyReEncryption(ctx, nil, stmts))
}

func TestReEncryption(t *testing.T) {
	r := newTestRand(17)
	ctx, pk, c, c2, s, p := reEncryptionFixture(t, r)
	require.NoError(t, VerifyReEncryption(ctx, pk, c, c2, p))
	g := elgamal.NewGeneratorElement()

	t.Run("is bound to the pair, not the difference", func(t *testing.T) {
		y1 := new(elgamal.Element).Subtract(&c2.Alpha, &c.Alpha)
		y2 := new(elgamal.Element).Subtract(&c2.Beta, &c.Beta)
		require.ErrorIs(t, VerifyDLEQ(ctx, g, y1, pk.Element(), y2, p), ErrInvalidProof)
		// (c + d, c2 + d) has the same difference but is another statement.
		d, _, err := pk.Encrypt(r.element(), r)
		require.NoError(t, err)
		cd := new(elgamal.Ciphertext).Add(c, d)
		c2d := new(elgamal.Ciphertext).Add(c2, d)
		require.ErrorIs(t, VerifyReEncryption(ctx, pk, cd, c2d, p), ErrInvalidProof)
	})
	t.Run("round trip", func(t *testing.T) {
		q, err := ParseDLEQProof(p.Bytes())
		require.NoError(t, err)
		require.NoError(t, VerifyReEncryption(ctx, pk, c, c2, q))
	})
	t.Run("tampered statement", func(t *testing.T) {
		for i := range 4 {
			a, b := new(elgamal.Ciphertext).Set(c), new(elgamal.Ciphertext).Set(c2)
			e := []*elgamal.Element{&a.Alpha, &a.Beta, &b.Alpha, &b.Beta}[i]
			e.Add(e, g)
			require.ErrorIs(t, VerifyReEncryption(ctx, pk, a, b, p), ErrInvalidProof, i)
		}
		other := r.keyPair(t).PublicKey()
		require.ErrorIs(t, VerifyReEncryption(ctx, other, c, c2, p), ErrInvalidProof)
		// Swapping the ciphertexts negates the statement.
		require.ErrorIs(t, VerifyReEncryption(ctx, pk, c2, c, p), ErrInvalidProof)
		// A copy is no re-encryption.
		require.ErrorIs(t, VerifyReEncryption(ctx, pk, c, c, p), elgamal.ErrIdentity)
		require.Error(t, VerifyReEncryption(ctx, nil, c, c2, p))
		require.Error(t, VerifyReEncryption(ctx, pk, c, nil, p))
	})
	t.Run("tampered proof", func(t *testing.T) {
		for i, q := range dleqTamperings(p) {
			require.ErrorIs(t, VerifyReEncryption(ctx, pk, c, c2, q), ErrInvalidProof, i)
		}
		for _, q := range dleqIdentityCommitments(p) {
			require.ErrorIs(t, VerifyReEncryption(ctx, pk, c, c2, q), elgamal.ErrIdentity)
		}
		require.Error(t, VerifyReEncryption(ctx, pk, c, c2, nil))
	})
	t.Run("wrong context", func(t *testing.T) {
		for _, wc := range wrongContexts(ctx) {
			require.ErrorIs(t, VerifyReEncryption(wc, pk, c, c2, p), ErrInvalidProof)
		}
	})
	t.Run("encoding", func(t *testing.T) { checkDLEQEncoding(t, p) })
	t.Run("prover rejects", func(t *testing.T) {
		_, err := ProveReEncryption(ctx, pk, c, c2, elgamal.NewScalar(), r)
		require.ErrorIs(t, err, elgamal.ErrZeroScalar)
		_, err = ProveReEncryption(ctx, pk, c, c2, new(elgamal.Scalar).Add(s, new(elgamal.Scalar).SetUint64(1)), r)
		require.ErrorIs(t, err, ErrWitness)
		_, err = ProveReEncryption(ctx, r.keyPair(t).PublicKey(), c, c2, s, r)
		require.ErrorIs(t, err, ErrWitness)
		_, err = ProveReEncryption(ctx, pk, c, nil, s, r)
		require.Error(t, err)
		_, err = ProveReEncryption(ctx, pk, c, c2, s, nil)
		require.Error(t, err)
	})
}

func BenchmarkDLEQ(b *testing.B) {
	r := newTestRand(18)
	ctx, st, p := dleqFixture(b, r)
	x := r.scalar()
	b.Run("prove", func(b *testing.B) {
		for b.Loop() {
			ProveDLEQ(ctx, x, st[0], st[2], r)
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			verifyDLEQ(ctx, st, p)
		}
	})
}

func BenchmarkReEncryption(b *testing.B) {
	r := newTestRand(41)
	ctx, pk, c, c2, s, p := reEncryptionFixture(b, r)
	b.Run("prove", func(b *testing.B) {
		for b.Loop() {
			ProveReEncryption(ctx, pk, c, c2, s, r)
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			VerifyReEncryption(ctx, pk, c, c2, p)
		}
	})
	const n = 1000
	stmts := make([]ReEncryptionStatement, n)
	for i := range stmts {
		stmts[i] = ReEncryptionStatement{C: c, C2: c2, Proof: p}
	}
	b.Run("batch=1000", func(b *testing.B) {
		for b.Loop() {
			if err := BatchVerifyReEncryption(ctx, pk, stmts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/proof")
	})
}

func BenchmarkDecryptionShare(b *testing.B) {
	r := newTestRand(19)
	ctx, key, _, c, share, p := decShareFixture(b, r)
	vk, x := key.PublicKey().Element(), key.Scalar()
	b.Run("prove", func(b *testing.B) {
		for b.Loop() {
			ProveDecryptionShare(ctx, x, c, r)
		}
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			VerifyDecryptionShare(ctx, vk, c, share, p)
		}
	})
	// 1000 shares from 4 trustees, decoded from bytes (share and proof) as
	// a tally verifier receives them; and the worst case, every share with
	// a different key.
	for _, trustees := range []int{4, 1000} {
		b.Run(fmt.Sprintf("batch=1000/trustees=%d", trustees), func(b *testing.B) {
			keys := make([]*elgamal.PrivateKey, trustees)
			for i := range keys {
				keys[i] = r.keyPair(b)
			}
			stmts := trusteeShares(b, r, keys, 1000/trustees)
			shares, proofs := make([][]byte, len(stmts)), make([][]byte, len(stmts))
			for i := range stmts {
				shares[i], proofs[i] = stmts[i].Share.Bytes(), stmts[i].Proof.Bytes()
			}
			b.ResetTimer()
			for b.Loop() {
				for i := range stmts {
					var err error
					if stmts[i].Share, err = new(elgamal.Element).SetCanonicalBytesNonIdentity(shares[i]); err != nil {
						b.Fatal(err)
					}
					if stmts[i].Proof, err = ParseDLEQProof(proofs[i]); err != nil {
						b.Fatal(err)
					}
				}
				if err := BatchVerifyDecryptionShares(nil, stmts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(stmts)), "µs/share")
		})
	}
}
