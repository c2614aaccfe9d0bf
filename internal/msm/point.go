package msm

import (
	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// Curve constants, derived at init from field operations so that no magic
// bytes need to be trusted (TestCurveConstants cross-checks them).
var (
	// curveD is d = -121665/121666, the edwards25519 curve coefficient.
	curveD field.Element
	// curveD2 is 2d, which the cached and affine Niels forms premultiply.
	curveD2 field.Element
	// curveDInv is 1/d, used to rebuild an extended point from Niels form.
	curveDInv field.Element
	// feOne and feTwo are the field constants 1 and 2.
	feOne, feTwo field.Element
)

func init() {
	feOne.One()
	feTwo.Add(&feOne, &feOne)
	var num, den field.Element
	num.Mult32(&feOne, 121665)
	num.Negate(&num)
	den.Mult32(&feOne, 121666)
	den.Invert(&den)
	curveD.Multiply(&num, &den)
	curveD2.Add(&curveD, &curveD)
	curveDInv.Invert(&curveD)
}

// extended is a point in extended coordinates (X:Y:Z:T) with x = X/Z,
// y = Y/Z and xy = T/Z. It is the accumulator form: T makes additions cheap.
type extended struct {
	X, Y, Z, T field.Element
}

// projective is (X:Y:Z) without T. Doubling does not read T, so chains of
// doublings stay in this form and skip one multiplication each.
type projective struct {
	X, Y, Z field.Element
}

// completed is the ((X:Z),(Y:T)) form, x = X/Z and y = Y/T, that the addition
// and doubling formulas produce before the final conversion, which lets the
// caller pay for T only when the next operation needs it.
type completed struct {
	X, Y, Z, T field.Element
}

// cached is a point prepared as the second operand of an addition:
// (Y+X, Y-X, Z, 2d·T). Preparing once saves work when a point is added
// several times.
type cached struct {
	YplusX, YminusX, Z, T2d field.Element
}

// affineNiels is a point with Z = 1 prepared for mixed addition:
// (y+x, y-x, 2d·x·y). Adding it costs 7 multiplications instead of 8 and it
// is 3 field elements instead of 4, so it is what tables and normalised MSM
// inputs are stored as.
type affineNiels struct {
	YplusX, YminusX, XY2d field.Element
}

func (v *extended) setIdentity() {
	v.X.Zero()
	v.Y.One()
	v.Z.One()
	v.T.Zero()
}

func (v *affineNiels) setIdentity() {
	v.YplusX.One()
	v.YminusX.One()
	v.XY2d.Zero()
}

// fromPoint loads p's internal coordinates.
func (v *extended) fromPoint(p *edwards25519.Point) {
	X, Y, Z, T := p.ExtendedCoordinates()
	v.X.Set(X)
	v.Y.Set(Y)
	v.Z.Set(Z)
	v.T.Set(T)
}

// toPoint returns v as a new edwards25519.Point.
func (v *extended) toPoint() *edwards25519.Point {
	p, err := new(edwards25519.Point).SetExtendedCoordinates(&v.X, &v.Y, &v.Z, &v.T)
	if err != nil {
		// Every formula here maps curve points to curve points, so this
		// is a bug, not an input error.
		panic("msm: internal error: result is not on the curve")
	}
	return p
}

// fromCompleted costs 4M.
func (v *extended) fromCompleted(p *completed) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
	v.T.Multiply(&p.X, &p.Y)
}

// fromCompleted costs 3M; used between consecutive doublings.
func (v *projective) fromCompleted(p *completed) {
	v.X.Multiply(&p.X, &p.T)
	v.Y.Multiply(&p.Y, &p.Z)
	v.Z.Multiply(&p.Z, &p.T)
}

func (v *projective) fromExtended(p *extended) {
	v.X.Set(&p.X)
	v.Y.Set(&p.Y)
	v.Z.Set(&p.Z)
}

// fromExtended costs 1M.
func (v *cached) fromExtended(p *extended) {
	v.YplusX.Add(&p.Y, &p.X)
	v.YminusX.Subtract(&p.Y, &p.X)
	v.Z.Set(&p.Z)
	v.T2d.Multiply(&p.T, &curveD2)
}

// fromNiels sets v to q (or -q if neg) with Z = 2, costing 1M instead of the
// 7M of adding q to the identity: X = (y+x)-(y-x) = 2x, Y = 2y, T = 2xy.
func (v *extended) fromNiels(q *affineNiels, neg bool) {
	if neg {
		v.X.Subtract(&q.YminusX, &q.YplusX)
	} else {
		v.X.Subtract(&q.YplusX, &q.YminusX)
	}
	v.Y.Add(&q.YplusX, &q.YminusX)
	v.Z.Set(&feTwo)
	v.T.Multiply(&q.XY2d, &curveDInv)
	if neg {
		v.T.Negate(&v.T)
	}
}

// add sets v = p + q (4M; add-2008-hwcd-3 for a = -1).
func (v *completed) add(p *extended, q *cached) {
	var ypx, ymx, pp, mm, tt, zz field.Element
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, &q.YplusX)
	mm.Multiply(&ymx, &q.YminusX)
	tt.Multiply(&p.T, &q.T2d)
	zz.Multiply(&p.Z, &q.Z)
	zz.Add(&zz, &zz)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	v.Z.Add(&zz, &tt)
	v.T.Subtract(&zz, &tt)
}

// addAffine sets v = p + q (3M, since q has Z = 1).
func (v *completed) addAffine(p *extended, q *affineNiels) {
	var ypx, ymx, pp, mm, tt, zz field.Element
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, &q.YplusX)
	mm.Multiply(&ymx, &q.YminusX)
	tt.Multiply(&p.T, &q.XY2d)
	zz.Add(&p.Z, &p.Z)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	v.Z.Add(&zz, &tt)
	v.T.Subtract(&zz, &tt)
}

// subAffine sets v = p - q. Negating an affine Niels point swaps y+x with
// y-x and negates 2dxy, which is folded into the formula here.
func (v *completed) subAffine(p *extended, q *affineNiels) {
	var ypx, ymx, pp, mm, tt, zz field.Element
	ypx.Add(&p.Y, &p.X)
	ymx.Subtract(&p.Y, &p.X)
	pp.Multiply(&ypx, &q.YminusX)
	mm.Multiply(&ymx, &q.YplusX)
	tt.Multiply(&p.T, &q.XY2d)
	zz.Add(&p.Z, &p.Z)
	v.X.Subtract(&pp, &mm)
	v.Y.Add(&pp, &mm)
	v.Z.Subtract(&zz, &tt)
	v.T.Add(&zz, &tt)
}

// double sets v = 2p (4S; dbl-2008-hwcd for a = -1).
func (v *completed) double(p *projective) {
	var xx, yy, zz2, xpy2 field.Element
	xx.Square(&p.X)
	yy.Square(&p.Y)
	zz2.Square(&p.Z)
	zz2.Add(&zz2, &zz2)
	xpy2.Add(&p.X, &p.Y)
	xpy2.Square(&xpy2)
	v.Y.Add(&yy, &xx)
	v.Z.Subtract(&yy, &xx)
	v.X.Subtract(&xpy2, &v.Y)
	v.T.Subtract(&zz2, &v.Z)
}

// addExtended sets v = v + q.
func (v *extended) addExtended(q *extended) {
	var qc cached
	var r completed
	qc.fromExtended(q)
	r.add(v, &qc)
	v.fromCompleted(&r)
}

// addNiels sets v = v + q.
func (v *extended) addNiels(q *affineNiels) {
	var r completed
	r.addAffine(v, q)
	v.fromCompleted(&r)
}

// subNiels sets v = v - q.
func (v *extended) subNiels(q *affineNiels) {
	var r completed
	r.subAffine(v, q)
	v.fromCompleted(&r)
}

// double sets v = 2v.
func (v *extended) double() {
	var p projective
	var r completed
	p.fromExtended(v)
	r.double(&p)
	v.fromCompleted(&r)
}

// mulPow2 sets v = 2^k·v for k >= 1, keeping the intermediate doublings in
// projective form.
func (v *extended) mulPow2(k int) {
	var p projective
	var r completed
	p.fromExtended(v)
	for i := 1; i < k; i++ {
		r.double(&p)
		p.fromCompleted(&r)
	}
	r.double(&p)
	v.fromCompleted(&r)
}

// batchInvert sets out[i] = 1/in[i] with Montgomery's trick: one field
// inversion plus 3(n-1) multiplications instead of n inversions. Every in[i]
// must be non-zero (true for the Z of valid points), and out must not alias
// in. Its timing depends only on len(in), so NewFixedBase may use it too.
func batchInvert(out, in []field.Element) {
	n := len(in)
	if len(out) != n {
		panic("msm: batchInvert length mismatch")
	}
	if n == 0 {
		return
	}
	// out[i] = in[0]·…·in[i-1] (prefix products).
	var acc field.Element
	acc.One()
	for i := range in {
		out[i].Set(&acc)
		acc.Multiply(&acc, &in[i])
	}
	acc.Invert(&acc) // acc = 1/(in[0]·…·in[n-1])
	var t field.Element
	for i := n - 1; i >= 0; i-- {
		t.Multiply(&acc, &in[i])       // 1/(in[0]·…·in[i-1])
		out[i].Multiply(&out[i], &acc) // 1/in[i]
		acc.Set(&t)
	}
}

// normChunk bounds how many points share one inversion: large enough to
// amortise the inversion (about 250 squarings, 2.7 µs), small enough for the
// scratch to stay in cache and for the chunks to be spread over workers.
const normChunk = 256

// toAffineNiels sets out[i] to ps[i] in affine Niels form, normalising
// normChunk points per field inversion. out and ps have equal length.
func toAffineNiels(out []affineNiels, ps []extended) {
	var zs, zinv [normChunk]field.Element
	for lo := 0; lo < len(ps); lo += normChunk {
		hi := min(lo+normChunk, len(ps))
		m := hi - lo
		for i := range m {
			zs[i].Set(&ps[lo+i].Z)
		}
		batchInvert(zinv[:m], zs[:m])
		for i := range m {
			nielsFromProjective(&out[lo+i], &ps[lo+i].X, &ps[lo+i].Y, &zinv[i])
		}
	}
}

// pointsToAffineNiels is toAffineNiels for edwards25519 points, without an
// intermediate []extended.
func pointsToAffineNiels(out []affineNiels, ps []*edwards25519.Point) {
	var xs, ys, zs, zinv [normChunk]field.Element
	for lo := 0; lo < len(ps); lo += normChunk {
		hi := min(lo+normChunk, len(ps))
		m := hi - lo
		for i := range m {
			X, Y, Z, _ := ps[lo+i].ExtendedCoordinates()
			xs[i].Set(X)
			ys[i].Set(Y)
			zs[i].Set(Z)
		}
		batchInvert(zinv[:m], zs[:m])
		for i := range m {
			nielsFromProjective(&out[lo+i], &xs[i], &ys[i], &zinv[i])
		}
	}
}

// nielsFromProjective sets v from (X:Y:Z) given zinv = 1/Z (4M).
func nielsFromProjective(v *affineNiels, X, Y, zinv *field.Element) {
	var x, y field.Element
	x.Multiply(X, zinv)
	y.Multiply(Y, zinv)
	v.YplusX.Add(&y, &x)
	v.YminusX.Subtract(&y, &x)
	v.XY2d.Multiply(&x, &y)
	v.XY2d.Multiply(&v.XY2d, &curveD2)
}
