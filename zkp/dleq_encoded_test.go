package zkp

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urnavote/urna/elgamal"
)

// encodedShares makes shares of 3 trustees for 6 ciphertexts, in both
// forms.
func encodedShares(t testing.TB) ([]EncodedDecryptionShare, []DecryptionShareStatement) {
	r := newTestRand(50)
	pk := r.keyPair(t).PublicKey()
	var cts []*elgamal.Ciphertext
	for range 6 {
		c, _, err := pk.Encrypt(r.element(), r)
		require.NoError(t, err)
		cts = append(cts, c)
	}
	var enc []EncodedDecryptionShare
	var dec []DecryptionShareStatement
	for j := uint32(1); j <= 3; j++ {
		ctx := &Context{Election: []byte("ceremony"), Prover: j}
		x := r.scalar()
		vk := new(elgamal.Element).ScalarBaseMult(x)
		for _, c := range cts {
			share, p, err := ProveDecryptionShare(ctx, x, c, r)
			require.NoError(t, err)
			enc = append(enc, EncodedDecryptionShare{Ctx: ctx, VK: vk, Ciphertext: c.Bytes(), Share: share.Bytes(), Proof: p.Bytes()})
			dec = append(dec, DecryptionShareStatement{Ctx: ctx, VK: vk, Ciphertext: c, Share: share, Proof: p})
		}
	}
	return enc, dec
}

func TestBatchVerifyEncodedDecryptionShares(t *testing.T) {
	enc, dec := encodedShares(t)
	shares, err := BatchVerifyEncodedDecryptionShares(nil, enc)
	require.NoError(t, err)
	require.NoError(t, BatchVerifyDecryptionShares(nil, dec))
	for i := range shares {
		require.Equal(t, 1, shares[i].Equal(dec[i].Share), i)
	}

	// Mixed batch: a tampered share, a tampered proof, a wrong context, a
	// non-canonical ciphertext and a truncated proof.
	bad := append([]EncodedDecryptionShare(nil), enc...)
	badDec := append([]DecryptionShareStatement(nil), dec...)
	bad[1].Share = enc[2].Share
	badDec[1].Share = dec[2].Share
	p := append([]byte(nil), enc[4].Proof...)
	p[64] ^= 1 // z
	bad[4].Proof = p
	q, err := ParseDLEQProof(p)
	require.NoError(t, err)
	badDec[4].Proof = q
	bad[7].Ctx = &Context{Election: []byte("ceremony"), Prover: 9}
	badDec[7].Ctx = bad[7].Ctx
	ct := append([]byte(nil), enc[9].Ciphertext...)
	copy(ct[32:], elementP)
	bad[9].Ciphertext = ct
	bad[12].Proof = enc[12].Proof[:95]

	shares, err = BatchVerifyEncodedDecryptionShares(nil, bad)
	var be *BatchError
	require.ErrorAs(t, err, &be)
	require.Equal(t, []int{1, 4, 7, 9, 12}, be.Failed)
	require.ErrorIs(t, be.Errs[3], elgamal.ErrNonCanonical)
	require.ErrorIs(t, be.Errs[4], elgamal.ErrLength)
	for i := range shares {
		failed := i == 1 || i == 4 || i == 7 || i == 9 || i == 12
		require.Equal(t, failed, shares[i] == nil, i)
	}
	// The decoded path agrees on the shares it can express.
	err = BatchVerifyDecryptionShares(nil, badDec)
	require.ErrorAs(t, err, &be)
	require.Equal(t, []int{1, 4, 7}, be.Failed)

	// Identity shares are rejected.
	bad = append([]EncodedDecryptionShare(nil), enc...)
	bad[0].Share = make([]byte, 32)
	_, err = BatchVerifyEncodedDecryptionShares(nil, bad)
	require.ErrorAs(t, err, &be)
	require.Equal(t, []int{0}, be.Failed)
	require.ErrorIs(t, be.Errs[0], elgamal.ErrIdentity)
}

func BenchmarkBatchVerifyEncodedDecryptionShares(b *testing.B) {
	r := newTestRand(51)
	pk := r.keyPair(b).PublicKey()
	const m, trustees = 500, 2
	var items []EncodedDecryptionShare
	var cts [][]byte
	for range m {
		c, _, _ := pk.EncryptInt(1, r)
		cts = append(cts, c.Bytes())
	}
	for j := uint32(1); j <= trustees; j++ {
		ctx := &Context{Election: []byte("ceremony"), Prover: j}
		x := r.scalar()
		vk := new(elgamal.Element).ScalarBaseMult(x)
		for l := range m {
			c, _ := new(elgamal.Ciphertext).SetCanonicalBytes(cts[l])
			share, p, _ := ProveDecryptionShare(ctx, x, c, r)
			items = append(items, EncodedDecryptionShare{Ctx: ctx, VK: vk, Ciphertext: cts[l], Share: share.Bytes(), Proof: p.Bytes()})
		}
	}
	for b.Loop() {
		if _, err := BatchVerifyEncodedDecryptionShares(nil, items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(items)), "µs/share")
}
