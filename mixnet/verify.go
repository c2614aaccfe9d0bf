package mixnet

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// VerifyError is the error of Verify: the check that failed and why.
//
// Check is one of "statement" (a nil statement, public key or proof),
// "input/output counts", "widths", "generators", "permutation
// commitment", "commitment chain", "t1", "t2", "t3", "t4", "responses" or
// "batch" (the combined check failed but no group alone did, probability
// 2^-128).
// The equation checks t1 … t4 and "commitment chain" are named after the
// commitment of the failing verification equation (spec/mixnet.md §6).
// Err wraps zkp.ErrInvalidProof for every check but "statement", and
// elgamal.ErrLength or ErrWidth for counts and widths.
type VerifyError struct {
	Check string
	Err   error
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("mixnet: shuffle proof: %s: %v", e.Check, e.Err)
}

func (e *VerifyError) Unwrap() error { return e.Err }

func invalid(check string, err error) *VerifyError {
	return &VerifyError{Check: check, Err: fmt.Errorf("%w: %w", zkp.ErrInvalidProof, err)}
}

var errEquation = errors.New("verification equation failed")

// Verify checks a proof that st.Output is a re-encryption of a
// permutation of st.Input (spec/mixnet.md §6). It recomputes every
// challenge, derives the generators from st.Context.Election, and checks
// all verification equations at once with random weights from
// crypto/rand, as a sum of multi-scalar multiplications of at most 2^18
// terms. If the sum is not the identity, it checks each equation group on
// its own to name the failing one. It runs on all cores and reports the
// phases "verify: hash" and "verify: equations" (and "verify: recheck" on
// failure). Errors are *VerifyError.
func Verify(st *Statement, p *Proof, progress Progress) error {
	n, w, check, err := st.shape()
	if err != nil {
		if check == checkStatement {
			return &VerifyError{Check: check, Err: err}
		}
		return invalid(check, err)
	}
	if p == nil {
		return &VerifyError{Check: checkStatement, Err: errors.New("missing proof")}
	}
	if p.n != n {
		return invalid(checkCounts, fmt.Errorf("%w: the proof is for %d vectors, the statement has %d", elgamal.ErrLength, p.n, n))
	}
	if p.width != w {
		return invalid(checkWidths, fmt.Errorf("%w: the proof is for width %d, the statement has %d", elgamal.ErrWidth, p.width, w))
	}
	if len(p.b) != ProofSize(n, w) {
		return invalid(checkCounts, fmt.Errorf("%w: proof of %d bytes", elgamal.ErrLength, len(p.b)))
	}
	return verify(st, p, newGenSource(electionOf(st.Context)), progress)
}

// Equation groups (spec/mixnet.md §6).
type eqSet uint8

const (
	eqT1 eqSet = 1 << iota
	eqT2
	eqT3
	eqT4
	eqChain
	eqAll = eqT1 | eqT2 | eqT3 | eqT4 | eqChain
)

var eqNames = []struct {
	set  eqSet
	name string
}{{eqT1, "t1"}, {eqT2, "t2"}, {eqT3, "t3"}, {eqT4, "t4"}, {eqChain, checkChain}}

// verifier holds a proof's challenges and fixed fields.
type verifier struct {
	st    *Statement
	n, w  int
	l     layout
	b     []byte
	gens  *genSource
	h     *elgamal.Element
	useed [32]byte
	c     elgamal.Scalar
	t     []elgamal.Element // t1, t2, t3, t4[0].α, t4[0].β, …
	s     []elgamal.Scalar  // s1, s2, s3, s4[0], …
}

func verify(st *Statement, p *Proof, gens *genSource, progress Progress) error {
	n, w := p.n, p.width
	v := &verifier{st: st, n: n, w: w, l: layout{n, w}, b: p.b, gens: gens}
	l, b := v.l, v.b
	v.h = gens.at(0)
	keys := make([]genKey, n+1)
	var err error
	if keys[0], err = keyOf(v.h, 0); err != nil {
		return invalid(checkGenerators, err)
	}

	t := st.transcript(n, w, v.h, newReporter(progress, "verify: hash", 2*n))
	t.AppendBytes("perm", sectionDigest(b, l.c(0), n))
	v.useed = challengeSeed(t)
	v.c.Set(finalChallenge(t, b, l))

	v.t = make([]elgamal.Element, 3+2*w)
	for i := range v.t {
		off := l.t1() + 32*i
		if err := l.element(b, off, &v.t[i]); err != nil {
			name := l.field(off)
			if i >= 3 {
				name = "t4"
			}
			return invalid(name, err)
		}
	}
	v.s = make([]elgamal.Scalar, 3+w)
	for i := range v.s {
		if err := l.scalar(b, l.s1()+32*i, &v.s[i]); err != nil {
			return invalid(checkResponses, err)
		}
	}

	ok, err := v.holds(eqAll, keys, newReporter(progress, "verify: equations", n))
	if err != nil {
		return err
	}
	if err := checkDistinct(keys, gens); err != nil {
		return invalid(checkGenerators, err)
	}
	if ok {
		return nil
	}
	// Name the failing equation group.
	rep := newReporter(progress, "verify: recheck", len(eqNames)*n)
	for _, eq := range eqNames {
		ok, err := v.holds(eq.set, nil, rep)
		if err != nil {
			return err
		}
		if !ok {
			return invalid(eq.name, errEquation)
		}
	}
	// Only if the weights cancelled a false equation: probability 2^-128.
	return invalid("batch", errEquation)
}

// weights draws 128-bit random weights from a ChaCha8 stream seeded from
// the operating system, so that a prover cannot predict them.
type weights struct{ rng *rand.ChaCha8 }

func newWeights() *weights {
	var seed [32]byte
	crand.Read(seed[:])
	return &weights{rand.NewChaCha8(seed)}
}

func (q *weights) next(s *elgamal.Scalar) *elgamal.Scalar {
	var b [64]byte
	q.rng.Read(b[:16])
	s.SetUniformBytes(b[:])
	return s
}

// maxTerms bounds the terms of one multi-scalar multiplication, and so
// the memory of a verification (about 250 bytes per term). A variable so
// that tests can exercise the chunking with small lists.
var maxTerms = 1 << 18

// holds evaluates the random linear combination of the equation groups in
// set and reports whether it is the identity. If keys is not nil, it also
// records the fingerprints of h_1..h_N (set must then include eqT1 or
// eqT3). Decoding failures, which cannot happen for a proof from Prove or
// ParseProof, are returned as errors.
//
// With weights a1, a2, a3, a4_k (α), a4′_k (β) and b_i, and 1-based i:
//
//	G:        a1·s1 + a2·s2 + a3·s3 − Σ a4_k·s4_k + Σ b_i·ŝ_i
//	H:        −Σ a4′_k·s4_k
//	h:        a2·c·Π u_j + b_1·s′_1
//	t1, t2, t3, t4_k.α, t4_k.β:   −a1, −a2, −a3, −a4_k, −a4′_k
//	h_i:      a1·c + a3·s′_i
//	c_j:      −c·(a1 + a3·u_j)
//	ĉ_i:      b_{i+1}·s′_{i+1} − b_i·c   (i < N);   −b_N·c − a2·c   (i = N)
//	t̂_i:      −b_i
//	in_{j,k}:  −c·u_j·(a4_k·α + a4′_k·β)
//	out_{i,k}: s′_i·(a4_k·α′ + a4′_k·β′)
func (v *verifier) holds(set eqSet, keys []genKey, rep *reporter) (bool, error) {
	n, w, l, b, st := v.n, v.w, v.l, v.b, v.st
	c := &v.c
	q := newWeights()
	var a1, a2, a3 elgamal.Scalar
	a4 := make([]elgamal.Scalar, 2*w) // a4_k at 2k, a4′_k at 2k+1
	if set&eqT1 != 0 {
		q.next(&a1)
	}
	if set&eqT2 != 0 {
		q.next(&a2)
	}
	if set&eqT3 != 0 {
		q.next(&a3)
	}
	if set&eqT4 != 0 {
		for k := range a4 {
			q.next(&a4[k])
		}
	}

	// Terms per index: h_i and c_i (t1, t3), ĉ_i and t̂_i (chain), and the
	// 4w input and output elements (t4).
	commit, chain, cts := set&(eqT1|eqT3) != 0, set&eqChain != 0, set&eqT4 != 0
	own, per := 0, 0
	if commit {
		own += 2
	}
	if chain {
		own += 2
	}
	per = own
	if cts {
		per += 4 * w
	}
	m := n
	if per > 0 {
		m = min(n, max(256, maxTerms/per/256*256))
	}
	elems := make([]elgamal.Element, m*own)
	scal := make([]elgamal.Scalar, m*per)
	sp := make([]*elgamal.Scalar, m*per)
	ep := make([]*elgamal.Element, m*per)
	for i := range sp {
		sp[i] = &scal[i]
	}
	var bw []elgamal.Scalar // b_i for the chunk, and the next one
	if chain {
		bw = make([]elgamal.Scalar, m+1)
	}

	var acc elgamal.Element
	acc.Set(elgamal.NewElement())
	var gco, uprod, b1 elgamal.Scalar // Σ b_i·ŝ_i, Π u_j, b_1
	uprod.SetUint64(1)
	type part struct{ gco, uprod elgamal.Scalar }
	parts := make([]part, workers(m/256+1))

	for lo := 0; lo < n; lo += m {
		hi := min(lo+m, n)
		cnt := hi - lo
		if chain {
			if lo == 0 {
				q.next(&bw[0])
				b1.Set(&bw[0])
			} else {
				bw[0].Set(&bw[m])
			}
			for x := 1; x <= cnt; x++ {
				q.next(&bw[x])
			}
		}
		for i := range parts {
			parts[i].gco = elgamal.Scalar{}
			parts[i].uprod.SetUint64(1)
		}
		err := forChunks(cnt, 256, nil, func(wk, xlo, xhi int) error {
			pt := &parts[wk]
			var uj, spi, spn, sh, x elgamal.Scalar
			for xi := xlo; xi < xhi; xi++ {
				i0 := lo + xi
				i := uint64(i0) + 1
				challengeU(&uj, &v.useed, i)
				pt.uprod.Multiply(&pt.uprod, &uj)
				if set&(eqT3|eqT4|eqChain) != 0 {
					if err := l.scalar(b, l.sprime(i0), &spi); err != nil {
						return invalid(checkResponses, err)
					}
				}
				slot, e := xi*per, xi*own
				if commit {
					hEl := &elems[e]
					hEl.Set(v.gens.at(i))
					if keys != nil {
						k, err := keyOf(hEl, i)
						if err != nil {
							return invalid(checkGenerators, err)
						}
						keys[i] = k
					}
					// h_i: a1·c + a3·s′_i
					x.Multiply(&a1, c)
					scal[slot].MultiplyAdd(&a3, &spi, &x)
					ep[slot] = hEl
					// c_j: −c·(a1 + a3·u_j)
					ci := &elems[e+1]
					if err := l.element(b, l.c(i0), ci); err != nil {
						return invalid(checkPermutation, err)
					}
					x.MultiplyAdd(&a3, &uj, &a1)
					x.Negate(&x)
					scal[slot+1].Multiply(&x, c)
					ep[slot+1] = ci
					slot, e = slot+2, e+2
				}
				if chain {
					bi := &bw[xi]
					// ĉ_i: b_{i+1}·s′_{i+1} − b_i·c; the −a2·c of ĉ_N is
					// added with the constant terms.
					ch := &elems[e]
					if err := l.element(b, l.chat(i0), ch); err != nil {
						return invalid(checkChain, err)
					}
					x.Negate(bi)
					x.Multiply(&x, c)
					if i0+1 < n {
						if err := l.scalar(b, l.sprime(i0+1), &spn); err != nil {
							return invalid(checkResponses, err)
						}
						x.MultiplyAdd(&bw[xi+1], &spn, &x)
					}
					scal[slot].Set(&x)
					ep[slot] = ch
					// t̂_i: −b_i
					th := &elems[e+1]
					if err := l.element(b, l.that(i0), th); err != nil {
						return invalid(checkChain, err)
					}
					scal[slot+1].Negate(bi)
					ep[slot+1] = th
					// G: b_i·ŝ_i
					if err := l.scalar(b, l.shat(i0), &sh); err != nil {
						return invalid(checkResponses, err)
					}
					pt.gco.MultiplyAdd(bi, &sh, &pt.gco)
					slot += 2
				}
				if cts {
					// −c·u_j on the input, s′_i on the output.
					x.Multiply(c, &uj)
					x.Negate(&x)
					in, out := st.Input[i0], st.Output[i0]
					for k := range w {
						scal[slot].Multiply(&x, &a4[2*k])
						ep[slot] = &in[k].Alpha
						scal[slot+1].Multiply(&x, &a4[2*k+1])
						ep[slot+1] = &in[k].Beta
						scal[slot+2].Multiply(&spi, &a4[2*k])
						ep[slot+2] = &out[k].Alpha
						scal[slot+3].Multiply(&spi, &a4[2*k+1])
						ep[slot+3] = &out[k].Beta
						slot += 4
					}
				}
			}
			return nil
		})
		if err != nil {
			return false, err
		}
		for i := range parts {
			gco.Add(&gco, &parts[i].gco)
			uprod.Multiply(&uprod, &parts[i].uprod)
		}
		if per > 0 {
			var sum elgamal.Element
			acc.Add(&acc, sum.VarTimeMultiScalarMult(sp[:cnt*per], ep[:cnt*per]))
		}
		rep.add(cnt)
	}

	// The terms on fixed bases.
	var ss []*elgamal.Scalar
	var es []*elgamal.Element
	term := func(s *elgamal.Scalar, e *elgamal.Element) {
		ss = append(ss, s)
		es = append(es, e)
	}
	neg := func(s *elgamal.Scalar) *elgamal.Scalar { return new(elgamal.Scalar).Negate(s) }
	var gCo, hCo, pkCo elgamal.Scalar
	if set&eqT1 != 0 {
		gCo.MultiplyAdd(&a1, &v.s[0], &gCo)
		term(neg(&a1), &v.t[0])
	}
	if set&eqT2 != 0 {
		gCo.MultiplyAdd(&a2, &v.s[1], &gCo)
		term(neg(&a2), &v.t[1])
		// h: a2·c·Π u_j; ĉ_N: −a2·c
		var x elgamal.Scalar
		x.Multiply(&a2, c)
		hCo.MultiplyAdd(&x, &uprod, &hCo)
		var chatN elgamal.Element
		if err := l.element(b, l.chat(n-1), &chatN); err != nil {
			return false, invalid(checkChain, err)
		}
		term(neg(&x), &chatN)
	}
	if set&eqT3 != 0 {
		gCo.MultiplyAdd(&a3, &v.s[2], &gCo)
		term(neg(&a3), &v.t[2])
	}
	if set&eqT4 != 0 {
		for k := range w {
			var x elgamal.Scalar
			gCo.Subtract(&gCo, x.Multiply(&a4[2*k], &v.s[3+k]))
			pkCo.Subtract(&pkCo, x.Multiply(&a4[2*k+1], &v.s[3+k]))
			term(neg(&a4[2*k]), &v.t[3+2*k])
			term(neg(&a4[2*k+1]), &v.t[4+2*k])
		}
		term(&pkCo, st.PublicKey.Element())
	}
	if chain {
		gCo.Add(&gCo, &gco)
		// ĉ_0 = h: b_1·s′_1
		var sp1 elgamal.Scalar
		if err := l.scalar(b, l.sprime(0), &sp1); err != nil {
			return false, invalid(checkResponses, err)
		}
		hCo.MultiplyAdd(&b1, &sp1, &hCo)
	}
	term(&gCo, elgamal.NewGeneratorElement())
	term(&hCo, v.h)
	term(new(elgamal.Scalar).SetUint64(1), &acc)
	var total elgamal.Element
	total.VarTimeMultiScalarMult(ss, es)
	return total.IsIdentity() == 1, nil
}
