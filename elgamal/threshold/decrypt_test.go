package threshold

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	mrand "math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// decRand is a deterministic random stream for tests.
func decRand(seed byte, more ...byte) io.Reader {
	var s [32]byte
	s[0] = seed
	copy(s[1:], more)
	return mrand.NewChaCha8(s)
}

func decScalar(tb testing.TB, r io.Reader) *elgamal.Scalar {
	s, err := elgamal.RandomScalar(r)
	require.NoError(tb, err)
	return s
}

// decFixture is a ceremony outcome dealt directly, without the DKG: Shamir
// shares x_j = f(j) of a random x, VK_j = x_j·G and H = x·G. Only tests
// ever know x.
type decFixture struct {
	setup  *Setup
	result *Result
	ids    []*Identity
	keys   []*KeyShare // keys[j-1] is trustee j's share
	pk     *elgamal.PublicKey
}

// decIdentities makes n trustee identities from deterministic bytes.
func decIdentities(tb testing.TB, n int, seed byte) []*Identity {
	ids := make([]*Identity, n)
	for i := range ids {
		var b [32]byte
		b[0], b[1], b[2] = seed, byte(i+1), 's'
		sig := ed25519.NewKeyFromSeed(b[:])
		b[2] = 't'
		tr, err := ecdh.X25519().NewPrivateKey(b[:])
		require.NoError(tb, err)
		ids[i] = &Identity{Name: fmt.Sprintf("trustee-%d", i+1), SigningKey: sig, TransportKey: tr}
	}
	return ids
}

func decDeal(tb testing.TB, t, n int, seed byte) *decFixture {
	tb.Helper()
	ids := decIdentities(tb, n, seed)
	s := &Setup{Threshold: t, Election: []byte(fmt.Sprintf("decrypt test election %d", seed))}
	for _, id := range ids {
		s.Trustees = append(s.Trustees, id.Public())
	}
	require.NoError(tb, s.Validate())
	return decDealFor(tb, s, ids, seed)
}

// decDealFor deals fresh shares for the setup s.
func decDealFor(tb testing.TB, s *Setup, ids []*Identity, seed byte) *decFixture {
	r := decRand(seed, 'd', 'e', 'a', 'l')
	coeffs := make([]*elgamal.Scalar, s.Threshold)
	for k := range coeffs {
		coeffs[k] = decScalar(tb, r)
	}
	require.Zero(tb, coeffs[0].IsZero())
	pk, err := elgamal.NewPublicKey(new(elgamal.Element).ScalarBaseMult(coeffs[0]))
	require.NoError(tb, err)
	fx := &decFixture{setup: s, ids: ids, pk: pk}
	fx.result = &Result{PublicKey: pk, Disqualified: map[uint32]string{}}
	for j := uint32(1); int(j) <= s.N(); j++ {
		x := decEval(coeffs, j)
		fx.keys = append(fx.keys, &KeyShare{Ceremony: s.Hash(), Index: j, X: *x})
		fx.result.VerificationKeys = append(fx.result.VerificationKeys, new(elgamal.Element).ScalarBaseMult(x))
		fx.result.Qualified = append(fx.result.Qualified, j)
	}
	return fx
}

// decEval evaluates the polynomial with the given coefficients at z.
func decEval(coeffs []*elgamal.Scalar, z uint32) *elgamal.Scalar {
	sz := new(elgamal.Scalar).SetUint64(uint64(z))
	acc := new(elgamal.Scalar)
	for k := len(coeffs) - 1; k >= 0; k-- {
		acc.MultiplyAdd(acc, sz, coeffs[k])
	}
	return acc
}

// decEncrypt encrypts values under pk.
func decEncrypt(tb testing.TB, pk *elgamal.PublicKey, values []uint64, r io.Reader) []elgamal.Ciphertext {
	cts := make([]elgamal.Ciphertext, len(values))
	for i, v := range values {
		c, _, err := pk.EncryptInt(v, r)
		require.NoError(tb, err)
		cts[i] = *c
	}
	return cts
}

func decValues(m int, seed uint64) []uint64 {
	r := mrand.New(mrand.NewPCG(seed, 1))
	vs := make([]uint64, m)
	for i := range vs {
		vs[i] = r.Uint64N(1000)
	}
	return vs
}

// decShares returns the decryption-shares entries of the given trustees.
func (fx *decFixture) decShares(tb testing.TB, cts []elgamal.Ciphertext, trustees ...uint32) []*Entry {
	tb.Helper()
	var es []*Entry
	for _, j := range trustees {
		e, err := fx.keys[j-1].Decrypt(fx.setup, fx.ids[j-1].SigningKey, Unverified(cts), decRand(byte(j), 'p'))
		require.NoError(tb, err)
		es = append(es, e)
	}
	return es
}

// decAll lists trustees 1..n.
func decAll(n int) []uint32 {
	js := make([]uint32, n)
	for i := range js {
		js[i] = uint32(i + 1)
	}
	return js
}

// decRebody re-signs e with its body changed by mutate.
func (fx *decFixture) decRebody(tb testing.TB, e *Entry, mutate func(d *DecryptionSharesBody)) *Entry {
	tb.Helper()
	d, err := ParseDecryptionSharesBody(e.Body)
	require.NoError(tb, err)
	mutate(d)
	e2 := &Entry{Type: e.Type, Ceremony: e.Ceremony, Sender: e.Sender, Body: d.Bytes()}
	e2.Sign(fx.ids[e.Sender-1].SigningKey)
	return e2
}

var (
	decTableOnce sync.Once
	decTable     *elgamal.DLogTable
)

// decLookup recovers the integers behind plaintext elements.
func decLookup(tb testing.TB, ms []*elgamal.Element) []uint64 {
	tb.Helper()
	decTableOnce.Do(func() {
		var err error
		decTable, err = elgamal.NewDLogTable(1000)
		require.NoError(tb, err)
	})
	out := make([]uint64, len(ms))
	for i, m := range ms {
		v, err := decTable.Lookup(m)
		require.NoError(tb, err, "ciphertext %d", i)
		out[i] = v
	}
	return out
}

func TestDecryptCombine(t *testing.T) {
	for _, tc := range []struct{ t, n, m int }{{1, 1, 5}, {2, 2, 150}, {3, 5, 70}, {1, 3, 10}} {
		t.Run(fmt.Sprintf("%d-of-%d", tc.t, tc.n), func(t *testing.T) {
			fx := decDeal(t, tc.t, tc.n, byte(10*tc.t+tc.n))
			values := decValues(tc.m, uint64(tc.n))
			cts := decEncrypt(t, fx.pk, values, decRand(1))
			es := fx.decShares(t, cts, decAll(tc.n)...)
			ms, report, err := CombineWithReport(fx.setup, fx.result, cts, es)
			require.NoError(t, err)
			assert.Empty(t, report)
			assert.Equal(t, values, decLookup(t, ms))
			// Exactly t trustees suffice.
			ms, err = Combine(fx.setup, fx.result, cts, es[tc.n-tc.t:])
			require.NoError(t, err)
			assert.Equal(t, values, decLookup(t, ms))
		})
	}
}

func TestCombineAnySubset(t *testing.T) {
	fx := decDeal(t, 3, 5, 1)
	values := decValues(12, 2)
	cts := decEncrypt(t, fx.pk, values, decRand(2))
	es := fx.decShares(t, cts, decAll(5)...)
	subsets := 0
	for mask := 0; mask < 1<<5; mask++ {
		var sub []*Entry
		for j := range 5 {
			if mask&(1<<j) != 0 {
				sub = append(sub, es[j])
			}
		}
		ms, err := Combine(fx.setup, fx.result, cts, sub)
		switch {
		case len(sub) >= 3:
			require.NoError(t, err, "subset %05b", mask)
			assert.Equal(t, values, decLookup(t, ms), "subset %05b", mask)
			subsets++
		default:
			var ce *CombineError
			require.ErrorAs(t, err, &ce, "subset %05b", mask)
			assert.Nil(t, ms)
		}
	}
	assert.Equal(t, 16, subsets)
}

func TestCombineTooFew(t *testing.T) {
	fx := decDeal(t, 3, 5, 2)
	cts := decEncrypt(t, fx.pk, decValues(8, 3), decRand(3))
	es := fx.decShares(t, cts, 2, 4)
	ms, report, err := CombineWithReport(fx.setup, fx.result, cts, es)
	assert.Nil(t, ms)
	var ce *CombineError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, ErrTooFewShares)
	assert.Equal(t, 0, ce.Ciphertext)
	assert.Equal(t, 8, ce.Undecryptable)
	assert.Equal(t, 3, ce.Threshold)
	assert.Equal(t, []uint32{2, 4}, ce.Valid)
	assert.Equal(t, []uint32{1, 3, 5}, ce.Missing)
	assert.Empty(t, ce.Invalid)
	assert.Contains(t, err.Error(), "missing: trustees 1, 3, 5")
	require.Len(t, report, 3)
	for i, j := range []uint32{1, 3, 5} {
		assert.Equal(t, Exclusion{Trustee: j, Ciphertext: -1, Reason: "no decryption-shares entry"}, report[i])
	}
}

func TestCombineBadShare(t *testing.T) {
	// Shares are verified in chunks of ciphertexts: failures are placed
	// right whether ciphertexts 3 and 4 share a chunk or not.
	for _, chunk := range []int{decVerifyChunk, 4, 1} {
		t.Run(fmt.Sprintf("chunk %d", chunk), func(t *testing.T) {
			defer func(c int) { decVerifyChunk = c }(decVerifyChunk)
			decVerifyChunk = chunk
			testCombineBadShare(t)
		})
	}
}

func testCombineBadShare(t *testing.T) {
	fx := decDeal(t, 2, 4, 3)
	values := decValues(10, 4)
	cts := decEncrypt(t, fx.pk, values, decRand(4))
	es := fx.decShares(t, cts, decAll(4)...)
	g := elgamal.NewGeneratorElement()
	for name, mutate := range map[string]func(d *DecryptionSharesBody){
		"share": func(d *DecryptionSharesBody) { d.Shares[3].Add(&d.Shares[3], g) },
		"proof": func(d *DecryptionSharesBody) {
			d.Proofs[3].Z.Add(&d.Proofs[3].Z, new(elgamal.Scalar).SetUint64(1))
		},
		"swapped": func(d *DecryptionSharesBody) {
			d.Shares[3], d.Shares[4] = d.Shares[4], d.Shares[3]
			d.Proofs[3], d.Proofs[4] = d.Proofs[4], d.Proofs[3]
		},
	} {
		t.Run(name, func(t *testing.T) {
			bad := fx.decRebody(t, es[0], mutate) // trustee 1
			// Trustees 1 and 2 would be chosen; trustee 3 replaces 1 for
			// ciphertext 3 only.
			ms, report, err := CombineWithReport(fx.setup, fx.result, cts, []*Entry{bad, es[1], es[2]})
			require.NoError(t, err)
			assert.Equal(t, values, decLookup(t, ms))
			require.Equal(t, Exclusion{Trustee: 4, Ciphertext: -1, Reason: "no decryption-shares entry"}, report[len(report)-1])
			report = report[:len(report)-1]
			var ls []int
			for _, x := range report {
				assert.Equal(t, uint32(1), x.Trustee)
				assert.True(t, x.Misbehaved)
				assert.Contains(t, x.Reason, "does not verify")
				ls = append(ls, x.Ciphertext)
			}
			if name == "swapped" {
				assert.Equal(t, []int{3, 4}, ls)
			} else {
				assert.Equal(t, []int{3}, ls)
			}

			// Without a third trustee, ciphertext 3 cannot be decrypted.
			ms, err = Combine(fx.setup, fx.result, cts, []*Entry{bad, es[1]})
			assert.Nil(t, ms)
			var ce *CombineError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, 3, ce.Ciphertext)
			assert.Equal(t, []uint32{2}, ce.Valid)
			assert.Equal(t, []uint32{3, 4}, ce.Missing)
			require.Contains(t, ce.Invalid, uint32(1))
			assert.Contains(t, ce.Invalid[1], "does not verify")
			assert.Contains(t, err.Error(), "cannot decrypt ciphertext 3")
			assert.Contains(t, err.Error(), "trustee 1 (")
		})
	}
}

func TestCombineIgnoresOtherLists(t *testing.T) {
	fx := decDeal(t, 2, 3, 4)
	values := decValues(6, 5)
	cts := decEncrypt(t, fx.pk, values, decRand(5))
	other := decEncrypt(t, fx.pk, values, decRand(6))
	es := fx.decShares(t, cts, 1, 2, 3)
	wrong := fx.decShares(t, other, 1)
	// Trustee 1's entry is for another list: 2 and 3 decrypt.
	ms, report, err := CombineWithReport(fx.setup, fx.result, cts, []*Entry{wrong[0], es[1], es[2]})
	require.NoError(t, err)
	assert.Equal(t, values, decLookup(t, ms))
	require.Len(t, report, 1)
	assert.Equal(t, uint32(1), report[0].Trustee)
	assert.Equal(t, -1, report[0].Ciphertext)
	assert.False(t, report[0].Misbehaved)
	assert.Contains(t, report[0].Reason, "another ciphertext list")

	// Both lists' entries side by side are no equivocation.
	ms, err = Combine(fx.setup, fx.result, cts, []*Entry{wrong[0], es[0], es[1]})
	require.NoError(t, err)
	assert.Equal(t, values, decLookup(t, ms))

	// A prefix of the list is another list.
	_, err = Combine(fx.setup, fx.result, cts[:5], []*Entry{es[0], es[1]})
	var ce *CombineError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []uint32{1, 2, 3}, ce.Missing)
}

func TestCombineWrongCeremony(t *testing.T) {
	fx := decDeal(t, 2, 3, 5)
	cts := decEncrypt(t, fx.pk, decValues(4, 6), decRand(7))
	es := fx.decShares(t, cts, 1, 2, 3)

	// The same trustees and shares in another ceremony (another election
	// context) give entries that this ceremony ignores.
	s2 := *fx.setup
	s2.Election = []byte("another election")
	fx2 := &decFixture{setup: &s2, ids: fx.ids}
	for _, k := range fx.keys {
		k2 := *k
		k2.Ceremony = s2.Hash()
		fx2.keys = append(fx2.keys, &k2)
	}
	foreign := fx2.decShares(t, cts, 1)
	_, report, err := CombineWithReport(fx.setup, fx.result, cts, []*Entry{foreign[0], es[2]})
	var ce *CombineError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []uint32{3}, ce.Valid)
	assert.Equal(t, []uint32{1, 2}, ce.Missing)
	assert.Contains(t, report[0].Reason, "another ceremony")

	// A key share of another ceremony cannot decrypt in this one.
	_, err = fx2.keys[0].Decrypt(fx.setup, fx.ids[0].SigningKey, Unverified(cts), decRand(1))
	assert.ErrorContains(t, err, "another ceremony")

	// Nor do other entry types, or entries with a bad signature, count.
	notDec := &Entry{Type: TypeComplaint, Ceremony: es[0].Ceremony, Sender: 1, Body: es[0].Body}
	notDec.Sign(fx.ids[0].SigningKey)
	forged := *es[1]
	forged.Sig[0] ^= 1
	outsider := *es[2]
	outsider.Sender = 9
	_, report, err = CombineWithReport(fx.setup, fx.result, cts, []*Entry{notDec, &forged, &outsider, nil, es[2]})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []uint32{3}, ce.Valid)
	assert.Equal(t, []uint32{1, 2}, ce.Missing)
	require.Len(t, report, 2)
	assert.Contains(t, report[0].Reason, "complaint entry")
	assert.Contains(t, report[1].Reason, "signature")
}

func TestCombineUsesResultKeys(t *testing.T) {
	fx := decDeal(t, 2, 3, 6)
	values := decValues(5, 7)
	cts := decEncrypt(t, fx.pk, values, decRand(8))
	es := fx.decShares(t, cts, 1, 2, 3)

	// Trustee 1 decrypts with another secret: its proofs are valid for
	// that secret's key, but not for VK_1 in the result.
	rogue := *fx.keys[0]
	rogue.X = *decScalar(t, decRand(99))
	bad, err := rogue.Decrypt(fx.setup, fx.ids[0].SigningKey, Unverified(cts), decRand(9))
	require.NoError(t, err)
	body, err := ParseDecryptionSharesBody(bad.Body)
	require.NoError(t, err)
	lh := ListHash(cts)
	ctx := &zkp.Context{Election: bad.Ceremony[:], Prover: 1, Binding: lh[:]}
	rogueVK := new(elgamal.Element).ScalarBaseMult(&rogue.X)
	require.NoError(t, zkp.VerifyDecryptionShare(ctx, rogueVK, &cts[0], &body.Shares[0], body.Proofs[0]))

	ms, report, err := CombineWithReport(fx.setup, fx.result, cts, []*Entry{bad, es[1], es[2]})
	require.NoError(t, err)
	assert.Equal(t, values, decLookup(t, ms))
	require.Len(t, report, 1)
	assert.Equal(t, uint32(1), report[0].Trustee)
	assert.Equal(t, -1, report[0].Ciphertext)
	assert.True(t, report[0].Misbehaved)
	assert.Contains(t, report[0].Reason, "verification key")

	_, err = Combine(fx.setup, fx.result, cts, []*Entry{bad, es[1]})
	var ce *CombineError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Invalid[1], "verification key")

	// The keys come from the result: with the rogue key in it, the rogue
	// shares verify (and trustee 2's honest ones still do).
	r2 := *fx.result
	r2.VerificationKeys = append([]*elgamal.Element{rogueVK}, fx.result.VerificationKeys[1:]...)
	_, report, err = CombineWithReport(fx.setup, &r2, cts, []*Entry{bad, es[1]})
	require.NoError(t, err)
	assert.Equal(t, []Exclusion{{Trustee: 3, Ciphertext: -1, Reason: "no decryption-shares entry"}}, report)
}

func TestCombineDuplicates(t *testing.T) {
	fx := decDeal(t, 2, 3, 7)
	values := decValues(5, 8)
	cts := decEncrypt(t, fx.pk, values, decRand(10))
	es := fx.decShares(t, cts, 1, 2, 3)
	copy1 := *es[0]
	copy1.Body = bytes.Clone(es[0].Body)
	ms, report, err := CombineWithReport(fx.setup, fx.result, cts, []*Entry{es[0], &copy1, es[1], es[2], es[2]})
	require.NoError(t, err)
	assert.Empty(t, report)
	assert.Equal(t, values, decLookup(t, ms))

	// A second, different entry for the same list (here with fresh proof
	// nonces) is equivocation: trustee 1 is excluded.
	again, err := fx.keys[0].Decrypt(fx.setup, fx.ids[0].SigningKey, Unverified(cts), decRand(77))
	require.NoError(t, err)
	require.NotEqual(t, es[0].Body, again.Body)
	ms, report, err = CombineWithReport(fx.setup, fx.result, cts, []*Entry{es[0], again, es[1], es[2]})
	require.NoError(t, err)
	assert.Equal(t, values, decLookup(t, ms))
	require.Len(t, report, 1)
	assert.Equal(t, uint32(1), report[0].Trustee)
	assert.True(t, report[0].Misbehaved)
	assert.Contains(t, report[0].Reason, "equivocation")

	_, err = Combine(fx.setup, fx.result, cts, []*Entry{es[0], again, es[1]})
	var ce *CombineError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Invalid[1], "equivocation")
}

func TestCombineMalformedEntry(t *testing.T) {
	fx := decDeal(t, 2, 3, 8)
	cts := decEncrypt(t, fx.pk, decValues(4, 9), decRand(11))
	es := fx.decShares(t, cts, 1, 2)
	resign := func(body []byte) *Entry {
		e := &Entry{Type: TypeDecryptionShares, Ceremony: es[0].Ceremony, Sender: 1, Body: body}
		e.Sign(fx.ids[0].SigningKey)
		return e
	}
	short := fx.decRebody(t, es[0], func(d *DecryptionSharesBody) {
		d.Shares, d.Proofs = d.Shares[:3], d.Proofs[:3]
	})
	garbled := bytes.Clone(es[0].Body)
	copy(garbled[decHeaderSize+2*decShareSize:], bytes.Repeat([]byte{0xff}, 32))
	for _, tc := range []struct {
		e          *Entry
		ciphertext int
		want       string
	}{
		{short, 0, "3 shares for a list of 4"},
		// A share that does not decode fails for its ciphertext only.
		{resign(garbled), 2, "share: element: non-canonical encoding"},
		{resign(garbled[:len(garbled)-1]), 0, "malformed entry"},
	} {
		_, err := Combine(fx.setup, fx.result, cts, []*Entry{tc.e, es[1]})
		var ce *CombineError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, tc.ciphertext, ce.Ciphertext)
		assert.Contains(t, ce.Invalid[1], tc.want)
	}
}

func TestCombineArguments(t *testing.T) {
	fx := decDeal(t, 2, 3, 9)
	cts := decEncrypt(t, fx.pk, decValues(3, 10), decRand(12))
	es := fx.decShares(t, cts, 1, 2)

	_, err := Combine(nil, fx.result, cts, es)
	assert.Error(t, err)
	_, err = Combine(fx.setup, nil, cts, es)
	assert.Error(t, err)
	r2 := *fx.result
	r2.VerificationKeys = r2.VerificationKeys[:2]
	_, err = Combine(fx.setup, &r2, cts, es)
	assert.ErrorContains(t, err, "2 verification keys for 3 trustees")
	r2.VerificationKeys = []*elgamal.Element{r2.VerificationKeys[0], nil, r2.VerificationKeys[1]}
	_, err = Combine(fx.setup, &r2, cts, es)
	assert.ErrorContains(t, err, "trustee 2")

	bad := append([]elgamal.Ciphertext(nil), cts...)
	bad[2].Alpha.Set(elgamal.NewElement())
	_, err = Combine(fx.setup, fx.result, bad, es)
	assert.ErrorIs(t, err, elgamal.ErrIdentity)
	assert.ErrorContains(t, err, "ciphertext 2")

	ms, err := Combine(fx.setup, fx.result, nil, fx.decShares(t, nil, 1, 2))
	require.NoError(t, err)
	assert.Empty(t, ms)
}

func TestDecryptErrors(t *testing.T) {
	fx := decDeal(t, 2, 3, 11)
	cts := decEncrypt(t, fx.pk, decValues(5, 11), decRand(13))
	k, signer := fx.keys[0], fx.ids[0].SigningKey

	_, err := k.Decrypt(fx.setup, signer, Unverified(cts), nil)
	assert.Error(t, err)
	_, err = k.Decrypt(nil, signer, Unverified(cts), crand.Reader)
	assert.Error(t, err)
	_, err = k.Decrypt(fx.setup, fx.ids[1].SigningKey, Unverified(cts), crand.Reader)
	assert.ErrorContains(t, err, "signer")
	_, err = k.Decrypt(fx.setup, nil, Unverified(cts), crand.Reader)
	assert.ErrorContains(t, err, "signer")
	k2 := *k
	k2.Index = 7
	_, err = k2.Decrypt(fx.setup, signer, Unverified(cts), crand.Reader)
	assert.ErrorContains(t, err, "index 7")
	k2 = *k
	k2.X = elgamal.Scalar{}
	_, err = k2.Decrypt(fx.setup, signer, Unverified(cts), crand.Reader)
	assert.ErrorIs(t, err, elgamal.ErrZeroScalar)

	bad := append([]elgamal.Ciphertext(nil), cts...)
	bad[4].Alpha.Set(elgamal.NewElement())
	_, err = k.Decrypt(fx.setup, signer, Unverified(bad), crand.Reader)
	assert.ErrorIs(t, err, elgamal.ErrIdentity)
	assert.ErrorContains(t, err, "ciphertext 4")

	_, err = k.Decrypt(fx.setup, signer, Unverified(cts), bytes.NewReader(make([]byte, 10)))
	assert.ErrorContains(t, err, "randomness")
}

func TestDecryptEntry(t *testing.T) {
	fx := decDeal(t, 2, 3, 12)
	cts := decEncrypt(t, fx.pk, decValues(200, 12), decRand(14))
	e, err := fx.keys[1].Decrypt(fx.setup, fx.ids[1].SigningKey, Unverified(cts), decRand(15))
	require.NoError(t, err)
	assert.Equal(t, TypeDecryptionShares, e.Type)
	assert.Equal(t, uint32(2), e.Sender)

	// The entry survives its encoding, and its body is well formed.
	e2, err := ParseEntry(fx.setup, e.Bytes())
	require.NoError(t, err)
	assert.Equal(t, e, e2)
	d, err := ParseDecryptionSharesBody(e2.Body)
	require.NoError(t, err)
	assert.Equal(t, ListHash(cts), d.ListHash)
	require.Len(t, d.Shares, len(cts))
	assert.Equal(t, e.Body, d.Bytes())
	// Every proof binds the list hash: it verifies in the list's context
	// only, not for the same ciphertext in another list.
	ctx := &zkp.Context{Election: e.Ceremony[:], Prover: 2, Binding: d.ListHash[:]}
	unbound := &zkp.Context{Election: e.Ceremony[:], Prover: 2}
	other := ListHash(cts[:1])
	elsewhere := &zkp.Context{Election: e.Ceremony[:], Prover: 2, Binding: other[:]}
	for _, l := range []int{0, 63, 64, 199} {
		assert.Error(t, zkp.VerifyDecryptionShare(unbound, fx.result.VerificationKeys[1], &cts[l], &d.Shares[l], d.Proofs[l]))
		assert.Error(t, zkp.VerifyDecryptionShare(elsewhere, fx.result.VerificationKeys[1], &cts[l], &d.Shares[l], d.Proofs[l]))
		want := new(elgamal.Element).ScalarMult(&fx.keys[1].X, &cts[l].Alpha)
		assert.Equal(t, 1, want.Equal(&d.Shares[l]), "share %d", l)
		assert.NoError(t, zkp.VerifyDecryptionShare(ctx, fx.result.VerificationKeys[1], &cts[l], &d.Shares[l], d.Proofs[l]))
	}

	// The output for one random stream does not depend on the cores.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	e1, err := fx.keys[1].Decrypt(fx.setup, fx.ids[1].SigningKey, Unverified(cts), decRand(15))
	require.NoError(t, err)
	runtime.GOMAXPROCS(4)
	e4, err := fx.keys[1].Decrypt(fx.setup, fx.ids[1].SigningKey, Unverified(cts), decRand(15))
	require.NoError(t, err)
	assert.Equal(t, e.Body, e1.Body)
	assert.Equal(t, e.Body, e4.Body)
}

func TestListHash(t *testing.T) {
	fx := decDeal(t, 1, 1, 13)
	cts := decEncrypt(t, fx.pk, decValues(3, 13), decRand(16))
	h := ListHash(cts)
	assert.NotEqual(t, h, ListHash(cts[:2]))
	assert.NotEqual(t, ListHash(nil), ListHash(cts[:1]))
	swapped := []elgamal.Ciphertext{cts[1], cts[0], cts[2]}
	assert.NotEqual(t, h, ListHash(swapped))

	// SHA-256("urna/v1/dkg/ciphertexts" ‖ u32 m ‖ c_1 ‖ … ‖ c_m).
	want := []byte("urna/v1/dkg/ciphertexts")
	want = binary.BigEndian.AppendUint32(want, 3)
	for i := range cts {
		want = append(want, cts[i].Bytes()...)
	}
	assert.Equal(t, sha256.Sum256(want), h)

	// Long lists are encoded in parallel batches.
	r := decRand(17)
	long := make([]elgamal.Ciphertext, decHashBatch+300)
	want = binary.BigEndian.AppendUint32([]byte("urna/v1/dkg/ciphertexts"), uint32(len(long)))
	g := elgamal.NewGeneratorElement()
	for i := range long {
		if i < 10 || i > decHashBatch-10 {
			var b [64]byte
			r.Read(b[:])
			long[i].Alpha.SetUniformBytes(b[:])
			long[i].Beta.Set(g)
		} else {
			long[i] = long[i%10]
		}
		want = append(want, long[i].Bytes()...)
	}
	assert.Equal(t, sha256.Sum256(want), ListHash(long))
}

func TestParseDecryptionSharesBody(t *testing.T) {
	fx := decDeal(t, 1, 1, 14)
	cts := decEncrypt(t, fx.pk, decValues(4, 14), decRand(18))
	e := fx.decShares(t, cts, 1)[0]
	good := e.Body
	d, err := ParseDecryptionSharesBody(good)
	require.NoError(t, err)
	require.Len(t, d.Shares, 4)
	require.Len(t, d.Proofs, 4)

	at := func(l, field int) int { return decHeaderSize + l*decShareSize + field }
	patch := func(off int, p []byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], p)
		return b
	}
	identity := make([]byte, 32)
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	for _, tc := range []struct {
		name string
		b    []byte
		is   error
		msgs []string
	}{
		{"empty", nil, elgamal.ErrLength, []string{"header"}},
		{"truncated", good[:len(good)-1], elgamal.ErrLength, []string{"want"}},
		{"trailing", append(bytes.Clone(good), 0), elgamal.ErrLength, []string{"4 shares"}},
		{"count too high", patch(32, []byte{0, 0, 0, 5}), elgamal.ErrLength, []string{"5 shares"}},
		{"count huge", patch(32, []byte{0xff, 0xff, 0xff, 0xff}), elgamal.ErrLength, []string{"4294967295 shares"}},
		{"identity share", patch(at(2, 0), identity), elgamal.ErrIdentity, []string{"share 2"}},
		{"non-canonical share", patch(at(1, 0), nonCanonical), elgamal.ErrNonCanonical, []string{"share 1"}},
		{"identity A1", patch(at(3, 32), identity), elgamal.ErrIdentity, []string{"proof 3", "A1"}},
		{"non-canonical A2", patch(at(0, 64), nonCanonical), elgamal.ErrNonCanonical, []string{"proof 0", "A2"}},
		{"non-canonical z", patch(at(2, 96), nonCanonical), elgamal.ErrNonCanonical, []string{"proof 2", "field z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseDecryptionSharesBody(tc.b)
			require.ErrorIs(t, err, tc.is)
			for _, m := range tc.msgs {
				assert.ErrorContains(t, err, m)
			}
		})
	}

	// The error names the first bad index even when several are bad and
	// decoding runs in parallel.
	m := 3*decWorkChunk + 5
	big := decBodyHeader([32]byte{}, m)
	g := elgamal.NewGeneratorElement()
	for l := range m {
		decPutShare(big, l, g, d.Proofs[0])
	}
	for _, l := range []int{decWorkChunk + 7, 2*decWorkChunk + 1, 3 * decWorkChunk} {
		copy(big[at(l, 0):], identity)
	}
	_, err = ParseDecryptionSharesBody(big)
	assert.ErrorContains(t, err, fmt.Sprintf("share %d ", decWorkChunk+7))
}

func FuzzParseDecryptionSharesBody(f *testing.F) {
	fx := decDeal(f, 1, 1, 15)
	cts := decEncrypt(f, fx.pk, decValues(3, 15), decRand(19))
	e := fx.decShares(f, cts, 1)[0]
	f.Add(e.Body)
	f.Add(e.Body[:decHeaderSize+decShareSize])
	f.Add(decBodyHeader([32]byte{1}, 0))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDecryptionSharesBody(b)
		if err != nil {
			return
		}
		require.Equal(t, len(d.Shares), len(d.Proofs))
		require.Equal(t, b, d.Bytes())
	})
}

func TestLagrangeAtZero(t *testing.T) {
	_, err := LagrangeAtZero(nil)
	assert.Error(t, err)
	_, err = LagrangeAtZero([]uint32{1, 0, 2})
	assert.ErrorContains(t, err, "index 0")
	_, err = LagrangeAtZero([]uint32{3, 1, 3})
	assert.ErrorContains(t, err, "index 3 appears twice")

	l, err := LagrangeAtZero([]uint32{5})
	require.NoError(t, err)
	assert.Equal(t, 1, l[0].Equal(new(elgamal.Scalar).SetUint64(1)))

	// λ for {1, 2}: 2/(2−1) = 2 and 1/(1−2) = −1.
	l, err = LagrangeAtZero([]uint32{1, 2})
	require.NoError(t, err)
	assert.Equal(t, 1, l[0].Equal(new(elgamal.Scalar).SetUint64(2)))
	assert.Equal(t, 1, l[1].Equal(new(elgamal.Scalar).Negate(new(elgamal.Scalar).SetUint64(1))))

	r := decRand(20)
	pr := mrand.New(mrand.NewPCG(1, 2))
	for _, deg := range []int{0, 1, 2, 4, 9, 63} {
		coeffs := make([]*elgamal.Scalar, deg+1)
		for k := range coeffs {
			coeffs[k] = decScalar(t, r)
		}
		// deg+1 distinct random indices, some large.
		seen := map[uint32]bool{}
		var idx []uint32
		for len(idx) < deg+1 {
			j := uint32(pr.Uint32N(70)) + 1
			if len(idx)%3 == 2 {
				j = pr.Uint32() | 1
			}
			if !seen[j] {
				seen[j] = true
				idx = append(idx, j)
			}
		}
		l, err := LagrangeAtZero(idx)
		require.NoError(t, err)
		sum := new(elgamal.Scalar)
		for a, j := range idx {
			sum.MultiplyAdd(l[a], decEval(coeffs, j), sum)
		}
		assert.Equal(t, 1, sum.Equal(coeffs[0]), "degree %d", deg)
	}
}

func TestCombineErrorMessage(t *testing.T) {
	e := &CombineError{
		Ciphertext: 3, Undecryptable: 2, Threshold: 3,
		Valid:   []uint32{2},
		Invalid: map[uint32]string{4: "bad proof", 1: "equivocation"},
		Missing: []uint32{3, 5},
	}
	assert.Equal(t, "threshold: cannot decrypt ciphertext 3: 1 valid decryption shares, need 3; "+
		"valid: trustees 2; invalid: trustee 1 (equivocation), trustee 4 (bad proof); "+
		"missing: trustees 3, 5 (2 ciphertexts in all cannot be decrypted)", e.Error())
	assert.True(t, errors.Is(e, ErrTooFewShares))
}

func TestDecParallel(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 11, 1000} {
		seen := make([]int, n)
		require.NoError(t, decParallel(n, 10, func(c, lo, hi int) error {
			assert.Equal(t, c*10, lo)
			for i := lo; i < hi; i++ {
				seen[i]++
			}
			return nil
		}))
		for i := range seen {
			assert.Equal(t, 1, seen[i], "n=%d i=%d", n, i)
		}
	}
	err := decParallel(1000, 10, func(c, lo, hi int) error {
		if c == 30 || c == 31 || c == 90 {
			return fmt.Errorf("chunk %d", c)
		}
		return nil
	})
	assert.EqualError(t, err, "chunk 30")
}

// decBenchShareSet prepares the shares of the given trustees of a 2-of-3
// ceremony for m ciphertexts quickly, without proofs: α_l = r_l·G, so
// D_j,l = (x_j·r_l)·G by the base table.
func decBenchShareSet(b *testing.B, m int, trustees ...uint32) (*decShareSet, [][]elgamal.Element, []uint64) {
	fx := decDeal(b, 2, 3, 42)
	values := decValues(m, 42)
	set := &decShareSet{
		t: 2, n: 3, cts: make([]elgamal.Ciphertext, m),
		invalid: map[uint32]map[int]string{}, excluded: map[uint32]string{}, missing: map[uint32]string{},
	}
	shares := make([][]elgamal.Element, 3)
	for j := uint32(1); j <= 3; j++ {
		set.missing[j] = "no decryption-shares entry"
	}
	for _, j := range trustees {
		shares[j-1] = make([]elgamal.Element, m)
		delete(set.missing, j)
	}
	seeds := make([]byte, 32*((m+decProveChunk-1)/decProveChunk))
	_, _ = decRand(43).Read(seeds)
	require.NoError(b, decParallel(m, decProveChunk, func(c, lo, hi int) error {
		rng := mrand.NewChaCha8([32]byte(seeds[c*32:]))
		for l := lo; l < hi; l++ {
			rl := decScalar(b, rng)
			set.cts[l] = *fx.pk.EncryptIntWithNonce(values[l], rl)
			for _, j := range trustees {
				xr := new(elgamal.Scalar).Multiply(&fx.keys[j-1].X, rl)
				shares[j-1][l].ScalarBaseMult(xr)
			}
		}
		return nil
	}))
	return set, shares, values
}

func BenchmarkDecryptShares(b *testing.B) {
	fx := decDeal(b, 2, 3, 50)
	const m = 256
	cts := decEncrypt(b, fx.pk, decValues(m, 50), decRand(51))
	run := func(b *testing.B) {
		for b.Loop() {
			if _, err := fx.keys[0].Decrypt(fx.setup, fx.ids[0].SigningKey, Unverified(cts), crand.Reader); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*m), "µs/share")
	}
	b.Run(fmt.Sprintf("cores=%d", runtime.GOMAXPROCS(0)), run)
	b.Run("cores=1", func(b *testing.B) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		run(b)
	})
}

func BenchmarkCombine(b *testing.B) {
	// The combination step alone: t = 2 shares for 100,000 ciphertexts.
	// With S = {1, 2} the Lagrange coefficients are the integers 2 and −1;
	// with S = {1, 3} they are 3/2 and −1/2 and take a full multi-scalar
	// multiplication.
	for _, trustees := range [][]uint32{{1, 2}, {1, 3}} {
		name := fmt.Sprintf("combine-only/t=2/S=%d,%d/ciphertexts=100000", trustees[0], trustees[1])
		b.Run(name, func(b *testing.B) {
			const m = 100000
			set, shares, values := decBenchShareSet(b, m, trustees...)
			b.ResetTimer()
			var ms []*elgamal.Element
			for b.Loop() {
				c := set.newCombiner()
				if err := c.combine(shares, 0, m); err != nil {
					b.Fatal(err)
				}
				var err error
				if ms, err = c.finish(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*m), "µs/ciphertext")
			require.Equal(b, values[:100], decLookup(b, ms[:100]))
			require.Equal(b, values[m-100:], decLookup(b, ms[m-100:]))
		})
	}

	// Everything: decode, batch-verify and combine, t = n = 2, for 10,000
	// and 100,000 ciphertexts (the latter takes a while to prepare); and
	// the verification alone.
	fx := decDeal(b, 2, 2, 60)
	for _, m := range []int{10000, 100000} {
		values := decValues(m, 60)
		var cts []elgamal.Ciphertext
		var es []*Entry
		prepare := func(b *testing.B) {
			if es == nil {
				cts = decEncrypt(b, fx.pk, values, decRand(61))
				es = fx.decShares(b, cts, 1, 2)
			}
		}
		b.Run(fmt.Sprintf("full/t=2/ciphertexts=%d", m), func(b *testing.B) {
			prepare(b)
			b.ResetTimer()
			for b.Loop() {
				ms, err := Combine(fx.setup, fx.result, cts, es)
				if err != nil || len(ms) != m {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*2*m), "µs/share")
		})
		b.Run(fmt.Sprintf("verify/t=2/ciphertexts=%d", m), func(b *testing.B) {
			prepare(b)
			b.ResetTimer()
			for b.Loop() {
				set, err := decCollect(fx.setup, fx.result, cts, es)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := set.run(false); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*2*m), "µs/share")
		})
	}
}

func TestDecSmallCombination(t *testing.T) {
	one := new(elgamal.Scalar).SetUint64(1)
	two64 := new(elgamal.Scalar).SetUint64(1 << 63)
	two64.Add(two64, two64)
	for _, tc := range []struct {
		s   *elgamal.Scalar
		mag uint64
		neg bool
		ok  bool
	}{
		{new(elgamal.Scalar), 0, false, true},
		{one, 1, false, true},
		{new(elgamal.Scalar).SetUint64(5), 5, false, true},
		{new(elgamal.Scalar).Negate(new(elgamal.Scalar).SetUint64(5)), 5, true, true},
		{new(elgamal.Scalar).SetUint64(1<<64 - 1), 1<<64 - 1, false, true},
		{new(elgamal.Scalar).Negate(new(elgamal.Scalar).SetUint64(1<<64 - 1)), 1<<64 - 1, true, true},
		{two64, 0, false, false},
		{new(elgamal.Scalar).Negate(two64), 0, false, false},
		{new(elgamal.Scalar).Invert(new(elgamal.Scalar).SetUint64(2)), 0, false, false},
	} {
		v, ok := decSmall(tc.s)
		require.Equal(t, tc.ok, ok, "%x", tc.s.Bytes())
		if ok {
			assert.Equal(t, decSmallInt{tc.mag, tc.neg}, v)
		}
	}

	// The small path agrees with the multi-scalar multiplication for the
	// Lagrange coefficients of {1..t}, which are all small.
	r := decRand(21)
	for _, tt := range []int{2, 3, 7, 20, 64} {
		idx := decAll(tt)
		lambda, err := LagrangeAtZero(idx)
		require.NoError(t, err)
		small := make([]decSmallInt, tt)
		nbits := 0
		points := make([]*elgamal.Element, tt)
		for a := range lambda {
			v, ok := decSmall(lambda[a])
			require.True(t, ok, "t=%d λ_%d", tt, a+1)
			small[a], nbits = v, max(nbits, bits.Len64(v.mag))
			points[a] = new(elgamal.Element).ScalarBaseMult(decScalar(t, r))
		}
		want := new(elgamal.Element).VarTimeMultiScalarMult(lambda, points)
		assert.Equal(t, 1, want.Equal(decSmallCombination(small, nbits, points)), "t=%d", tt)
	}
}
