package msm

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// fixedWindows is the number of signed radix-16 digits of a scalar. With one
// table per digit no doublings are needed at all: a multiplication is exactly
// 64 mixed additions plus 64 constant-time lookups.
const fixedWindows = 64

// FixedBase holds precomputed multiples of a long-lived point B (such as an
// election public key) so that s·B can be computed in constant time about
// 3.5× faster than edwards25519's variable-base ScalarMult, on par with its
// ScalarBaseMult.
//
// It stores j·16^i·B for i < 64 and 1 <= j <= 8 in affine Niels form (60 KiB).
// Build it with NewFixedBase; the zero value is not usable. A FixedBase is
// read-only after construction and safe for concurrent use.
type FixedBase struct {
	table [fixedWindows][8]affineNiels
}

// NewFixedBase precomputes the table for p. It costs about as much as four
// variable-base multiplications, so it pays off after a handful of uses.
func NewFixedBase(p *edwards25519.Point) *FixedBase {
	var pts [fixedWindows * 8]extended
	var base extended
	base.fromPoint(p)
	for i := range fixedWindows {
		row := pts[i*8 : i*8+8]
		row[0] = base
		for j := 1; j < 8; j++ {
			row[j] = row[j-1]
			row[j].addExtended(&base)
		}
		// 16^(i+1)·B = 2·(8·16^i·B)
		base = row[7]
		base.double()
	}
	t := new(FixedBase)
	flat := make([]affineNiels, fixedWindows*8)
	toAffineNiels(flat, pts[:])
	for i := range fixedWindows {
		copy(t.table[i][:], flat[i*8:i*8+8])
	}
	return t
}

// ScalarMult returns s·B as a new point, where B is the point t was built
// from. Its timing and memory access pattern are independent of s.
func (t *FixedBase) ScalarMult(s *edwards25519.Scalar) *edwards25519.Point {
	var digits [fixedWindows]int8
	signedRadix16(&digits, s.Bytes())

	var acc extended
	var q affineNiels
	acc.setIdentity()
	for i := range fixedWindows {
		q.selectFrom(&t.table[i], digits[i])
		acc.addNiels(&q)
	}
	return acc.toPoint()
}

// signedRadix16 writes the canonical 32-byte little-endian scalar b as
// Σ digits[i]·16^i with digits[i] in [-8, 8). Signed digits halve the table
// (only 1..8 are stored; negatives are a cheap conditional negation). It
// needs b < 2^255, which holds for every reduced scalar. Constant time.
func signedRadix16(digits *[fixedWindows]int8, b []byte) {
	_ = b[31]
	for i := range 32 {
		digits[2*i] = int8(b[i] & 15)
		digits[2*i+1] = int8(b[i] >> 4)
	}
	// Move each digit into [-8, 8) by carrying 16 into the next one.
	for i := range fixedWindows - 1 {
		carry := (digits[i] + 8) >> 4
		digits[i] -= carry << 4
		digits[i+1] += carry
	}
}

// selectFrom sets v = x·tab[0] (tab[j] holding (j+1)·P) for x in [-8, 8] in
// constant time: every entry is read and merged with masks, so neither the
// branches nor the addresses depend on x.
func (v *affineNiels) selectFrom(tab *[8]affineNiels, x int8) {
	xneg := x >> 7 // -1 if x < 0, else 0
	xabs := uint8((x + xneg) ^ xneg)

	v.setIdentity()
	for j := range tab {
		cond := ctEq(xabs, uint8(j+1))
		v.YplusX.Select(&tab[j].YplusX, &v.YplusX, cond)
		v.YminusX.Select(&tab[j].YminusX, &v.YminusX, cond)
		v.XY2d.Select(&tab[j].XY2d, &v.XY2d, cond)
	}
	// -(y+x, y-x, 2dxy) = (y-x, y+x, -2dxy)
	neg := int(xneg & 1)
	v.YplusX.Swap(&v.YminusX, neg)
	var n field.Element
	n.Negate(&v.XY2d)
	v.XY2d.Select(&n, &v.XY2d, neg)
}

// ctEq returns 1 if a == b and 0 otherwise, without branching.
func ctEq(a, b uint8) int {
	x := uint32(a ^ b)
	return int((x - 1) >> 31)
}
