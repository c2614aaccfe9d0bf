package mixnet

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// withOutput returns a copy of the statement with another output list.
func (s *mxStage) withOutput(out []elgamal.CiphertextVector) *Statement {
	st := *s.st
	st.Output = out
	return &st
}

// cloneList copies a list, vectors included.
func cloneList(list []elgamal.CiphertextVector) []elgamal.CiphertextVector {
	out := make([]elgamal.CiphertextVector, len(list))
	for i := range list {
		out[i] = append(elgamal.CiphertextVector(nil), list[i]...)
	}
	return out
}

func TestVerifyRejectsSwappedCiphertext(t *testing.T) {
	s := mxShuffle(t, "swap", 8, 2)
	r := mxRand("swap-2")
	// Another encryption of the same plaintext: a valid re-encryption, but
	// not the one the proof is about.
	for _, i := range []int{0, 5} {
		out := cloneList(s.st.Output)
		c, _, err := s.st.PublicKey.Encrypt(s.key.Decrypt(&out[i][1]), r)
		require.NoError(t, err)
		out[i][1] = *c
		requireCheck(t, Verify(s.withOutput(out), s.proof, nil), "t1")
	}
	// An encryption of another plaintext.
	out := cloneList(s.st.Output)
	c, _, err := s.st.PublicKey.EncryptInt(42, r)
	require.NoError(t, err)
	out[3][0] = *c
	requireCheck(t, Verify(s.withOutput(out), s.proof, nil), "t1")
}

func TestVerifyRejectsDroppedVector(t *testing.T) {
	s := mxShuffle(t, "drop", 6, 1)
	err := Verify(s.withOutput(s.st.Output[:5]), s.proof, nil)
	requireCheck(t, err, "input/output counts")
	require.ErrorIs(t, err, elgamal.ErrLength)
	// Dropped from both lists: the proof is for 6.
	st := s.withOutput(s.st.Output[:5])
	st.Input = st.Input[:5]
	requireCheck(t, Verify(st, s.proof, nil), "input/output counts")
}

func TestVerifyRejectsDuplicatedVector(t *testing.T) {
	s := mxShuffle(t, "duplicate", 6, 2)
	for _, c := range [][2]int{{0, 1}, {5, 2}} {
		out := cloneList(s.st.Output)
		out[c[1]] = out[c[0]]
		requireCheck(t, Verify(s.withOutput(out), s.proof, nil), "t1")
	}
}

func TestVerifyRejectsOtherGenerators(t *testing.T) {
	s := mxShuffle(t, "generators", 7, 1)
	var seed [32]byte
	seed[0] = 9
	// Proved under the right context but with another election's
	// generators.
	p, err := prove(s.st, s.wit, newGenSource([]byte("another election")), &seed, nil)
	require.NoError(t, err)
	require.Error(t, Verify(s.st, p, nil))
	// Under the generators it was made with, it verifies: the failure is
	// the generators'.
	require.NoError(t, verify(s.st, p, newGenSource([]byte("another election")), nil))
	q, err := prove(s.st, s.wit, newGenSource(s.st.Context.Election), &seed, nil)
	require.NoError(t, err)
	require.NoError(t, Verify(s.st, q, nil))
}

func TestVerifyRejectsReplayedContext(t *testing.T) {
	s := mxShuffle(t, "context", 5, 2)
	ctx := s.st.Context
	other := []*zkp.Context{
		{Election: append(bytes.Clone(ctx.Election[:31]), ctx.Election[31]^1), Prover: ctx.Prover, Binding: ctx.Binding},
		{Election: ctx.Election, Prover: ctx.Prover + 1, Binding: ctx.Binding},
		{Election: ctx.Election, Prover: ctx.Prover, Binding: []byte("mixer-3-identity")},
		{Election: ctx.Election, Prover: ctx.Prover, Binding: nil},
		nil,
	}
	for i, c := range other {
		st := *s.st
		st.Context = c
		require.ErrorIs(t, Verify(&st, s.proof, nil), zkp.ErrInvalidProof, "context %d", i)
	}
}

func TestVerifyRejectsWrongPublicKey(t *testing.T) {
	s := mxShuffle(t, "public-key", 5, 1)
	key2, err := elgamal.GenerateKey(mxRand("public-key-2"))
	require.NoError(t, err)
	st := *s.st
	st.PublicKey = key2.PublicKey()
	requireCheck(t, Verify(&st, s.proof, nil), "t1")
}

func TestVerifyRejectsWidthMismatch(t *testing.T) {
	s := mxShuffle(t, "width", 4, 2)
	// Output narrower than the input.
	out := cloneList(s.st.Output)
	for i := range out {
		out[i] = out[i][:1]
	}
	err := Verify(s.withOutput(out), s.proof, nil)
	requireCheck(t, err, "widths")
	require.ErrorIs(t, err, elgamal.ErrWidth)
	// One vector of another width.
	out = cloneList(s.st.Output)
	out[2] = out[2][:1]
	requireCheck(t, Verify(s.withOutput(out), s.proof, nil), "widths")
	// Both lists of width 1: the proof is for width 2.
	st := s.withOutput(out)
	st.Input = cloneList(s.st.Input)
	for i := range out {
		st.Input[i], out[i] = st.Input[i][:1], out[i][:1]
	}
	requireCheck(t, Verify(st, s.proof, nil), "widths")
}

func TestVerifyRejectsEmptyAndMissing(t *testing.T) {
	s := mxShuffle(t, "empty", 2, 1)
	st := &Statement{Context: s.st.Context, PublicKey: s.st.PublicKey}
	requireCheck(t, Verify(st, s.proof, nil), "input/output counts")

	var ve *VerifyError
	err := Verify(nil, s.proof, nil)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "statement", ve.Check)
	assert.NotErrorIs(t, err, zkp.ErrInvalidProof)
	require.ErrorAs(t, Verify(s.st, nil, nil), &ve)
	assert.Equal(t, "statement", ve.Check)
	noKey := *s.st
	noKey.PublicKey = nil
	require.ErrorAs(t, Verify(&noKey, s.proof, nil), &ve)
	assert.Equal(t, "statement", ve.Check)
	// The zero Proof is for no vectors.
	requireCheck(t, Verify(s.st, &Proof{}, nil), "input/output counts")

	_, err = Prove(st, s.wit, mxRand("x"), nil)
	require.ErrorIs(t, err, elgamal.ErrLength)
}

// replaceField returns the proof with the 32 bytes at off replaced by a
// different valid encoding of the same kind.
func replaceField(t *testing.T, p *Proof, off int, scalar bool) *Proof {
	t.Helper()
	b := p.Bytes()
	if scalar {
		var s elgamal.Scalar
		_, err := s.SetCanonicalBytes(b[off : off+32])
		require.NoError(t, err)
		s.Add(&s, new(elgamal.Scalar).SetUint64(1))
		copy(b[off:], s.Bytes())
	} else {
		var e elgamal.Element
		_, err := e.SetCanonicalBytes(b[off : off+32])
		require.NoError(t, err)
		e.Add(&e, elgamal.NewGeneratorElement())
		copy(b[off:], e.Bytes())
	}
	q, err := ParseProof(b, p.n, p.width)
	require.NoError(t, err)
	return q
}

func TestVerifyRejectsTamperedProof(t *testing.T) {
	const n, w = 6, 2
	s := mxShuffle(t, "tamper", n, w)
	l := layout{n, w}
	cases := []struct {
		field  string
		off    int
		scalar bool
		check  string // "" if any check may fail
	}{
		// Commitments are hashed: every challenge changes.
		{"c[1]", l.c(0), false, "t1"},
		{"c[6]", l.c(5), false, "t1"},
		{"chat[1]", l.chat(0), false, "t1"},
		{"chat[6]", l.chat(5), false, "t1"},
		{"that[3]", l.that(2), false, "t1"},
		{"t1", l.t1(), false, "t1"},
		{"t2", l.t2(), false, "t1"},
		{"t3", l.t3(), false, "t1"},
		{"t4[0].alpha", l.t4(0), false, "t1"},
		{"t4[1].beta", l.t4(1) + 32, false, "t1"},
		// Responses are not hashed: only their equations fail.
		{"s1", l.s1(), true, "t1"},
		{"s2", l.s2(), true, "t2"},
		{"s3", l.s3(), true, "t3"},
		{"s4[0]", l.s4(0), true, "t4"},
		{"s4[1]", l.s4(1), true, "t4"},
		{"shat[1]", l.shat(0), true, "commitment chain"},
		{"shat[6]", l.shat(5), true, "commitment chain"},
		{"sprime[1]", l.sprime(0), true, "t3"},
		{"sprime[4]", l.sprime(3), true, "t3"},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			require.Equal(t, c.field, l.field(c.off))
			q := replaceField(t, s.proof, c.off, c.scalar)
			requireCheck(t, Verify(s.st, q, nil), c.check)
		})
	}
	// Swapping two permutation commitments or two chain elements.
	for _, sec := range []int{l.c(0), l.chat(0), l.that(0), l.sprime(0)} {
		b := s.proof.Bytes()
		x := bytes.Clone(b[sec : sec+32])
		copy(b[sec:], b[sec+32:sec+64])
		copy(b[sec+32:], x)
		q, err := ParseProof(b, n, w)
		require.NoError(t, err)
		require.ErrorIs(t, Verify(s.st, q, nil), zkp.ErrInvalidProof, "swap at %s", l.field(sec))
	}
	// A proof of another shuffle of the same input.
	o := mxShuffle(t, "tamper-other", n, w)
	st := *s.st
	st.Output = o.st.Output
	require.Error(t, Verify(&st, s.proof, nil))
}

func TestVerifyAfterRoundTripOfLists(t *testing.T) {
	// A verifier that decodes the lists from bytes gets the same answer.
	s := mxShuffle(t, "roundtrip", 5, 3)
	st := *s.st
	st.Input, st.Output = nil, nil
	for _, v := range s.st.Input {
		d, err := elgamal.ParseCiphertextVector(v.Bytes(), 3)
		require.NoError(t, err)
		st.Input = append(st.Input, d)
	}
	for _, v := range s.st.Output {
		d, err := elgamal.ParseCiphertextVector(v.Bytes(), 3)
		require.NoError(t, err)
		st.Output = append(st.Output, d)
	}
	require.NoError(t, Verify(&st, s.proof, nil))
}

func TestParseProofRejects(t *testing.T) {
	const n, w = 3, 2
	s := mxShuffle(t, "parse", n, w)
	good := s.proof.Bytes()
	l := layout{n, w}

	fieldErr := func(t *testing.T, b []byte, field string, target error) {
		t.Helper()
		_, err := ParseProof(b, n, w)
		require.ErrorIs(t, err, target)
		var fe *zkp.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, field, fe.Field)
	}
	// Lengths.
	fieldErr(t, good[:len(good)-1], fmt.Sprintf("sprime[%d]", n), elgamal.ErrLength)
	fieldErr(t, good[:l.t1()], "t1", elgamal.ErrLength)
	fieldErr(t, nil, "c[1]", elgamal.ErrLength)
	fieldErr(t, append(bytes.Clone(good), 0), "(end)", elgamal.ErrLength)
	for _, c := range [][2]int{{0, w}, {n, 0}, {n, MaxWidth + 1}, {-1, w}} {
		_, err := ParseProof(good, c[0], c[1])
		require.ErrorIs(t, err, elgamal.ErrLength, "%v", c)
	}
	_, err := ParseProof(good, n+1, w)
	require.ErrorIs(t, err, elgamal.ErrLength)

	// Non-canonical elements: a negative field element (odd first byte),
	// and a value ≥ p.
	for _, off := range []int{l.c(1), l.chat(2), l.that(0), l.t2(), l.t4(1) + 32} {
		b := bytes.Clone(good)
		b[off] |= 1
		fieldErr(t, b, l.field(off), elgamal.ErrNonCanonical)
		b = bytes.Clone(good)
		copy(b[off:], bytes.Repeat([]byte{0xff}, 32))
		fieldErr(t, b, l.field(off), elgamal.ErrNonCanonical)
	}
	// The identity as a commitment.
	for _, off := range []int{l.c(0), l.chat(1), l.that(2), l.t1(), l.t3(), l.t4(0)} {
		b := bytes.Clone(good)
		clear(b[off : off+32])
		fieldErr(t, b, l.field(off), elgamal.ErrIdentity)
	}
	// Non-canonical scalars: ℓ itself, and 2^256 − 1.
	ell := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	for _, off := range []int{l.s1(), l.s3(), l.s4(1), l.shat(0), l.sprime(2)} {
		b := bytes.Clone(good)
		copy(b[off:], ell)
		fieldErr(t, b, l.field(off), elgamal.ErrNonCanonical)
		copy(b[off:], bytes.Repeat([]byte{0xff}, 32))
		fieldErr(t, b, l.field(off), elgamal.ErrNonCanonical)
	}
	// Zero responses are canonical.
	b := bytes.Clone(good)
	clear(b[l.sprime(0) : l.sprime(0)+32])
	_, err = ParseProof(b, n, w)
	require.NoError(t, err)

	// The first failing field is reported, whichever part of the proof
	// it is in.
	b = bytes.Clone(good)
	clear(b[l.sprime(2) : l.sprime(2)+32])
	copy(b[l.sprime(2):], ell)
	clear(b[l.c(2) : l.c(2)+32])
	fieldErr(t, b, "c[3]", elgamal.ErrIdentity)
}

func FuzzParseProof(f *testing.F) {
	s := mxShuffle(f, "fuzz", 2, 1)
	f.Add(s.proof.Bytes(), uint8(2), uint8(1))
	f.Add(make([]byte, ProofSize(1, 1)), uint8(1), uint8(1))
	f.Add([]byte{}, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, n, w uint8) {
		p, err := ParseProof(b, int(n), int(w))
		if err != nil {
			require.Nil(t, p)
			return
		}
		require.Equal(t, b, p.Bytes())
		require.Equal(t, int(n), p.N())
		require.Equal(t, int(w), p.Width())
	})
}
