package msm

import (
	"testing"

	"filippo.io/edwards25519"
	"github.com/stretchr/testify/require"
)

func TestFixedBase(t *testing.T) {
	rng := newRand(t)
	bases := []*edwards25519.Point{
		randPoint(t, rng),
		new(edwards25519.Point).Add(randPoint(t, rng), order8Point(t)),
		order8Point(t),
		edwards25519.NewIdentityPoint(),
	}
	scalars := edgeScalars(t)
	for range 40 {
		scalars = append(scalars, randScalar(t, rng))
	}
	for _, p := range bases {
		fb := NewFixedBase(p)
		for _, s := range scalars {
			want := new(edwards25519.Point).ScalarMult(s, p)
			require.Equal(t, 1, fb.ScalarMult(s).Equal(want))
		}
	}

	g := NewFixedBase(edwards25519.NewGeneratorPoint())
	for _, s := range scalars {
		want := new(edwards25519.Point).ScalarBaseMult(s)
		require.Equal(t, 1, g.ScalarMult(s).Equal(want))
	}
}

func TestSignedRadix16(t *testing.T) {
	rng := newRand(t)
	scalars := append(edgeScalars(t), randScalar(t, rng), randScalar(t, rng))
	for _, s := range scalars {
		var digits [fixedWindows]int8
		signedRadix16(&digits, s.Bytes())
		acc := edwards25519.NewScalar()
		for i := fixedWindows - 1; i >= 0; i-- {
			require.True(t, digits[i] >= -8 && digits[i] <= 8)
			if i < fixedWindows-1 {
				require.Less(t, digits[i], int8(8))
			}
			for range 4 {
				acc.Add(acc, acc)
			}
			acc.Add(acc, smallScalar(int32(digits[i])))
		}
		require.Equal(t, 1, acc.Equal(s))
	}
}

func TestSelectFrom(t *testing.T) {
	rng := newRand(t)
	p := new(edwards25519.Point).Add(randPoint(t, rng), order8Point(t))
	fb := NewFixedBase(p)
	for x := int8(-8); x <= 8; x++ {
		var v affineNiels
		v.selectFrom(&fb.table[0], x)
		var r extended
		r.setIdentity()
		r.addNiels(&v)
		// p has a torsion component, so -|x|·p is not (ℓ-|x|)·p.
		want := new(edwards25519.Point).ScalarMult(smallScalar(int32(max(x, -x))), p)
		if x < 0 {
			want.Negate(want)
		}
		require.Equal(t, 1, r.toPoint().Equal(want), "x=%d", x)
	}
	for a := range 256 {
		for b := range 256 {
			want := 0
			if a == b {
				want = 1
			}
			require.Equal(t, want, ctEq(uint8(a), uint8(b)))
		}
	}
}

func BenchmarkFixedBase(b *testing.B) {
	rng := newRand(b)
	fb := NewFixedBase(randPoint(b, rng))
	s := randScalar(b, rng)
	b.ResetTimer()
	for range b.N {
		fb.ScalarMult(s)
	}
}

func BenchmarkNewFixedBase(b *testing.B) {
	p := randPoint(b, newRand(b))
	for range b.N {
		NewFixedBase(p)
	}
}

func BenchmarkEdwardsScalarMult(b *testing.B) {
	rng := newRand(b)
	p := randPoint(b, rng)
	s := randScalar(b, rng)
	var v edwards25519.Point
	b.ResetTimer()
	for range b.N {
		v.ScalarMult(s, p)
	}
}

func BenchmarkEdwardsScalarBaseMult(b *testing.B) {
	s := randScalar(b, newRand(b))
	var v edwards25519.Point
	b.ResetTimer()
	for range b.N {
		v.ScalarBaseMult(s)
	}
}
