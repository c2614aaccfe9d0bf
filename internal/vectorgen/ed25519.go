package main

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math/big"

	"filippo.io/edwards25519"

	"github.com/urnavote/urna/vectors"
)

// Ed25519 verification vectors (spec/notation.md, "Ed25519 signatures"):
// the edge cases on which Ed25519 verifiers disagree, each with the
// result crypto/ed25519.Verify gives, which is the rule urna follows.

var (
	edOrder = func() *big.Int {
		l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
		return l
	}()
	// Encodings of small-order points.
	edIdentity      = edHex("0100000000000000000000000000000000000000000000000000000000000000")
	edIdentityYP    = edHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") // y = p + 1
	edIdentitySign  = edHex("0100000000000000000000000000000000000000000000000000000000000080") // x = 0, sign bit set
	edOrder2        = edHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") // y = p − 1
	edOrder4YP      = edHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") // y = p (≡ 0)
	edOrder8        = edHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
	edNotOnCurveY02 = edHex("0200000000000000000000000000000000000000000000000000000000000000")
)

func edHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("vectorgen: bad ed25519 constant " + s)
	}
	return b
}

// edK is k = SHA-512(R ‖ A ‖ M) reduced modulo ℓ.
func edK(r, a, m []byte) *edwards25519.Scalar {
	h := sha512.New()
	h.Write(r)
	h.Write(a)
	h.Write(m)
	k, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil))
	return k
}

// edSig is R ‖ S.
func edSig(r []byte, s *edwards25519.Scalar) []byte {
	return append(append([]byte(nil), r...), s.Bytes()...)
}

// edMessage returns the first message "urna ed25519 vector: what, n" for
// n = 0, 1, … whose k under R and A satisfies ok.
func edMessage(what string, r, a []byte, ok func(k0 byte) bool) []byte {
	for n := 0; ; n++ {
		m := fmt.Appendf(nil, "urna ed25519 vector: %s, %d", what, n)
		if ok(edK(r, a, m).Bytes()[0]) {
			return m
		}
	}
}

func ed25519Vectors() *set {
	s := &set{}
	r := newRNG("ed25519/verify")
	const typ = "ed25519/verify"
	want := func(valid bool, comment string, pub, msg, sig []byte) {
		c := &vectors.Case{Type: typ, Comment: comment, Inputs: map[string]string{
			"public_key": hx(pub), "message": hx(msg), "signature": hx(sig),
		}}
		_, err := vectors.Outcome(c)
		if (err == nil) != valid && s.err == nil {
			s.err = fmt.Errorf("%s: %q: crypto/ed25519.Verify gives %v, the spec says valid = %v", typ, comment, err, valid)
		}
		if valid {
			s.valid(c)
		} else {
			s.invalid(c)
		}
	}

	seed := r.bytes(ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := []byte(priv.Public().(ed25519.PublicKey))
	hs := sha512.Sum512(seed)
	a, err := edwards25519.NewScalar().SetBytesWithClamping(hs[:32])
	if err != nil {
		panic(err)
	}
	msg := []byte("urna ed25519 vector")
	sig := ed25519.Sign(priv, msg)
	want(true, "a signature by RFC 8032 §5.1.6", pub, msg, sig)
	want(false, "another message", pub, append(msg, '!'), sig)
	want(false, "the signature cut to 63 bytes", pub, msg, sig[:63])

	S := new(big.Int).SetBytes(reverse(sig[32:]))
	for _, m := range []struct {
		add     *big.Int
		comment string
	}{
		{edOrder, "S + ℓ: the same S modulo ℓ, not canonical (S ≥ ℓ)"},
		{new(big.Int).Lsh(edOrder, 3), "S + 8ℓ: a bit of the top three bits of S set"},
	} {
		sig2 := append(sig[:32:32], reverse(leftPad(new(big.Int).Add(S, m.add).Bytes(), 32))...)
		want(false, m.comment, pub, msg, sig2)
	}

	// R the identity: the signer's nonce is 0, so S = k·a.
	for _, rc := range []struct {
		enc   []byte
		valid bool
		what  string
	}{
		{edIdentity, true, "R the identity, canonical (a nonce of 0): accepted"},
		{edIdentityYP, false, "R the identity encoded with y = p + 1, S = k·a for that R: the equation holds but R is not canonical"},
		{edIdentitySign, false, "R the identity encoded with x = 0 and the sign bit set, S = k·a for that R: not canonical"},
	} {
		k := edK(rc.enc, pub, msg)
		want(rc.valid, rc.what, pub, msg, edSig(rc.enc, edwards25519.NewScalar().Multiply(k, a)))
	}

	// Small-order public keys: R the identity and S = 0 satisfy the
	// equation whenever [k]A is the identity.
	zero := edwards25519.NewScalar()
	want(true, "A the identity (small order), R the identity, S = 0: accepted for every message, so anyone can sign", edIdentity, msg, edSig(edIdentity, zero))
	want(true, "A the identity encoded with y = p + 1 (not canonical): accepted", edIdentityYP, msg, edSig(edIdentity, zero))
	want(true, "A the identity encoded with x = 0 and the sign bit set (not canonical): accepted", edIdentitySign, msg, edSig(edIdentity, zero))
	m := edMessage("order 2, k even", edIdentity, edOrder2, func(k0 byte) bool { return k0%2 == 0 })
	want(true, "A of order 2 (y = p − 1), R the identity, S = 0, a message with k even: [k]A is the identity", edOrder2, m, edSig(edIdentity, zero))
	m = edMessage("order 2, k odd", edIdentity, edOrder2, func(k0 byte) bool { return k0%2 == 1 })
	want(false, "A of order 2, R the identity, S = 0, a message with k odd: [S]B − [k]A = A, not R", edOrder2, m, edSig(edIdentity, zero))
	m = edMessage("order 4, k ≡ 0 mod 4", edIdentity, edOrder4YP, func(k0 byte) bool { return k0%4 == 0 })
	want(true, "A of order 4 encoded with y = p (not canonical, y ≡ 0), R the identity, S = 0, k ≡ 0 mod 4: accepted", edOrder4YP, m, edSig(edIdentity, zero))
	want(false, "A = 2 (y = 2 is on no point of the curve): rejected", edNotOnCurveY02, msg, sig)

	// A mixed-order key: A = a·B + T for T of order 8, signed as RFC 8032
	// does with that A. The cofactorless equation holds iff [k]T is the
	// identity, i.e. k ≡ 0 mod 8.
	t8, err := new(edwards25519.Point).SetBytes(edOrder8)
	if err != nil || new(edwards25519.Point).MultByCofactor(t8).Equal(edwards25519.NewIdentityPoint()) != 1 ||
		new(edwards25519.Point).Add(t8, t8).Add(new(edwards25519.Point).Add(t8, t8), new(edwards25519.Point).Add(t8, t8)).Equal(edwards25519.NewIdentityPoint()) == 1 {
		panic("vectorgen: the order-8 constant is not of order 8")
	}
	mixed := new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(a), t8).Bytes()
	nonce := r.bytes(64)
	rs, _ := edwards25519.NewScalar().SetUniformBytes(nonce)
	R := new(edwards25519.Point).ScalarBaseMult(rs).Bytes()
	for _, mc := range []struct {
		valid bool
		what  string
		ok    func(k0 byte) bool
	}{
		{true, "A of mixed order (a·B plus a point of order 8), signed with a, a message with k ≡ 0 mod 8: accepted", func(k0 byte) bool { return k0%8 == 0 }},
		{false, "A of mixed order, signed with a, a message with k odd: rejected by the cofactorless equation (a cofactored verifier accepts it)", func(k0 byte) bool { return k0%2 == 1 }},
	} {
		m := edMessage(mc.what[:20], R, mixed, mc.ok)
		k := edK(R, mixed, m)
		S := edwards25519.NewScalar().MultiplyAdd(k, a, rs)
		want(mc.valid, mc.what, mixed, m, edSig(R, S))
	}
	return s
}

func reverse(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[len(b)-1-i] = b[i]
	}
	return out
}

func leftPad(b []byte, n int) []byte {
	return append(make([]byte, n-len(b)), b...)
}
