package mixnet

import (
	"errors"
	"fmt"
	"io"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// Statement is what a proof of a shuffle is about: Output is a
// re-encryption under PublicKey of a permutation of Input.
type Statement struct {
	// Context binds the proof to its place: Election is the election
	// ceremony hash (it also selects the generators), Prover the stage's
	// position in the mix chain (1-based) and Binding the mixer's public
	// identity bytes. A proof made under one context does not verify
	// under any other.
	Context   *zkp.Context
	PublicKey *elgamal.PublicKey
	// Input and Output have N ≥ 1 vectors each, all of one width w in
	// 1..MaxWidth.
	Input, Output []elgamal.CiphertextVector
}

// Names of the checks that Verify reports in VerifyError.Check, in the
// order it runs them.
const (
	checkStatement   = "statement"
	checkCounts      = "input/output counts"
	checkWidths      = "widths"
	checkGenerators  = "generators"
	checkPermutation = "permutation commitment"
	checkChain       = "commitment chain"
	checkResponses   = "responses"
)

// shape checks the statement's lists and returns N and w, or the name of
// the failed check and why.
func (st *Statement) shape() (n, w int, check string, err error) {
	if st == nil || st.PublicKey == nil {
		return 0, 0, checkStatement, errors.New("missing statement or public key")
	}
	if len(st.Input) == 0 {
		return 0, 0, checkCounts, fmt.Errorf("%w: no input vectors (N must be at least 1)", elgamal.ErrLength)
	}
	if len(st.Output) != len(st.Input) {
		return 0, 0, checkCounts, fmt.Errorf("%w: %d output vectors for %d input vectors", elgamal.ErrLength, len(st.Output), len(st.Input))
	}
	if w, err = checkVectors(st.Input); err != nil {
		if errors.Is(err, elgamal.ErrLength) {
			return 0, 0, checkCounts, fmt.Errorf("input: %w", err)
		}
		return 0, 0, checkWidths, fmt.Errorf("input: %w", err)
	}
	wo, err := checkVectors(st.Output)
	if err != nil {
		return 0, 0, checkWidths, fmt.Errorf("output: %w", err)
	}
	if wo != w {
		return 0, 0, checkWidths, fmt.Errorf("%w: output width %d, input width %d", elgamal.ErrWidth, wo, w)
	}
	return len(st.Input), w, "", nil
}

func electionOf(ctx *zkp.Context) []byte {
	if ctx == nil {
		return nil
	}
	return ctx.Election
}

// transcript starts the Fiat–Shamir transcript (spec/mixnet.md §4): the
// context, the public key, N, w, h and the digests of both lists.
func (st *Statement) transcript(n, w int, h *elgamal.Element, rep *reporter) *zkp.Transcript {
	t := zkp.NewTranscript(LabelShuffle, st.Context)
	t.AppendElementBytes("pk", st.PublicKey.Bytes())
	t.AppendUint64("N", uint64(n))
	t.AppendUint64("width", uint64(w))
	t.AppendElement("h", h)
	t.AppendBytes("input", vectorListDigest(st.Input, w, rep))
	t.AppendBytes("output", vectorListDigest(st.Output, w, rep))
	return t
}

// challengeSeed draws the challenge u and returns its encoding, from
// which u_1..u_N are expanded.
func challengeSeed(t *zkp.Transcript) [32]byte {
	return [32]byte(t.Challenge("u").Bytes())
}

// Prove proves that st.Output is a re-encryption of a permutation of
// st.Input, with the witness from the Shuffle that made the output. It
// reads a 32-byte seed from rand (crypto/rand.Reader outside of tests),
// from which it derives all its secret values (spec/mixnet.md §3.1).
//
// Prove refuses (zkp.ErrWitness) a witness for another shape or public
// key, and spot-checks that three outputs are the claimed re-encryptions;
// it does not re-check all N (that would cost as much as the shuffle), so
// a witness for other lists of the same shape gives a proof that does not
// verify. It runs on all cores in constant time with respect to the
// secrets, and applies the permutation with an oblivious sorting network
// (see the package documentation), and reports the phases "prove: hash",
// "commit" and "prove".
func Prove(st *Statement, w *Witness, rand io.Reader, progress Progress) (*Proof, error) {
	n, width, _, err := st.shape()
	if err != nil {
		return nil, fmt.Errorf("mixnet: prove: %w", err)
	}
	if w == nil || w.perm == nil || rand == nil {
		return nil, errors.New("mixnet: prove: missing witness or random source")
	}
	if w.n != n || w.width != width {
		return nil, fmt.Errorf("mixnet: prove: %w: the witness is for %d vectors of width %d, the statement has %d of width %d",
			zkp.ErrWitness, w.n, w.width, n, width)
	}
	if !w.pk.Equal(st.PublicKey) {
		return nil, fmt.Errorf("mixnet: prove: %w: the witness is for another public key", zkp.ErrWitness)
	}
	if err := w.spotCheck(st); err != nil {
		return nil, err
	}
	var seed [32]byte
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("mixnet: prove: reading randomness: %w", err)
	}
	defer clear(seed[:])
	return prove(st, w, newGenSource(electionOf(st.Context)), &seed, progress)
}

// spotCheck recomputes outputs 0, N/2 and N−1 from the witness. It
// fetches input π(i) by reading every input and selecting in constant
// time, so that its memory accesses do not depend on π.
func (w *Witness) spotCheck(st *Statement) error {
	var rho elgamal.Scalar
	var c elgamal.Ciphertext
	src := make([]elgamal.Ciphertext, w.width)
	for _, i := range []int{0, w.n / 2, w.n - 1} {
		obliviousFetch(src, st.Input, w.perm[i])
		for k := range src {
			w.reEncrypt(&c, &src[k], &rho, i, k)
			if c.Equal(&st.Output[i][k]) != 1 {
				return fmt.Errorf("mixnet: prove: %w: output %d is not the shuffle of the input", zkp.ErrWitness, i)
			}
		}
	}
	return nil
}

// errDegenerate is returned in the negligible event that a commitment is
// the identity, which the proof encoding does not allow.
var errDegenerate = errors.New("mixnet: prove: a commitment is the identity (probability 2^-250); prove again")

// putElement writes the encoding of e at b[off], refusing the identity.
func putElement(b []byte, off int, e *elgamal.Element) error {
	if e.IsIdentity() == 1 {
		return errDegenerate
	}
	copy(b[off:off+32], e.Bytes())
	return nil
}

const (
	// commitChunk is the number of terms of each constant-time
	// multi-scalar multiplication: its tables take about 1.3 KiB per term.
	commitChunk = 1024
	// proveChunk is the chunk size of the other parallel passes.
	proveChunk = 2048
)

// commitAcc is one worker's scratch space and partial sums in the commit
// pass.
type commitAcc struct {
	t3     elgamal.Element
	t4     []elgamal.Ciphertext
	hs     []elgamal.Element
	ws     []elgamal.Scalar
	hp, ep []*elgamal.Element
	wp     []*elgamal.Scalar
}

func newCommitAcc(width int) *commitAcc {
	a := &commitAcc{
		t4: make([]elgamal.Ciphertext, width),
		hs: make([]elgamal.Element, commitChunk),
		ws: make([]elgamal.Scalar, commitChunk),
		hp: make([]*elgamal.Element, commitChunk),
		ep: make([]*elgamal.Element, commitChunk),
		wp: make([]*elgamal.Scalar, commitChunk),
	}
	a.t3.Set(elgamal.NewElement())
	for k := range a.t4 {
		a.t4[k].Set(elgamal.NewCiphertext())
	}
	for i := range a.hs {
		a.hp[i], a.wp[i] = &a.hs[i], &a.ws[i]
	}
	return a
}

// prove is Prove with the generators and the seed given (tests use other
// generators).
func prove(st *Statement, w *Witness, gens *genSource, seed *[32]byte, progress Progress) (*Proof, error) {
	n, width := w.n, w.width
	l := layout{n, width}
	p := &Proof{n: n, width: width, b: make([]byte, l.size())}
	b := p.b
	perm := w.perm

	h := gens.at(0)
	keys := make([]genKey, n+1)
	var err error
	if keys[0], err = keyOf(h, 0); err != nil {
		return nil, fmt.Errorf("mixnet: prove: %w", err)
	}
	hTable := elgamal.NewFixedBase(h)
	t := st.transcript(n, width, h, newReporter(progress, "prove: hash", 2*n))

	// Commit: c_{π(i)} = r_{π(i)}·G + h_i, and the sums Σ ω′_i·h_i and
	// Σ ω′_i·out_{i,k} of t3 and t4, which do not depend on the
	// challenges. c_{π(i)} is written at position i, and an oblivious
	// sort by the key π(i) moves it to position π(i) afterwards.
	accs := make([]*commitAcc, workers((n+commitChunk-1)/commitChunk))
	err = forChunks(n, commitChunk, newReporter(progress, "commit", n), func(wk, lo, hi int) error {
		if accs[wk] == nil {
			accs[wk] = newCommitAcc(width)
		}
		a := accs[wk]
		var r elgamal.Scalar
		var c, sum elgamal.Element
		for i := lo; i < hi; i++ {
			x := i - lo
			a.hs[x].Set(gens.at(uint64(i) + 1))
			k, err := keyOf(&a.hs[x], uint64(i)+1)
			if err != nil {
				return err
			}
			keys[i+1] = k
			deriveScalar(&r, seed, tagR, uint64(perm[i])+1, 0)
			c.ScalarBaseMult(&r)
			c.Add(&c, &a.hs[x])
			if err := putElement(b, l.c(i), &c); err != nil {
				return err
			}
			deriveScalar(&a.ws[x], seed, tagOmegaPrime, uint64(i)+1, 0)
		}
		m := hi - lo
		a.t3.Add(&a.t3, sum.MultiScalarMult(a.wp[:m], a.hp[:m]))
		for k := range width {
			for i := lo; i < hi; i++ {
				a.ep[i-lo] = &st.Output[i][k].Alpha
			}
			a.t4[k].Alpha.Add(&a.t4[k].Alpha, sum.MultiScalarMult(a.wp[:m], a.ep[:m]))
			for i := lo; i < hi; i++ {
				a.ep[i-lo] = &st.Output[i][k].Beta
			}
			a.t4[k].Beta.Add(&a.t4[k].Beta, sum.MultiScalarMult(a.wp[:m], a.ep[:m]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mixnet: prove: %w", err)
	}
	if err := checkDistinct(keys, gens); err != nil {
		return nil, fmt.Errorf("mixnet: prove: %w", err)
	}
	permuteCommitments(b[l.c(0):l.c(0)+32*n], perm)

	// The challenges u_1..u_N, from the statement and the permutation
	// commitment.
	t.AppendBytes("perm", sectionDigest(b, l.c(0), n))
	useed := challengeSeed(t)
	u := make([]elgamal.Scalar, n)
	forChunks(n, proveChunk, nil, func(_, lo, hi int) error {
		for j := lo; j < hi; j++ {
			challengeU(&u[j], &useed, uint64(j)+1)
		}
		return nil
	})

	// u′_i = u_{π(i)}, as encodings: the oblivious sort of the u_j by the
	// key π⁻¹(j) leaves u_{π(i)} at position i.
	ub := make([]byte, 32*n)
	forChunks(n, proveChunk, nil, func(_, lo, hi int) error {
		for j := lo; j < hi; j++ {
			copy(ub[32*j:], u[j].Bytes())
		}
		return nil
	})
	permuteChallenges(ub, perm)
	defer clear(ub)
	// uprime sets s to u′_i.
	uprime := func(s *elgamal.Scalar, i int) *elgamal.Scalar {
		if _, err := s.SetCanonicalBytes(ub[32*i : 32*i+32]); err != nil {
			panic(err) // unreachable: the encodings of scalars
		}
		return s
	}

	// U_i = Π_{k≤i} u′_k: products per chunk in parallel, then the prefix
	// products of the chunks.
	chunks := (n + proveChunk - 1) / proveChunk
	ustart := make([]elgamal.Scalar, chunks+1)
	forChunks(n, proveChunk, nil, func(_, lo, hi int) error {
		var up elgamal.Scalar
		prod := &ustart[lo/proveChunk+1]
		prod.SetUint64(1)
		for i := lo; i < hi; i++ {
			prod.Multiply(prod, uprime(&up, i))
		}
		return nil
	})
	ustart[0].SetUint64(1)
	for c := 1; c <= chunks; c++ {
		ustart[c].Multiply(&ustart[c-1], &ustart[c])
	}

	// The commitment chain ĉ_i = R_i·G + U_i·h and its commitments
	// t̂_i = (ω̂_i + ω′_i·R_{i−1})·G + (ω′_i·U_{i−1})·h.
	rep := newReporter(progress, "prove", 2*n)
	err = forChunks(n, proveChunk, rep, func(_, lo, hi int) error {
		var U, Unew, R, Rprev, wp, wh, x, y, up elgamal.Scalar
		var e elgamal.Element
		U.Set(&ustart[lo/proveChunk])
		if lo > 0 {
			deriveScalar(&Rprev, seed, tagChainR, uint64(lo), 0)
		}
		for i0 := lo; i0 < hi; i0++ {
			i := uint64(i0) + 1
			deriveScalar(&R, seed, tagChainR, i, 0)
			Unew.Multiply(&U, uprime(&up, i0))
			e.ScalarBaseMult(&R)
			e.Add(&e, hTable.ScalarMult(&Unew))
			if err := putElement(b, l.chat(i0), &e); err != nil {
				return err
			}
			deriveScalar(&wp, seed, tagOmegaPrime, i, 0)
			deriveScalar(&wh, seed, tagOmegaHat, i, 0)
			x.MultiplyAdd(&wp, &Rprev, &wh)
			y.Multiply(&wp, &U)
			e.ScalarBaseMult(&x)
			e.Add(&e, hTable.ScalarMult(&y))
			if err := putElement(b, l.that(i0), &e); err != nil {
				return err
			}
			Rprev.Set(&R)
			U.Set(&Unew)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// t1 = ω1·G, t2 = ω2·G, t3 = ω3·G + Σ ω′_i·h_i,
	// t4_k = Σ ω′_i·out_{i,k} − ω4_k·(G, H).
	var omega1, omega2, omega3 elgamal.Scalar
	deriveScalar(&omega1, seed, tagOmega1, 0, 0)
	deriveScalar(&omega2, seed, tagOmega2, 0, 0)
	deriveScalar(&omega3, seed, tagOmega3, 0, 0)
	omega4 := make([]elgamal.Scalar, width)
	for k := range omega4 {
		deriveScalar(&omega4[k], seed, tagOmega4, 0, uint64(k))
	}
	var e elgamal.Element
	if err := putElement(b, l.t1(), e.ScalarBaseMult(&omega1)); err != nil {
		return nil, err
	}
	if err := putElement(b, l.t2(), e.ScalarBaseMult(&omega2)); err != nil {
		return nil, err
	}
	e.ScalarBaseMult(&omega3)
	for _, a := range accs {
		if a != nil {
			e.Add(&e, &a.t3)
		}
	}
	if err := putElement(b, l.t3(), &e); err != nil {
		return nil, err
	}
	for k := range width {
		var alpha, beta elgamal.Element
		alpha.Negate(new(elgamal.Element).ScalarBaseMult(&omega4[k]))
		beta.Negate(st.PublicKey.ScalarMult(&omega4[k]))
		for _, a := range accs {
			if a != nil {
				alpha.Add(&alpha, &a.t4[k].Alpha)
				beta.Add(&beta, &a.t4[k].Beta)
			}
		}
		if err := putElement(b, l.t4(k), &alpha); err != nil {
			return nil, err
		}
		if err := putElement(b, l.t4(k)+32, &beta); err != nil {
			return nil, err
		}
	}

	// The challenge c, from the chain and all commitments.
	c := finalChallenge(t, b, l)

	// Responses: s′_i = ω′_i + c·u′_i, ŝ_i = ω̂_i + c·r̂_i with
	// r̂_i = R_i − u′_i·R_{i−1}, and the sums Σ r_j, Σ u_j·r_j and
	// Σ u′_i·ρ_{i,k} of s1, s3 and s4.
	type respAcc struct {
		rbar, rtilde elgamal.Scalar
		rhobar       []elgamal.Scalar
	}
	raccs := make([]*respAcc, workers(chunks))
	forChunks(n, proveChunk, rep, func(wk, lo, hi int) error {
		if raccs[wk] == nil {
			raccs[wk] = &respAcc{rhobar: make([]elgamal.Scalar, width)}
		}
		a := raccs[wk]
		var r, R, Rprev, rhat, wp, wh, s, rho, upv elgamal.Scalar
		if lo > 0 {
			deriveScalar(&Rprev, seed, tagChainR, uint64(lo), 0)
		}
		for i0 := lo; i0 < hi; i0++ {
			i := uint64(i0) + 1
			deriveScalar(&r, seed, tagR, i, 0)
			a.rbar.Add(&a.rbar, &r)
			a.rtilde.MultiplyAdd(&u[i0], &r, &a.rtilde)

			up := uprime(&upv, i0)
			deriveScalar(&wp, seed, tagOmegaPrime, i, 0)
			s.MultiplyAdd(c, up, &wp)
			copy(b[l.sprime(i0):], s.Bytes())

			deriveScalar(&R, seed, tagChainR, i, 0)
			rhat.Negate(&Rprev)
			rhat.MultiplyAdd(up, &rhat, &R)
			deriveScalar(&wh, seed, tagOmegaHat, i, 0)
			s.MultiplyAdd(c, &rhat, &wh)
			copy(b[l.shat(i0):], s.Bytes())
			Rprev.Set(&R)

			for k := range width {
				w.rho(&rho, i0, k)
				a.rhobar[k].MultiplyAdd(up, &rho, &a.rhobar[k])
			}
		}
		return nil
	})
	var rbar, rtilde, RN, s elgamal.Scalar
	rhobar := make([]elgamal.Scalar, width)
	for _, a := range raccs {
		if a != nil {
			rbar.Add(&rbar, &a.rbar)
			rtilde.Add(&rtilde, &a.rtilde)
			for k := range rhobar {
				rhobar[k].Add(&rhobar[k], &a.rhobar[k])
			}
		}
	}
	deriveScalar(&RN, seed, tagChainR, uint64(n), 0)
	copy(b[l.s1():], s.MultiplyAdd(c, &rbar, &omega1).Bytes())
	copy(b[l.s2():], s.MultiplyAdd(c, &RN, &omega2).Bytes())
	copy(b[l.s3():], s.MultiplyAdd(c, &rtilde, &omega3).Bytes())
	for k := range width {
		copy(b[l.s4(k):], s.MultiplyAdd(c, &rhobar[k], &omega4[k]).Bytes())
	}
	return p, nil
}

// finalChallenge appends the commitment chain and every commitment to
// the transcript and returns the challenge c.
func finalChallenge(t *zkp.Transcript, b []byte, l layout) *elgamal.Scalar {
	t.AppendBytes("chat", sectionDigest(b, l.chat(0), l.n))
	t.AppendElementBytes("t1", b[l.t1():l.t1()+32])
	t.AppendElementBytes("t2", b[l.t2():l.t2()+32])
	t.AppendElementBytes("t3", b[l.t3():l.t3()+32])
	for k := range l.w {
		t.AppendElementBytes(fmt.Sprintf("t4[%d].alpha", k), b[l.t4(k):l.t4(k)+32])
		t.AppendElementBytes(fmt.Sprintf("t4[%d].beta", k), b[l.t4(k)+32:l.t4(k)+64])
	}
	t.AppendBytes("that", sectionDigest(b, l.that(0), l.n))
	return t.Challenge("c")
}
