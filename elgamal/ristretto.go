package elgamal

import (
	"crypto/subtle"
	"math/big"

	"filippo.io/edwards25519/field"
)

// This file holds the field-level ristretto255 maps of RFC 9496 §4.3:
// decoding (§4.3.1), encoding (§4.3.2), equality (§4.3.3) and the one-way
// map MAP of element derivation (§4.3.4). Everything here is constant time.

var (
	feOne = new(field.Element).One()
	feD   = feFromDecimal("37095705934669439343138083508754565189542113879843219016388785533085940283555")
	// sqrtM1 is SQRT_M1, the non-negative square root of -1.
	sqrtM1 = feFromDecimal("19681161376707505956807079304988542015446066515923890162744021073123829784752")
	// sqrtADMinusOne is SQRT_AD_MINUS_ONE = sqrt(a·d − 1) with a = −1.
	sqrtADMinusOne = feFromDecimal("25063068953384623474111414158702152701244531502492656460079210482610430750235")
	// invSqrtAMinusD is INVSQRT_A_MINUS_D = 1/sqrt(a − d).
	invSqrtAMinusD = feFromDecimal("54469307008909316920995813868745141605393597292927456921205312896311721017578")
	// oneMinusDSq is ONE_MINUS_D_SQ = 1 − d².
	oneMinusDSq = feFromDecimal("1159843021668779879193775521855586647937357759715417654439879720876111806838")
	// dMinusOneSq is D_MINUS_ONE_SQ = (d − 1)².
	dMinusOneSq = feFromDecimal("40440834346308536858101042469323190826248399146238708352240133220865137265952")
)

// feFromDecimal parses a constant written in decimal, as RFC 9496 §4.1 lists
// them, so the constants can be checked against the document by eye.
func feFromDecimal(s string) *field.Element {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("elgamal: bad field constant " + s)
	}
	var le [32]byte
	n.FillBytes(le[:])
	for i := 0; i < 16; i++ {
		le[i], le[31-i] = le[31-i], le[i]
	}
	fe, err := new(field.Element).SetBytes(le[:])
	if err != nil {
		panic(err)
	}
	return fe
}

// rDecode implements RFC 9496 §4.3.1. It returns 1 and sets X, Y, Z, T when
// b is the canonical encoding of an element, and 0 otherwise. It runs in
// constant time so that it can be used on secret data (see EncodeData).
func rDecode(b *[32]byte, X, Y, Z, T *field.Element) int {
	s, _ := new(field.Element).SetBytes(b[:])
	// Canonical: re-encoding reproduces b exactly (this also rejects a set
	// top bit, which SetBytes ignores), and s is non-negative.
	canonical := subtle.ConstantTimeCompare(s.Bytes(), b[:])
	canonical &= 1 ^ s.IsNegative()

	var ss, u1, u2, u2Sqr, v, t0, t1, invSqrt, denX, denY field.Element
	ss.Square(s)
	u1.Subtract(feOne, &ss)
	u2.Add(feOne, &ss)
	u2Sqr.Square(&u2)
	// v = −(D·u1²) − u2²
	t0.Square(&u1)
	v.Multiply(feD, &t0)
	v.Negate(&v)
	v.Subtract(&v, &u2Sqr)

	t1.Multiply(&v, &u2Sqr)
	_, wasSquare := invSqrt.SqrtRatio(feOne, &t1)

	denX.Multiply(&invSqrt, &u2)
	denY.Multiply(&invSqrt, &denX)
	denY.Multiply(&denY, &v)

	X.Add(s, s)
	X.Multiply(X, &denX)
	X.Absolute(X)
	Y.Multiply(&u1, &denY)
	Z.One()
	T.Multiply(X, Y)

	var zero field.Element
	ok := canonical & wasSquare & (1 ^ T.IsNegative()) & (1 ^ Y.Equal(&zero))
	return ok
}

// rEncode implements RFC 9496 §4.3.2, writing the canonical encoding of the
// element represented by (X:Y:Z:T) to out.
func rEncode(out *[32]byte, X, Y, Z, T *field.Element) {
	var u1, u2, t0, invSqrt, den1, den2, zInv, ix, iy, enchanted field.Element
	t0.Add(Z, Y)
	u1.Subtract(Z, Y)
	u1.Multiply(&u1, &t0)
	u2.Multiply(X, Y)

	t0.Square(&u2)
	t0.Multiply(&t0, &u1)
	invSqrt.SqrtRatio(feOne, &t0)

	den1.Multiply(&invSqrt, &u1)
	den2.Multiply(&invSqrt, &u2)
	zInv.Multiply(&den1, &den2)
	zInv.Multiply(&zInv, T)

	ix.Multiply(X, sqrtM1)
	iy.Multiply(Y, sqrtM1)
	enchanted.Multiply(&den1, invSqrtAMinusD)

	t0.Multiply(T, &zInv)
	rotate := t0.IsNegative()

	var x, y, denInv field.Element
	x.Select(&iy, X, rotate)
	y.Select(&ix, Y, rotate)
	denInv.Select(&enchanted, &den2, rotate)

	t0.Multiply(&x, &zInv)
	var negY field.Element
	negY.Negate(&y)
	y.Select(&negY, &y, t0.IsNegative())

	var s field.Element
	s.Subtract(Z, &y)
	s.Multiply(&denInv, &s)
	s.Absolute(&s)
	copy(out[:], s.Bytes())
}

// rEqual implements RFC 9496 §4.3.3: x1·y2 == y1·x2 or y1·y2 == x1·x2.
func rEqual(X1, Y1, X2, Y2 *field.Element) int {
	var a, b, c, d field.Element
	a.Multiply(X1, Y2)
	b.Multiply(Y1, X2)
	c.Multiply(Y1, Y2)
	d.Multiply(X1, X2)
	return a.Equal(&b) | c.Equal(&d)
}

// rMap is the MAP function of RFC 9496 §4.3.4, from a field element t to a
// point in extended coordinates.
func rMap(t *field.Element, X, Y, Z, T *field.Element) {
	var r, u, v, t0, t1, s, sPrime, c, n, w0, w1, w2, w3 field.Element
	minusOne := new(field.Element).Negate(feOne)

	r.Square(t)
	r.Multiply(&r, sqrtM1)
	u.Add(&r, feOne)
	u.Multiply(&u, oneMinusDSq)
	// v = (−1 − r·D)·(r + D)
	t0.Multiply(&r, feD)
	t0.Subtract(minusOne, &t0)
	t1.Add(&r, feD)
	v.Multiply(&t0, &t1)

	_, wasSquare := s.SqrtRatio(&u, &v)
	sPrime.Multiply(&s, t)
	sPrime.Absolute(&sPrime)
	sPrime.Negate(&sPrime)
	s.Select(&s, &sPrime, wasSquare)
	c.Select(minusOne, &r, wasSquare)

	// N = c·(r − 1)·D_MINUS_ONE_SQ − v
	t0.Subtract(&r, feOne)
	n.Multiply(&c, &t0)
	n.Multiply(&n, dMinusOneSq)
	n.Subtract(&n, &v)

	w0.Add(&s, &s)
	w0.Multiply(&w0, &v)
	w1.Multiply(&n, sqrtADMinusOne)
	t0.Square(&s)
	w2.Subtract(feOne, &t0)
	w3.Add(feOne, &t0)

	X.Multiply(&w0, &w3)
	Y.Multiply(&w2, &w1)
	Z.Multiply(&w1, &w3)
	T.Multiply(&w0, &w2)
}
