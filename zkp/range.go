package zkp

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"

	"github.com/urnavote/urna/elgamal"
)

// Encoded sizes of the parts of a RangeProof.
const (
	// RangeBitSize is the length of one encoded RangeBit: α ‖ β ‖ the
	// bit's ZeroOneProof.
	RangeBitSize = elgamal.CiphertextSize + ZeroOneProofSize
	// RangeExactProofSize is the length of an encoded RangeExactProof:
	// A ‖ B ‖ z.
	RangeExactProofSize = 2*elgamal.ElementSize + elgamal.ScalarSize
)

// RangeProof proves that an ElGamal ciphertext C = (α, β) = (r·G, m·G + r·H)
// encrypts an integer m with min ≤ m ≤ max, such as the number of
// selections in a contest. Any uint64 bounds are allowed; the proof has
// k = bitlen(max − min) bits and is RangeProofSize(min, max) bytes long.
//
// The prover writes m' = m − min ∈ [0, R], R = max − min, as Σ bᵢ·wᵢ with
// bits bᵢ and public weights (see rangeWeights), encrypts each bit as
// Cᵢ = (rᵢ·G, bᵢ·G + rᵢ·H), and proves each bit 0 or 1 with the OR-proof of
// ZeroOneProof. The bit randomness is chosen so that Σ wᵢ·Cᵢ = C − (0, min·G)
// exactly, which the verifier checks alongside the bit proofs:
//
//	Σ wᵢ·αᵢ = α
//	Σ wᵢ·βᵢ = β − min·G
//
// All bit proofs share one Fiat–Shamir challenge c over LabelRange, the
// Context, H, C, min, max, every Cᵢ and every commitment, each splitting it
// as cᵢ0 + cᵢ1 = c. Running the OR-proofs in parallel with one challenge is
// again a Σ-protocol, for their conjunction.
//
// When min == max the range holds one value and there are no bits; Exact is
// then a Chaum–Pedersen proof that C − (0, min·G) encrypts 0.
type RangeProof struct {
	Bits  []RangeBit       // k bits, least significant first; nil if min == max
	Exact *RangeExactProof // only if min == max
}

// RangeBit is one bit ciphertext of a RangeProof and its proof that it
// encrypts 0 or 1.
type RangeBit struct {
	C     elgamal.Ciphertext
	Proof ZeroOneProof
}

// RangeExactProof is the range proof for min == max: the Chaum–Pedersen
// proof (Chaum and Pedersen, CRYPTO 1992) that (α, β − min·G) = r·(G, H),
// that is C encrypts exactly min. Verification: z·G = A + c·α and
// z·H = B + c·(β − min·G).
type RangeExactProof struct {
	A, B elgamal.Element // commitments w·G, w·H
	Z    elgamal.Scalar  // response w + c·r
}

// rangeWeights returns the weights of the k = bitlen(R) bits that cover
// [0, R]: wᵢ = 2^i for i < k−1, and w_{k−1} = R − (2^(k−1) − 1).
//
// They cover [0, R] exactly. The low bits give every value of
// L = [0, 2^(k−1) − 1]; the top bit adds w_{k−1}, so Σ bᵢ·wᵢ ranges over
// L ∪ (w_{k−1} + L) = [0, 2^(k−1) − 1] ∪ [w_{k−1}, R]. Since bitlen(R) = k,
// 2^(k−1) ≤ R ≤ 2^k − 1, so 1 ≤ w_{k−1} ≤ 2^(k−1): the two intervals meet
// or overlap, leaving no gap, and the largest sum is R, so no value above R
// can be proven. w_{k−1} ≥ 1 is also invertible modulo ℓ, which
// ProveRange needs. All weights fit in a uint64 for any R < 2^64, and as
// Σ wᵢ = R < 2^64 is far below ℓ, the verifier's check Σ wᵢ·Cᵢ = C − min·G
// cannot wrap around modulo ℓ: it pins the plaintext to the integer
// min + Σ bᵢ·wᵢ ≤ max.
func rangeWeights(R uint64) []uint64 {
	k := bits.Len64(R)
	if k == 0 {
		return nil
	}
	w := make([]uint64, k)
	for i := range k - 1 {
		w[i] = 1 << i
	}
	w[k-1] = R - (1<<(k-1) - 1)
	return w
}

// rangeDecompose returns bits bᵢ with Σ bᵢ·wᵢ = v for v ∈ [0, R] and the
// weights of rangeWeights(R), in constant time with respect to v: the top
// bit is [v ≥ 2^(k−1)] from the borrow of a subtraction, and the rest,
// v − b_{k−1}·w_{k−1} ∈ L (see rangeWeights), is written in binary.
func rangeDecompose(v, R uint64) []uint64 {
	k := bits.Len64(R)
	if k == 0 {
		return nil
	}
	w := R - (1<<(k-1) - 1)
	_, borrow := bits.Sub64(v, 1<<(k-1), 0)
	top := 1 - borrow
	rest := v - (w & -top)
	b := make([]uint64, k)
	for i := range k - 1 {
		b[i] = rest >> i & 1
	}
	b[k-1] = top
	return b
}

// RangeProofSize returns the length of an encoded RangeProof for
// [min, max], or 0 if min > max.
func RangeProofSize(min, max uint64) int {
	if min > max {
		return 0
	}
	if k := bits.Len64(max - min); k > 0 {
		return k * RangeBitSize
	}
	return RangeExactProofSize
}

func rangeBitName(i int) string { return "C" + strconv.Itoa(i) }

func rangeChallenge(ctx *Context, h []byte, c *elgamal.Ciphertext, min, max uint64, p *RangeProof) *elgamal.Scalar {
	return rangeChallengeEnc(ctx, h, c, min, max, p, nil)
}

// rangeChallengeEnc is rangeChallenge taking the proof's elements from
// its encoding enc when it is not nil.
func rangeChallengeEnc(ctx *Context, h []byte, c *elgamal.Ciphertext, min, max uint64, p *RangeProof, enc []byte) *elgamal.Scalar {
	t := NewTranscript(LabelRange, ctx)
	t.AppendElementBytes("H", h)
	t.AppendCiphertext("C", c)
	t.AppendUint64("min", min)
	t.AppendUint64("max", max)
	const bitSize = elgamal.CiphertextSize + ZeroOneProofSize
	for i := range p.Bits {
		if enc != nil {
			t.AppendElementBytes(rangeBitName(i)+".alpha", enc[i*bitSize:i*bitSize+32])
			t.AppendElementBytes(rangeBitName(i)+".beta", enc[i*bitSize+32:i*bitSize+64])
		} else {
			t.AppendCiphertext(rangeBitName(i), &p.Bits[i].C)
		}
	}
	for i := range p.Bits {
		if enc != nil {
			orAppendCommitmentBytes(t, rangeBitName(i)+".", enc[i*bitSize+64:])
		} else {
			orAppendCommitments(t, rangeBitName(i)+".", &p.Bits[i].Proof)
		}
	}
	if p.Exact != nil {
		if enc != nil {
			t.AppendElementBytes("A", enc[0:32])
			t.AppendElementBytes("B", enc[32:64])
		} else {
			t.AppendElement("A", &p.Exact.A)
			t.AppendElement("B", &p.Exact.B)
		}
	}
	return t.Challenge("c")
}

// ProveRange proves that c = (r·G, m·G + r·H) under pk encrypts m with
// min ≤ m ≤ max. The prover runs in constant time with respect to m. It
// returns an error wrapping ErrOutOfRange if min > max or m is outside
// [min, max] (these checks branch on m, but a valid input never fails
// them), ErrZeroScalar if r is zero, or ErrWitness if c is not that
// encryption, and never proves a false statement.
func ProveRange(ctx *Context, pk *elgamal.PublicKey, c *elgamal.Ciphertext, m uint64, r *elgamal.Scalar, min, max uint64, rand io.Reader) (*RangeProof, error) {
	if pk == nil || c == nil || r == nil || rand == nil {
		return nil, errors.New("zkp: range proof: missing key, ciphertext, randomness or random source")
	}
	if min > max {
		return nil, fmt.Errorf("zkp: range proof: %w: empty range [%d, %d]", ErrOutOfRange, min, max)
	}
	if m < min || m > max {
		return nil, fmt.Errorf("zkp: range proof: %w: plaintext is not in [%d, %d]", ErrOutOfRange, min, max)
	}
	if r.IsZero() == 1 {
		return nil, fmt.Errorf("zkp: range proof: randomness: %w", elgamal.ErrZeroScalar)
	}
	if err := checkWitness(pk, c, new(elgamal.Element).ScalarBaseMult(new(elgamal.Scalar).SetUint64(m)), r); err != nil {
		return nil, fmt.Errorf("zkp: range proof: %w", err)
	}
	return proveRange(ctx, pk, c, m-min, r, min, max, rand)
}

// proveRange is ProveRange without input checks, for v = m − min.
func proveRange(ctx *Context, pk *elgamal.PublicKey, c *elgamal.Ciphertext, v uint64, r *elgamal.Scalar, min, max uint64, rand io.Reader) (*RangeProof, error) {
	R := max - min
	p := &RangeProof{}
	if R == 0 {
		w, err := elgamal.RandomScalar(rand)
		if err != nil {
			return nil, err
		}
		e := &RangeExactProof{}
		e.A.ScalarBaseMult(w)
		e.B.Set(pk.ScalarMult(w))
		p.Exact = e
		e.Z.MultiplyAdd(rangeChallenge(ctx, pk.Bytes(), c, min, max, p), r, w)
		return p, nil
	}

	ws := rangeWeights(R)
	bs := rangeDecompose(v, R)
	k := len(ws)
	p.Bits = make([]RangeBit, k)
	provers := make([]orProver, k)
	// rᵢ is random for i < k−1, and r_{k−1} = (r − Σ_{i<k−1} wᵢ·rᵢ)/w_{k−1},
	// so that Σ wᵢ·rᵢ = r.
	last := new(elgamal.Scalar).Set(r)
	var ri, wi elgamal.Scalar
	for i := range k {
		if i < k-1 {
			x, err := elgamal.RandomScalar(rand)
			if err != nil {
				return nil, err
			}
			ri.Set(x)
			wi.SetUint64(ws[i])
			wi.Negate(&wi)
			last.MultiplyAdd(&wi, &ri, last)
		} else {
			wi.SetUint64(ws[i])
			ri.Multiply(last, wi.Invert(&wi))
		}
		bit := &p.Bits[i]
		bit.C.Alpha.ScalarBaseMult(&ri)
		bit.C.Beta.Add(encodeBit(bs[i]), pk.ScalarMult(&ri))
		if err := provers[i].commit(pk, bs[i], &ri, rand, &bit.Proof); err != nil {
			return nil, err
		}
	}
	ch := rangeChallenge(ctx, pk.Bytes(), c, min, max, p)
	for i := range k {
		provers[i].respond(ch, &p.Bits[i].Proof)
	}
	return p, nil
}

// RangeStatement is one ciphertext, its range and its proof, for
// BatchVerifyRange. Ctx, if not nil, replaces the batch's Context for this
// item.
//
// A statement made by DecodeRangeStatement also remembers the bytes Proof
// was decoded from, and its challenge hashes those bytes instead of
// encoding the proof's elements again. Only the decoder sets them, so they
// always match Proof.
type RangeStatement struct {
	Ctx      *Context
	C        *elgamal.Ciphertext
	Min, Max uint64
	Proof    *RangeProof

	// enc is the encoding decProof was decoded from by
	// DecodeRangeStatement, for the range [encMin, encMax]; it is used
	// only while Proof, Min and Max are unchanged.
	enc            []byte
	decProof       *RangeProof
	encMin, encMax uint64
}

// DecodeRangeStatement decodes the range proof enc for [min, max] strictly,
// as ParseRangeProof does, and returns the statement that c encrypts an
// integer in [min, max] under ctx, which remembers enc (see
// RangeStatement). c may be set later: it is hashed by value. The
// statement refers to the decoded proof and to enc: do not change enc
// before it is verified.
func DecodeRangeStatement(ctx *Context, c *elgamal.Ciphertext, min, max uint64, enc []byte) (RangeStatement, error) {
	p, err := ParseRangeProof(enc, min, max)
	if err != nil {
		return RangeStatement{}, err
	}
	return RangeStatement{Ctx: ctx, C: c, Min: min, Max: max, Proof: p, enc: enc, decProof: p, encMin: min, encMax: max}, nil
}

func (s *RangeStatement) prepare(ctx *Context, h []byte, q *equations) error {
	if s.C == nil || s.Proof == nil {
		return fmt.Errorf("zkp: range proof: %w: missing statement or proof", ErrInvalidProof)
	}
	if s.Ctx != nil {
		ctx = s.Ctx
	}
	if s.Min > s.Max {
		return fmt.Errorf("zkp: range proof: %w: empty range [%d, %d]", ErrOutOfRange, s.Min, s.Max)
	}
	if s.C.Alpha.IsIdentity() == 1 {
		return fmt.Errorf("zkp: range proof: statement alpha: %w", elgamal.ErrIdentity)
	}
	p := s.Proof
	ws := rangeWeights(s.Max - s.Min)
	if len(p.Bits) != len(ws) || (p.Exact == nil) != (len(ws) > 0) {
		return fmt.Errorf("zkp: range proof: %w: wrong shape for range [%d, %d]", ErrInvalidProof, s.Min, s.Max)
	}
	if e := p.Exact; e != nil {
		if e.A.IsIdentity() == 1 || e.B.IsIdentity() == 1 {
			return fmt.Errorf("zkp: range proof: commitment: %w", elgamal.ErrIdentity)
		}
	}
	for i := range p.Bits {
		if p.Bits[i].C.Alpha.IsIdentity() == 1 {
			return fmt.Errorf("zkp: range proof: bit %d alpha: %w", i, elgamal.ErrIdentity)
		}
		if err := orCheckCommitments(&p.Bits[i].Proof); err != nil {
			return fmt.Errorf("zkp: range proof: bit %d: %w", i, err)
		}
	}
	var enc []byte
	if s.Proof == s.decProof && s.Min == s.encMin && s.Max == s.encMax {
		enc = s.enc
	}
	c := rangeChallengeEnc(ctx, h, s.C, s.Min, s.Max, p, enc)
	min := new(elgamal.Scalar).SetUint64(s.Min)
	g := &q.sharedCo[0]
	var t elgamal.Scalar

	if e := p.Exact; e != nil {
		// w1·(z·G − A − c·α) = 0 and w2·(z·H − B − c·β + c·min·G) = 0.
		w1, w2 := q.weight(), q.weight()
		g.Add(g, t.Multiply(w1, &e.Z))
		g.Add(g, t.Multiply(t.Multiply(w2, c), min))
		q.addShared(1, w2, &e.Z)
		orNegTerm(q, w1, &e.A)
		orNegTerm(q, w2, &e.B)
		q.add(t.Negate(w1), c, &s.C.Alpha)
		q.add(t.Negate(w2), c, &s.C.Beta)
		return nil
	}

	// ρ1·(Σ wᵢ·αᵢ − α) = 0 and ρ2·(Σ wᵢ·βᵢ − β + min·G) = 0, with each
	// bit's terms merged into those of its OR-proof.
	rho1, rho2 := q.weight(), q.weight()
	var wi elgamal.Scalar
	for i := range p.Bits {
		bit := &p.Bits[i]
		ca, cb := orEquations(q, c, &bit.Proof)
		wi.SetUint64(ws[i])
		ca.MultiplyAdd(rho1, &wi, &ca)
		cb.MultiplyAdd(rho2, &wi, &cb)
		orTerm(q, &ca, &bit.C.Alpha)
		orTerm(q, &cb, &bit.C.Beta)
	}
	orNegTerm(q, rho1, &s.C.Alpha)
	orNegTerm(q, rho2, &s.C.Beta)
	q.addShared(0, rho2, min)
	return nil
}

// VerifyRange checks that c encrypts an integer in [min, max] under pk. It
// returns nil, or an error wrapping ErrInvalidProof, ErrOutOfRange (if
// min > max) or a decoding error.
func VerifyRange(ctx *Context, pk *elgamal.PublicKey, c *elgamal.Ciphertext, min, max uint64, p *RangeProof) error {
	if pk == nil {
		return fmt.Errorf("zkp: range proof: %w: missing public key", ErrInvalidProof)
	}
	s := &RangeStatement{C: c, Min: min, Max: max, Proof: p}
	h := pk.Bytes()
	return verifyOne("range proof", baseGH(pk), func(q *equations) error {
		return s.prepare(ctx, h, q)
	})
}

// BatchVerifyRange checks many range proofs under one key, each with its own
// range and optionally its own Context (see RangeStatement), with one
// multi-scalar multiplication. It accepts exactly when every proof would pass
// VerifyRange; otherwise it returns a *BatchError naming each failing index.
func BatchVerifyRange(ctx *Context, pk *elgamal.PublicKey, stmts []RangeStatement) error {
	if pk == nil {
		return fmt.Errorf("zkp: range proof: %w: missing public key", ErrInvalidProof)
	}
	h := pk.Bytes()
	return batchVerify(len(stmts), baseGH(pk), func(i int, q *equations) error {
		return stmts[i].prepare(ctx, h, q)
	})
}

// Bytes returns the encoding of p: for each bit, α ‖ β ‖ A0 ‖ B0 ‖ A1 ‖ B1
// ‖ c0 ‖ z0 ‖ z1, or A ‖ B ‖ z for a proof of a single-value range.
func (p *RangeProof) Bytes() []byte {
	b := make([]byte, 0, len(p.Bits)*RangeBitSize+RangeExactProofSize)
	for i := range p.Bits {
		b = append(b, p.Bits[i].C.Bytes()...)
		b = p.Bits[i].Proof.appendTo(b)
	}
	if e := p.Exact; e != nil {
		b = append(b, e.A.Bytes()...)
		b = append(b, e.B.Bytes()...)
		b = append(b, e.Z.Bytes()...)
	}
	return b
}

// ParseRangeProof decodes a proof for the range [min, max] strictly:
// exactly RangeProofSize(min, max) bytes, canonical encodings, no
// commitment and no bit ciphertext's α the identity. An empty range
// (min > max) is an error wrapping ErrOutOfRange.
func ParseRangeProof(b []byte, min, max uint64) (*RangeProof, error) {
	if min > max {
		return nil, fmt.Errorf("zkp: range proof: %w: empty range [%d, %d]", ErrOutOfRange, min, max)
	}
	p := &RangeProof{}
	r := newReader(b)
	if k := bits.Len64(max - min); k > 0 {
		p.Bits = make([]RangeBit, k)
		for i := range p.Bits {
			bit := &p.Bits[i]
			name := rangeBitName(i) + "."
			r.element(name+"alpha", &bit.C.Alpha, true)
			r.element(name+"beta", &bit.C.Beta, false)
			orRead(r, name, &bit.Proof)
		}
	} else {
		p.Exact = &RangeExactProof{}
		r.element("A", &p.Exact.A, true)
		r.element("B", &p.Exact.B, true)
		r.scalar("z", &p.Exact.Z)
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("zkp: range proof: %w", err)
	}
	return p, nil
}
