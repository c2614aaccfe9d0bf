package msm

import (
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
	"github.com/stretchr/testify/require"
)

func newRand(t testing.TB) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewChaCha8([32]byte([]byte("urna msm deterministic test seed"))))
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func randScalar(t testing.TB, rng *rand.Rand) *edwards25519.Scalar {
	t.Helper()
	s, err := new(edwards25519.Scalar).SetUniformBytes(randBytes(rng, 64))
	require.NoError(t, err)
	return s
}

// randPoint decodes random bytes until they are a valid encoding, which gives
// points spread over the whole group, so most have a torsion component.
func randPoint(t testing.TB, rng *rand.Rand) *edwards25519.Point {
	t.Helper()
	for {
		if p, err := new(edwards25519.Point).SetBytes(randBytes(rng, 32)); err == nil {
			return p
		}
	}
}

func randElement(t testing.TB, rng *rand.Rand) *field.Element {
	t.Helper()
	e, err := new(field.Element).SetBytes(randBytes(rng, 32))
	require.NoError(t, err)
	return e
}

// order8Point is a point of order 8 (a generator of the torsion subgroup).
func order8Point(t testing.TB) *edwards25519.Point {
	t.Helper()
	b, _ := hex.DecodeString("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
	p, err := new(edwards25519.Point).SetBytes(b)
	require.NoError(t, err)
	id := edwards25519.NewIdentityPoint()
	four := new(edwards25519.Point).Add(p, p)
	four.Add(four, four)
	require.Equal(t, 0, four.Equal(id), "4T must not be the identity")
	require.Equal(t, 1, new(edwards25519.Point).MultByCofactor(p).Equal(id), "8T must be the identity")
	return p
}

func fromExtendedPoint(p *edwards25519.Point) *extended {
	var e extended
	e.fromPoint(p)
	return &e
}

func TestCurveConstants(t *testing.T) {
	// d = -121665/121666 mod p, computed independently with math/big.
	pr := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	d := new(big.Int).ModInverse(big.NewInt(121666), pr)
	d.Mul(d, big.NewInt(-121665))
	d.Mod(d, pr)
	want := func(x *big.Int) []byte {
		b := make([]byte, 32)
		x.FillBytes(b)
		for i, j := 0, 31; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return b
	}
	require.Equal(t, want(d), curveD.Bytes())
	d2 := new(big.Int).Mod(new(big.Int).Lsh(d, 1), pr)
	require.Equal(t, want(d2), curveD2.Bytes())
	// The published encoding of d (RFC 8032, §5.1), little-endian.
	require.Equal(t, "a3785913ca4deb75abd841414d0a700098e879777940c78c73fe6f2bee6c0352", hex.EncodeToString(curveD.Bytes()))
	require.Equal(t, "59f1b226949bd6eb56b183829a14e00030d1f3eef2808e19e7fcdf56dcd90624", hex.EncodeToString(curveD2.Bytes()))

	var one field.Element
	one.Multiply(&curveD, &curveDInv)
	require.Equal(t, 1, one.Equal(&feOne))

	// The generator satisfies -x² + y² = 1 + d·x²·y².
	g := fromExtendedPoint(edwards25519.NewGeneratorPoint())
	var zinv, x, y, xx, yy, lhs, rhs field.Element
	zinv.Invert(&g.Z)
	x.Multiply(&g.X, &zinv)
	y.Multiply(&g.Y, &zinv)
	xx.Square(&x)
	yy.Square(&y)
	lhs.Subtract(&yy, &xx)
	rhs.Multiply(&xx, &yy)
	rhs.Multiply(&rhs, &curveD)
	rhs.Add(&rhs, &feOne)
	require.Equal(t, 1, lhs.Equal(&rhs))
}

func TestPointFormulas(t *testing.T) {
	rng := newRand(t)
	torsion := order8Point(t)
	for range 50 {
		p, q := randPoint(t, rng), randPoint(t, rng)
		if rng.IntN(2) == 0 {
			q.Add(q, torsion)
		}
		pe, qe := fromExtendedPoint(p), fromExtendedPoint(q)
		var qn [1]affineNiels
		toAffineNiels(qn[:], []extended{*qe})

		sum := new(edwards25519.Point).Add(p, q)
		diff := new(edwards25519.Point).Subtract(p, q)

		r := *pe
		r.addExtended(qe)
		require.Equal(t, 1, r.toPoint().Equal(sum), "addExtended")

		r = *pe
		r.addNiels(&qn[0])
		require.Equal(t, 1, r.toPoint().Equal(sum), "addNiels")

		r = *pe
		r.subNiels(&qn[0])
		require.Equal(t, 1, r.toPoint().Equal(diff), "subNiels")

		r.fromNiels(&qn[0], false)
		require.Equal(t, 1, r.toPoint().Equal(q), "fromNiels")
		r.fromNiels(&qn[0], true)
		require.Equal(t, 1, r.toPoint().Equal(new(edwards25519.Point).Negate(q)), "fromNiels neg")

		r = *pe
		r.double()
		require.Equal(t, 1, r.toPoint().Equal(new(edwards25519.Point).Add(p, p)), "double")

		r = *pe
		r.mulPow2(5)
		want := new(edwards25519.Point).Set(p)
		for range 5 {
			want.Add(want, want)
		}
		require.Equal(t, 1, r.toPoint().Equal(want), "mulPow2")
	}

	// The identity, in every role.
	var id, r extended
	id.setIdentity()
	g := fromExtendedPoint(edwards25519.NewGeneratorPoint())
	r = *g
	r.addExtended(&id)
	require.Equal(t, 1, r.toPoint().Equal(edwards25519.NewGeneratorPoint()))
	var idn affineNiels
	idn.setIdentity()
	r.addNiels(&idn)
	require.Equal(t, 1, r.toPoint().Equal(edwards25519.NewGeneratorPoint()))
	r = id
	r.double()
	require.Equal(t, 1, r.toPoint().Equal(edwards25519.NewIdentityPoint()))
}

func TestBatchInvert(t *testing.T) {
	rng := newRand(t)
	for _, n := range []int{0, 1, 2, 3, 17, 255, 256, 257, 1000} {
		in := make([]field.Element, n)
		for i := range in {
			in[i].Set(randElement(t, rng))
			if in[i].Equal(new(field.Element)) == 1 {
				in[i].One()
			}
		}
		if n > 2 {
			in[1].One() // a few special values: 1, -1, and a repeat
			in[2].Negate(&feOne)
			in[n-1].Set(&in[0])
		}
		out := make([]field.Element, n)
		batchInvert(out, in)
		for i := range in {
			var want, prod field.Element
			want.Invert(&in[i])
			require.Equal(t, 1, out[i].Equal(&want), "n=%d i=%d", n, i)
			prod.Multiply(&out[i], &in[i])
			require.Equal(t, 1, prod.Equal(&feOne))
		}
	}
	require.Panics(t, func() { batchInvert(make([]field.Element, 2), make([]field.Element, 3)) })
}

func TestToAffineNiels(t *testing.T) {
	rng := newRand(t)
	n := 3*normChunk + 5 // several chunks and a partial one
	pts := make([]*edwards25519.Point, n)
	ext := make([]extended, n)
	for i := range pts {
		switch {
		case i%97 == 0:
			pts[i] = edwards25519.NewIdentityPoint()
		case i%5 == 0:
			// Non-trivial Z: the sum of two points.
			pts[i] = new(edwards25519.Point).Add(randPoint(t, rng), randPoint(t, rng))
		default:
			pts[i] = randPoint(t, rng)
		}
		ext[i].fromPoint(pts[i])
	}
	a := make([]affineNiels, n)
	b := make([]affineNiels, n)
	toAffineNiels(a, ext)
	pointsToAffineNiels(b, pts)
	for i := range pts {
		require.Equal(t, a[i], b[i])
		var r extended
		r.fromNiels(&a[i], false)
		require.Equal(t, 1, r.toPoint().Equal(pts[i]), "i=%d", i)
		// Affine: y+x and y-x must match the point's normalised coordinates.
		X, Y, Z, _ := pts[i].ExtendedCoordinates()
		var zinv, x, y, ypx field.Element
		zinv.Invert(Z)
		x.Multiply(X, &zinv)
		y.Multiply(Y, &zinv)
		ypx.Add(&y, &x)
		require.Equal(t, 1, ypx.Equal(&a[i].YplusX))
	}
}
