package zkp

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/urnavote/urna/elgamal"
)

// RandomnessProofSize returns the length of an encoded RandomnessProof for
// a vector of the given width: width commitments, then width responses.
func RandomnessProofSize(width int) int {
	return width * (elgamal.ElementSize + elgamal.ScalarSize)
}

// RandomnessProof proves knowledge of the randomness r_i behind every
// α_i = r_i·G of a ciphertext vector: one Schnorr proof per component, all
// under a single challenge c = H(label, ctx, H, w, v, A_1..A_w), so the
// proof covers the vector as a whole. Verification: z_i·G = A_i + c·α_i.
//
// Whoever knows the randomness knows the plaintext (β_i − r_i·H), so a
// voter cannot submit ciphertexts derived from another voter's without
// knowing what they contain. Binding the proof to the voter's credential
// in ctx.Binding makes a copied ballot fail under any other credential,
// and re-randomising a copy changes the α_i the proof speaks about. This
// makes mixnet ballots non-malleable, like the Schnorr-proof ("TDH0"-like)
// plaintext awareness of Helios and Verificatum ballots.
type RandomnessProof struct {
	A []elgamal.Element // commitments k_i·G
	Z []elgamal.Scalar  // responses k_i + c·r_i
}

// Width returns the number of components the proof covers.
func (p *RandomnessProof) Width() int { return len(p.A) }

// randomnessChallenge hashes the statement and commitments; pkEnc is the
// encoding of the public key, which batches compute once.
func randomnessChallenge(ctx *Context, pkEnc []byte, v elgamal.CiphertextVector, a []elgamal.Element) *elgamal.Scalar {
	t := NewTranscript(LabelRandomness, ctx)
	t.AppendElementBytes("pk", pkEnc)
	t.AppendUint64("width", uint64(len(v)))
	for i := range v {
		t.AppendCiphertext("v["+strconv.Itoa(i)+"]", &v[i])
	}
	for i := range a {
		t.AppendElement("A["+strconv.Itoa(i)+"]", &a[i])
	}
	return t.Challenge("c")
}

// ProveRandomness proves knowledge of rs, the randomness of v under pk
// (α_i = rs[i]·G), bound to ctx. Put the voter's credential in
// ctx.Binding. It fails with ErrWitness if rs does not match v, rather
// than return a proof that cannot verify, and runs in constant time in rs
// and the nonces.
func ProveRandomness(ctx *Context, pk *elgamal.PublicKey, v elgamal.CiphertextVector, rs []*elgamal.Scalar, rand io.Reader) (*RandomnessProof, error) {
	if pk == nil || rand == nil {
		return nil, errors.New("zkp: randomness proof: missing public key or random source")
	}
	if len(v) == 0 || len(rs) != len(v) {
		return nil, fmt.Errorf("zkp: randomness proof: %w: %d ciphertexts, %d randomness values", elgamal.ErrWidth, len(v), len(rs))
	}
	ok := 1
	for i, r := range rs {
		if r == nil {
			return nil, fmt.Errorf("zkp: randomness proof: missing randomness %d", i)
		}
		if r.IsZero() == 1 {
			return nil, fmt.Errorf("zkp: randomness proof: randomness %d: %w", i, elgamal.ErrZeroScalar)
		}
		ok &= new(elgamal.Element).ScalarBaseMult(r).Equal(&v[i].Alpha)
	}
	if ok != 1 {
		return nil, fmt.Errorf("zkp: randomness proof: %w", ErrWitness)
	}
	p := &RandomnessProof{A: make([]elgamal.Element, len(v)), Z: make([]elgamal.Scalar, len(v))}
	ks := make([]*elgamal.Scalar, len(v))
	for i := range ks {
		k, err := elgamal.RandomScalar(rand)
		if err != nil {
			return nil, err
		}
		ks[i] = k
		p.A[i].ScalarBaseMult(k)
	}
	c := randomnessChallenge(ctx, pk.Bytes(), v, p.A)
	for i := range ks {
		p.Z[i].MultiplyAdd(c, rs[i], ks[i])
	}
	return p, nil
}

// RandomnessStatement is one ciphertext vector and its proof, for
// BatchVerifyRandomness. Ctx, if not nil, replaces the batch's Context for
// this vector. Ballots need it: each is bound to its own voter's
// credential.
type RandomnessStatement struct {
	Ctx    *Context
	Vector elgamal.CiphertextVector
	Proof  *RandomnessProof
}

func (st *RandomnessStatement) prepare(ctx *Context, pkEnc []byte, q *equations) error {
	if st.Ctx != nil {
		ctx = st.Ctx
	}
	v, p := st.Vector, st.Proof
	if p == nil {
		return fmt.Errorf("zkp: randomness proof: %w: missing proof", ErrInvalidProof)
	}
	if len(v) == 0 || len(p.A) != len(v) || len(p.Z) != len(v) {
		return fmt.Errorf("zkp: randomness proof: %w: %w: proof of width %d (%d responses) for %d ciphertexts", ErrInvalidProof, elgamal.ErrWidth, len(p.A), len(p.Z), len(v))
	}
	for i := range v {
		// α = 0 would expose β as the plaintext, with r = 0 known to all.
		if v[i].Alpha.IsIdentity() == 1 {
			return fmt.Errorf("zkp: randomness proof: ciphertext %d: alpha: %w", i, elgamal.ErrIdentity)
		}
		if p.A[i].IsIdentity() == 1 {
			return fmt.Errorf("zkp: randomness proof: commitment A[%d]: %w", i, elgamal.ErrIdentity)
		}
	}
	c := randomnessChallenge(ctx, pkEnc, v, p.A)
	negC := new(elgamal.Scalar).Negate(c)
	for i := range v {
		// w·(z_i·G − A_i − c·α_i) = 0
		w := q.weight()
		q.addShared(0, w, &p.Z[i])
		q.addNeg(w, &p.A[i])
		q.add(w, negC, &v[i].Alpha)
	}
	return nil
}

// VerifyRandomness checks a proof of knowledge of the randomness of v
// under pk and ctx. It returns nil, or an error wrapping ErrInvalidProof
// (and ErrWidth if the widths of v and p differ) or ErrIdentity.
func VerifyRandomness(ctx *Context, pk *elgamal.PublicKey, v elgamal.CiphertextVector, p *RandomnessProof) error {
	if pk == nil {
		return fmt.Errorf("zkp: randomness proof: %w: missing public key", ErrInvalidProof)
	}
	st := &RandomnessStatement{Vector: v, Proof: p}
	pkEnc := pk.Bytes()
	return verifyOne("randomness proof", []*elgamal.Element{dleqGenerator}, func(q *equations) error {
		return st.prepare(ctx, pkEnc, q)
	})
}

// BatchVerifyRandomness checks many proofs under one public key, each under
// its own Ctx if it has one and ctx otherwise, with one multi-scalar
// multiplication in which the generator costs one term per batch. It
// accepts exactly when every proof would pass VerifyRandomness; otherwise
// it returns a *BatchError naming each failing index.
func BatchVerifyRandomness(ctx *Context, pk *elgamal.PublicKey, stmts []RandomnessStatement) error {
	if pk == nil {
		return fmt.Errorf("zkp: randomness proof: %w: missing public key", ErrInvalidProof)
	}
	pkEnc := pk.Bytes()
	return batchVerify(len(stmts), []*elgamal.Element{dleqGenerator}, func(i int, q *equations) error {
		return stmts[i].prepare(ctx, pkEnc, q)
	})
}

// Bytes returns the encoding A_1 ‖ … ‖ A_w ‖ z_1 ‖ … ‖ z_w.
func (p *RandomnessProof) Bytes() []byte {
	out := make([]byte, 0, RandomnessProofSize(len(p.A)))
	for i := range p.A {
		out = append(out, p.A[i].Bytes()...)
	}
	for i := range p.Z {
		out = append(out, p.Z[i].Bytes()...)
	}
	return out
}

// ParseRandomnessProof decodes a proof for a vector of the given width
// strictly: canonical encodings, no commitment the identity, and exactly
// RandomnessProofSize(width) bytes. The width is not encoded: it is fixed
// by the election (the ballot's width), not chosen by the prover.
func ParseRandomnessProof(b []byte, width int) (*RandomnessProof, error) {
	if width <= 0 {
		return nil, fmt.Errorf("zkp: randomness proof: %w: width %d", elgamal.ErrLength, width)
	}
	// Allocate for what b can hold, not for what width asks: a truncated
	// input is reported by the reader at the first missing field.
	n := min(width, len(b)/(elgamal.ElementSize+elgamal.ScalarSize)+1)
	p := &RandomnessProof{A: make([]elgamal.Element, 0, n), Z: make([]elgamal.Scalar, 0, n)}
	r := newReader(b)
	for i := 0; i < width && r.err == nil; i++ {
		var a elgamal.Element
		r.element("A["+strconv.Itoa(i)+"]", &a, true)
		p.A = append(p.A, a)
	}
	for i := 0; i < width && r.err == nil; i++ {
		var z elgamal.Scalar
		r.scalar("z["+strconv.Itoa(i)+"]", &z)
		p.Z = append(p.Z, z)
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("zkp: randomness proof: %w", err)
	}
	return p, nil
}
