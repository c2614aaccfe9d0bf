package zkp

import (
	"errors"
	"fmt"
	"io"

	"github.com/urnavote/urna/elgamal"
)

// ZeroOneProofSize is the length of an encoded ZeroOneProof:
// A0 ‖ B0 ‖ A1 ‖ B1 ‖ c0 ‖ z0 ‖ z1.
const ZeroOneProofSize = 4*elgamal.ElementSize + 3*elgamal.ScalarSize

// Prover input errors. Provers check their inputs before proving, since a
// proof of a false statement would only be rejected later, by someone else.
var (
	// ErrOutOfRange means the value to prove is outside the claimed range
	// (a selection other than 0 or 1, a value outside [min, max]), or the
	// range itself is empty (min > max).
	ErrOutOfRange = errors.New("value out of range")
	// ErrWitness means the ciphertext is not the encryption of the given
	// value with the given randomness.
	ErrWitness = errors.New("ciphertext does not match value and randomness")
)

// ZeroOneProof proves that an ElGamal ciphertext (α, β) = (r·G, m·G + r·H)
// under key H encrypts m = 0 or m = 1, and nothing more. It is the
// disjunction of the two Chaum–Pedersen statements "(α, β − j·G) = r·(G, H)"
// for j = 0, 1, composed as in Cramer, Damgård and Schoenmakers, "Proofs of
// partial knowledge and simplified design of witness hiding protocols"
// (CRYPTO 1994): the prover simulates the false branch with a challenge of
// its choosing and must answer the true one with the rest of the
// Fiat–Shamir challenge c, so c0 + c1 = c. With c1 = c − c0, verification
// checks for j = 0, 1:
//
//	zj·G = Aj + cj·α
//	zj·H = Bj + cj·(β − j·G)
//
// where c hashes LabelZeroOne, the Context, H, α, β and the commitments.
type ZeroOneProof struct {
	A0, B0 elgamal.Element // branch 0 (m = 0) commitments
	A1, B1 elgamal.Element // branch 1 (m = 1) commitments
	C0     elgamal.Scalar  // branch 0 challenge; branch 1 gets c − c0
	Z0, Z1 elgamal.Scalar  // responses
}

// orProver is the secret state of one OR-proof between its commitments and
// its responses; ZeroOneProof and every bit of a RangeProof use it.
//
// Its code is the same whichever branch is real: the plaintext bit enters
// only as a scalar in arithmetic and as the condition of constant-time
// selections, so neither the instructions executed nor the memory touched
// depend on it. Every point multiplication is fixed-base (G or H) and
// constant time, which is also what makes the prover fast.
type orProver struct {
	bit    int            // the plaintext, 0 or 1
	r      elgamal.Scalar // the ciphertext's randomness
	w      elgamal.Scalar // nonce of the real branch
	cs, zs elgamal.Scalar // challenge and response of the simulated branch
}

// commit draws the prover's randomness for a ciphertext of bit (0 or 1)
// with randomness r, and sets the commitments of p.
//
// Branch j's commitments are Aj = uj·G and Bj = uj·H + vj·G. The real
// branch (j = m) commits honestly: uj = w, vj = 0. The simulated branch
// picks its challenge cs and response zs at random and solves its
// verification equations for the commitments:
//
//	Aj = zs·G − cs·α           = (zs − cs·r)·G
//	Bj = zs·H − cs·(β − j·G)   = (zs − cs·r)·H − cs·(m − j)·G
//
// so uj = zs − cs·r and vj = −cs·(m − j). Since m − j = 0 on the real
// branch, vj = −cs·(m − j) holds on both.
func (s *orProver) commit(pk *elgamal.PublicKey, bit uint64, r *elgamal.Scalar, rand io.Reader, p *ZeroOneProof) error {
	for _, x := range []*elgamal.Scalar{&s.w, &s.cs, &s.zs} {
		k, err := elgamal.RandomScalar(rand)
		if err != nil {
			return err
		}
		x.Set(k)
	}
	s.bit = int(bit & 1)
	s.r.Set(r)

	uSim := new(elgamal.Scalar).Negate(&s.cs)
	uSim.MultiplyAdd(uSim, r, &s.zs) // zs − cs·r
	// vj·G = −cs·(m − j)·G is 0 on the real branch and, on the simulated
	// one, −P for j = 0 (m = 1) or +P for j = 1 (m = 0), with P = cs·G: one
	// multiplication and a selection instead of a multiplication per branch.
	var P, negP, vG elgamal.Element
	P.ScalarBaseMult(&s.cs)
	negP.Negate(&P)
	signed := [2]*elgamal.Element{&negP, &P}
	identity := elgamal.NewElement()
	as := [2]*elgamal.Element{&p.A0, &p.A1}
	bs := [2]*elgamal.Element{&p.B0, &p.B1}
	var u elgamal.Scalar
	for j := range 2 {
		sim := s.bit ^ j // 1 iff branch j is the simulated one
		u.Select(uSim, &s.w, sim)
		vG.Select(signed[j], identity, sim)
		as[j].ScalarBaseMult(&u)
		bs[j].Add(pk.ScalarMult(&u), &vG)
	}
	return nil
}

// respond sets the challenge and responses of p for the Fiat–Shamir
// challenge c: the real branch gets cr = c − cs and zr = w + cr·r, the
// simulated one keeps cs and zs, again chosen by selection only.
func (s *orProver) respond(c *elgamal.Scalar, p *ZeroOneProof) {
	var cr, zr elgamal.Scalar
	cr.Subtract(c, &s.cs)
	zr.MultiplyAdd(&cr, &s.r, &s.w)
	zs := [2]*elgamal.Scalar{&p.Z0, &p.Z1}
	for j := range 2 {
		zs[j].Select(&s.zs, &zr, s.bit^j)
	}
	p.C0.Select(&s.cs, &cr, s.bit) // branch 0 is simulated iff bit = 1
}

// orEquations adds to q, each with a fresh weight, the four verification
// equations of the OR-proof p for a ciphertext (α, β) and challenge c,
// except for their terms on α and β: it returns those two coefficients so
// that callers can merge further terms on the same elements. Shared base 0
// must be G and 1 must be H.
//
//	w1·(z0·G − A0 − c0·α)          = 0
//	w2·(z0·H − B0 − c0·β)          = 0
//	w3·(z1·G − A1 − c1·α)          = 0
//	w4·(z1·H − B1 − c1·β + c1·G)   = 0
func orEquations(q *equations, c *elgamal.Scalar, p *ZeroOneProof) (ca, cb elgamal.Scalar) {
	var c1, t elgamal.Scalar
	c1.Subtract(c, &p.C0)
	w1, w2, w3, w4 := q.weight(), q.weight(), q.weight(), q.weight()

	// G: w1·z0 + w3·z1 + w4·c1; H: w2·z0 + w4·z1.
	g, h := &q.sharedCo[0], &q.sharedCo[1]
	g.Add(g, t.Multiply(w1, &p.Z0))
	g.Add(g, t.Multiply(w3, &p.Z1))
	g.Add(g, t.Multiply(w4, &c1))
	h.Add(h, t.Multiply(w2, &p.Z0))
	h.Add(h, t.Multiply(w4, &p.Z1))

	orNegTerm(q, w1, &p.A0)
	orNegTerm(q, w2, &p.B0)
	orNegTerm(q, w3, &p.A1)
	orNegTerm(q, w4, &p.B1)

	// α: −(w1·c0 + w3·c1); β: −(w2·c0 + w4·c1).
	ca.Multiply(w1, &p.C0)
	ca.MultiplyAdd(w3, &c1, &ca)
	ca.Negate(&ca)
	cb.Multiply(w2, &p.C0)
	cb.MultiplyAdd(w4, &c1, &cb)
	cb.Negate(&cb)
	return ca, cb
}

// orTerm appends the term s·e, whose coefficient is already weighted.
func orTerm(q *equations, s *elgamal.Scalar, e *elgamal.Element) {
	q.scalars = append(q.scalars, new(elgamal.Scalar).Set(s))
	q.elements = append(q.elements, e)
}

// orNegTerm appends the term w·(−e) for a commitment e. Negating the point
// rather than the weight keeps the 128-bit weight short, which roughly
// halves the term's cost in the multi-scalar multiplication.
func orNegTerm(q *equations, w *elgamal.Scalar, e *elgamal.Element) {
	q.scalars = append(q.scalars, w)
	q.elements = append(q.elements, new(elgamal.Element).Negate(e))
}

// orCheckCommitments rejects identity commitments, which an honest prover
// produces with negligible probability and a decoder never accepts.
func orCheckCommitments(p *ZeroOneProof) error {
	for _, e := range []struct {
		name string
		e    *elgamal.Element
	}{{"A0", &p.A0}, {"B0", &p.B0}, {"A1", &p.A1}, {"B1", &p.B1}} {
		if e.e.IsIdentity() == 1 {
			return fmt.Errorf("commitment %s: %w", e.name, elgamal.ErrIdentity)
		}
	}
	return nil
}

// orAppendCommitments adds the commitments of p to t, with names prefixed
// by prefix.
func orAppendCommitments(t *Transcript, prefix string, p *ZeroOneProof) {
	t.AppendElement(prefix+"A0", &p.A0)
	t.AppendElement(prefix+"B0", &p.B0)
	t.AppendElement(prefix+"A1", &p.A1)
	t.AppendElement(prefix+"B1", &p.B1)
}

// orRead decodes A0 ‖ B0 ‖ A1 ‖ B1 ‖ c0 ‖ z0 ‖ z1, naming the fields with
// prefix.
func orRead(r *reader, prefix string, p *ZeroOneProof) {
	r.element(prefix+"A0", &p.A0, true)
	r.element(prefix+"B0", &p.B0, true)
	r.element(prefix+"A1", &p.A1, true)
	r.element(prefix+"B1", &p.B1, true)
	r.scalar(prefix+"c0", &p.C0)
	r.scalar(prefix+"z0", &p.Z0)
	r.scalar(prefix+"z1", &p.Z1)
}

// appendTo appends the encoding of p to b.
func (p *ZeroOneProof) appendTo(b []byte) []byte {
	for _, e := range []*elgamal.Element{&p.A0, &p.B0, &p.A1, &p.B1} {
		b = append(b, e.Bytes()...)
	}
	for _, s := range []*elgamal.Scalar{&p.C0, &p.Z0, &p.Z1} {
		b = append(b, s.Bytes()...)
	}
	return b
}

func zeroOneChallenge(ctx *Context, h []byte, c *elgamal.Ciphertext, p *ZeroOneProof) *elgamal.Scalar {
	return zeroOneChallengeEnc(ctx, h, c, p, nil)
}

// zeroOneChallengeEnc is zeroOneChallenge taking the elements' encodings
// from enc (C ‖ proof) when it is not nil, instead of encoding them again.
func zeroOneChallengeEnc(ctx *Context, h []byte, c *elgamal.Ciphertext, p *ZeroOneProof, enc []byte) *elgamal.Scalar {
	t := NewTranscript(LabelZeroOne, ctx)
	t.AppendElementBytes("H", h)
	if enc == nil {
		t.AppendCiphertext("C", c)
		orAppendCommitments(t, "", p)
	} else {
		t.AppendElementBytes("C.alpha", enc[0:32])
		t.AppendElementBytes("C.beta", enc[32:64])
		orAppendCommitmentBytes(t, "", enc[64:])
	}
	return t.Challenge("c")
}

// orAppendCommitmentBytes is orAppendCommitments from the proof's
// encoding (A0 ‖ B0 ‖ A1 ‖ B1 ‖ …).
func orAppendCommitmentBytes(t *Transcript, prefix string, enc []byte) {
	t.AppendElementBytes(prefix+"A0", enc[0:32])
	t.AppendElementBytes(prefix+"B0", enc[32:64])
	t.AppendElementBytes(prefix+"A1", enc[64:96])
	t.AppendElementBytes(prefix+"B1", enc[96:128])
}

// checkWitness reports whether c = (r·G, M + r·H), in constant time up to
// the final answer.
func checkWitness(pk *elgamal.PublicKey, c *elgamal.Ciphertext, M *elgamal.Element, r *elgamal.Scalar) error {
	if pk.EncryptWithNonce(M, r).Equal(c) != 1 {
		return ErrWitness
	}
	return nil
}

// ProveZeroOne proves that c = (r·G, m·G + r·H) under pk encrypts m ∈ {0, 1}.
// The prover runs in constant time with respect to m: see orProver. It
// returns an error wrapping ErrOutOfRange if m > 1 (this check branches on
// m, but a valid vote never fails it), ErrZeroScalar if r is zero, or
// ErrWitness if c is not that encryption, and never proves a false statement.
// Use EncryptZeroOne to encrypt and prove at once, which skips the witness
// check.
func ProveZeroOne(ctx *Context, pk *elgamal.PublicKey, c *elgamal.Ciphertext, m uint64, r *elgamal.Scalar, rand io.Reader) (*ZeroOneProof, error) {
	if pk == nil || c == nil || r == nil || rand == nil {
		return nil, errors.New("zkp: zero-one proof: missing key, ciphertext, randomness or random source")
	}
	if m > 1 {
		return nil, fmt.Errorf("zkp: zero-one proof: %w: plaintext is not 0 or 1", ErrOutOfRange)
	}
	if r.IsZero() == 1 {
		return nil, fmt.Errorf("zkp: zero-one proof: randomness: %w", elgamal.ErrZeroScalar)
	}
	if err := checkWitness(pk, c, encodeBit(m), r); err != nil {
		return nil, fmt.Errorf("zkp: zero-one proof: %w", err)
	}
	return proveZeroOne(ctx, pk, c, m, r, rand)
}

// proveZeroOne is ProveZeroOne without input checks.
func proveZeroOne(ctx *Context, pk *elgamal.PublicKey, c *elgamal.Ciphertext, m uint64, r *elgamal.Scalar, rand io.Reader) (*ZeroOneProof, error) {
	p := &ZeroOneProof{}
	var s orProver
	if err := s.commit(pk, m, r, rand, p); err != nil {
		return nil, err
	}
	s.respond(zeroOneChallenge(ctx, pk.Bytes(), c, p), p)
	return p, nil
}

// EncryptZeroOne encrypts the selection m ∈ {0, 1} under pk with fresh
// randomness and proves that the result encrypts 0 or 1. It returns the
// ciphertext, its randomness (for further proofs, such as a range proof on
// a contest's sum) and the proof. It is constant time with respect to m,
// except that m > 1 is rejected with ErrOutOfRange.
func EncryptZeroOne(ctx *Context, pk *elgamal.PublicKey, m uint64, rand io.Reader) (*elgamal.Ciphertext, *elgamal.Scalar, *ZeroOneProof, error) {
	if pk == nil || rand == nil {
		return nil, nil, nil, errors.New("zkp: zero-one proof: missing key or random source")
	}
	if m > 1 {
		return nil, nil, nil, fmt.Errorf("zkp: zero-one proof: %w: plaintext is not 0 or 1", ErrOutOfRange)
	}
	var r *elgamal.Scalar
	for r == nil || r.IsZero() == 1 {
		var err error
		if r, err = elgamal.RandomScalar(rand); err != nil {
			return nil, nil, nil, err
		}
	}
	c := &elgamal.Ciphertext{}
	c.Alpha.ScalarBaseMult(r)
	c.Beta.Add(encodeBit(m), pk.ScalarMult(r))
	p, err := proveZeroOne(ctx, pk, c, m, r, rand)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, r, p, nil
}

// encodeBit returns b·G for b ∈ {0, 1} by a constant-time selection, which
// is cheaper than a scalar multiplication.
func encodeBit(b uint64) *elgamal.Element {
	return new(elgamal.Element).Select(elgamal.NewGeneratorElement(), elgamal.NewElement(), int(b&1))
}

// ZeroOneStatement is one ciphertext and its proof, for BatchVerifyZeroOne.
// Ctx, if not nil, replaces the batch's Context for this item, so that one
// batch can hold ballots bound to different voter credentials.
//
// A statement made by DecodeZeroOneStatement also remembers the bytes C
// and Proof were decoded from, and its challenge hashes those bytes
// instead of encoding every element again. Only the decoder sets them, so
// they always match C and Proof: there is no way to verify one ciphertext
// while hashing another.
type ZeroOneStatement struct {
	Ctx   *Context
	C     *elgamal.Ciphertext
	Proof *ZeroOneProof

	// enc is C ‖ Proof as decoded into decC and decProof by
	// DecodeZeroOneStatement; it is used only while C and Proof still
	// point there.
	enc      []byte
	decC     *elgamal.Ciphertext
	decProof *ZeroOneProof
}

// DecodeZeroOneStatement decodes enc = C ‖ proof (CiphertextSize +
// ZeroOneProofSize bytes) strictly into c and p, and returns the statement
// of c and p under ctx, which remembers enc (see ZeroOneStatement).
// Decoding rejects what elgamal.Ciphertext.SetCanonicalBytes and
// ParseZeroOneProof reject. The statement refers to c, p and enc: change
// none of them before it is verified.
func DecodeZeroOneStatement(ctx *Context, enc []byte, c *elgamal.Ciphertext, p *ZeroOneProof) (ZeroOneStatement, error) {
	if c == nil || p == nil {
		return ZeroOneStatement{}, errors.New("zkp: zero-one proof: missing ciphertext or proof to decode into")
	}
	if len(enc) != elgamal.CiphertextSize+ZeroOneProofSize {
		return ZeroOneStatement{}, fmt.Errorf("zkp: zero-one proof: %w: statement of %d bytes, want %d", elgamal.ErrLength, len(enc), elgamal.CiphertextSize+ZeroOneProofSize)
	}
	if _, err := c.SetCanonicalBytes(enc[:elgamal.CiphertextSize]); err != nil {
		return ZeroOneStatement{}, fmt.Errorf("zkp: zero-one proof: ciphertext: %w", err)
	}
	r := newReader(enc[elgamal.CiphertextSize:])
	orRead(r, "", p)
	if err := r.done(); err != nil {
		return ZeroOneStatement{}, fmt.Errorf("zkp: zero-one proof: %w", err)
	}
	return ZeroOneStatement{Ctx: ctx, C: c, Proof: p, enc: enc, decC: c, decProof: p}, nil
}

func (s *ZeroOneStatement) prepare(ctx *Context, h []byte, q *equations) error {
	if s.C == nil || s.Proof == nil {
		return fmt.Errorf("zkp: zero-one proof: %w: missing statement or proof", ErrInvalidProof)
	}
	if s.Ctx != nil {
		ctx = s.Ctx
	}
	if s.C.Alpha.IsIdentity() == 1 {
		return fmt.Errorf("zkp: zero-one proof: statement alpha: %w", elgamal.ErrIdentity)
	}
	p := s.Proof
	if err := orCheckCommitments(p); err != nil {
		return fmt.Errorf("zkp: zero-one proof: %w", err)
	}
	var enc []byte
	if s.C == s.decC && s.Proof == s.decProof {
		enc = s.enc
	}
	c := zeroOneChallengeEnc(ctx, h, s.C, p, enc)
	ca, cb := orEquations(q, c, p)
	orTerm(q, &ca, &s.C.Alpha)
	orTerm(q, &cb, &s.C.Beta)
	return nil
}

// VerifyZeroOne checks that c encrypts 0 or 1 under pk. It returns nil, or
// an error wrapping ErrInvalidProof or a decoding error.
func VerifyZeroOne(ctx *Context, pk *elgamal.PublicKey, c *elgamal.Ciphertext, p *ZeroOneProof) error {
	if pk == nil {
		return fmt.Errorf("zkp: zero-one proof: %w: missing public key", ErrInvalidProof)
	}
	s := &ZeroOneStatement{C: c, Proof: p}
	h := pk.Bytes()
	return verifyOne("zero-one proof", baseGH(pk), func(q *equations) error {
		return s.prepare(ctx, h, q)
	})
}

// BatchVerifyZeroOne checks many proofs under one key with one multi-scalar
// multiplication, in which G and H cost one term for the whole batch. Each
// item is checked under its own Ctx if it has one and ctx otherwise. It
// accepts exactly when every proof would pass VerifyZeroOne; otherwise it
// returns a *BatchError naming each failing index.
func BatchVerifyZeroOne(ctx *Context, pk *elgamal.PublicKey, stmts []ZeroOneStatement) error {
	if pk == nil {
		return fmt.Errorf("zkp: zero-one proof: %w: missing public key", ErrInvalidProof)
	}
	h := pk.Bytes()
	return batchVerify(len(stmts), baseGH(pk), func(i int, q *equations) error {
		return stmts[i].prepare(ctx, h, q)
	})
}

// baseGH returns the shared bases G and H of ciphertext proofs.
func baseGH(pk *elgamal.PublicKey) []*elgamal.Element {
	return []*elgamal.Element{elgamal.NewGeneratorElement(), pk.Element()}
}

// Bytes returns the encoding A0 ‖ B0 ‖ A1 ‖ B1 ‖ c0 ‖ z0 ‖ z1.
func (p *ZeroOneProof) Bytes() []byte {
	return p.appendTo(make([]byte, 0, ZeroOneProofSize))
}

// ParseZeroOneProof decodes A0 ‖ B0 ‖ A1 ‖ B1 ‖ c0 ‖ z0 ‖ z1 strictly:
// canonical encodings, no commitment the identity.
func ParseZeroOneProof(b []byte) (*ZeroOneProof, error) {
	p := &ZeroOneProof{}
	r := newReader(b)
	orRead(r, "", p)
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("zkp: zero-one proof: %w", err)
	}
	return p, nil
}
