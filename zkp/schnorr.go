package zkp

import (
	"fmt"
	"io"

	"github.com/urnavote/urna/elgamal"
)

// SchnorrProofSize is the length of an encoded SchnorrProof: R ‖ z.
const SchnorrProofSize = elgamal.ElementSize + elgamal.ScalarSize

// SchnorrProof proves knowledge of x with Y = x·G (Schnorr 1991), such as
// a DKG dealer's constant term. Verification: z·G = R + c·Y, with
// c = H(label, ctx, Y, R).
type SchnorrProof struct {
	R elgamal.Element // commitment k·G
	Z elgamal.Scalar  // response k + c·x
}

func schnorrChallenge(ctx *Context, y, r *elgamal.Element) *elgamal.Scalar {
	t := NewTranscript(LabelSchnorr, ctx)
	t.AppendElement("Y", y)
	t.AppendElement("R", r)
	return t.Challenge("c")
}

// ProveSchnorr proves knowledge of the non-zero x behind Y = x·G.
func ProveSchnorr(ctx *Context, x *elgamal.Scalar, rand io.Reader) (*SchnorrProof, error) {
	if x.IsZero() == 1 {
		return nil, fmt.Errorf("zkp: schnorr proof: secret: %w", elgamal.ErrZeroScalar)
	}
	k, err := elgamal.RandomScalar(rand)
	if err != nil {
		return nil, err
	}
	y := new(elgamal.Element).ScalarBaseMult(x)
	p := &SchnorrProof{}
	p.R.ScalarBaseMult(k)
	c := schnorrChallenge(ctx, y, &p.R)
	p.Z.MultiplyAdd(c, x, k)
	return p, nil
}

// SchnorrStatement is one public key and its proof, for BatchVerifySchnorr.
// Ctx, if not nil, replaces the batch's Context for this item, so that one
// batch can hold the proofs of several DKG dealers (whose Prover differs).
type SchnorrStatement struct {
	Ctx   *Context
	Y     *elgamal.Element
	Proof *SchnorrProof
}

func (s *SchnorrStatement) prepare(ctx *Context, q *equations) error {
	if s.Ctx != nil {
		ctx = s.Ctx
	}
	if s.Y == nil || s.Proof == nil {
		return fmt.Errorf("zkp: schnorr proof: missing statement or proof")
	}
	if s.Y.IsIdentity() == 1 {
		return fmt.Errorf("zkp: schnorr proof: statement Y: %w", elgamal.ErrIdentity)
	}
	p := s.Proof
	if p.R.IsIdentity() == 1 {
		return fmt.Errorf("zkp: schnorr proof: commitment R: %w", elgamal.ErrIdentity)
	}
	c := schnorrChallenge(ctx, s.Y, &p.R)
	// w·(z·G − R − c·Y) = 0
	w := q.weight()
	q.addShared(0, w, &p.Z)
	q.addNeg(w, &p.R)
	q.add(w, new(elgamal.Scalar).Negate(c), s.Y)
	return nil
}

// VerifySchnorr checks a proof of knowledge of the discrete log of Y. It
// returns nil, or an error wrapping ErrInvalidProof or a decoding error.
func VerifySchnorr(ctx *Context, y *elgamal.Element, p *SchnorrProof) error {
	s := &SchnorrStatement{Y: y, Proof: p}
	return verifyOne("schnorr proof", []*elgamal.Element{elgamal.NewGeneratorElement()}, func(q *equations) error {
		return s.prepare(ctx, q)
	})
}

// BatchVerifySchnorr checks many proofs, each under its own Ctx if it has
// one and ctx otherwise, with one multi-scalar multiplication. It accepts exactly when every proof would
// pass VerifySchnorr; otherwise it returns a *BatchError naming each
// failing index.
func BatchVerifySchnorr(ctx *Context, stmts []SchnorrStatement) error {
	return batchVerify(len(stmts), []*elgamal.Element{elgamal.NewGeneratorElement()}, func(i int, q *equations) error {
		return stmts[i].prepare(ctx, q)
	})
}

// Bytes returns the encoding R ‖ z.
func (p *SchnorrProof) Bytes() []byte {
	return append(p.R.Bytes(), p.Z.Bytes()...)
}

// ParseSchnorrProof decodes R ‖ z strictly: canonical encodings, R not the
// identity.
func ParseSchnorrProof(b []byte) (*SchnorrProof, error) {
	p := &SchnorrProof{}
	r := newReader(b)
	r.element("R", &p.R, true)
	r.scalar("z", &p.Z)
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("zkp: schnorr proof: %w", err)
	}
	return p, nil
}
