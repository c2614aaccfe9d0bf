package zkp

import (
	"errors"
	"fmt"
	"io"

	"github.com/urnavote/urna/elgamal"
)

// DLEQProofSize is the length of an encoded DLEQProof: A1 ‖ A2 ‖ z.
const DLEQProofSize = 2*elgamal.ElementSize + elgamal.ScalarSize

// DLEQProof proves that Y1 = x·G1 and Y2 = x·G2 for one secret x (Chaum and
// Pedersen, "Wallet databases with observers", CRYPTO 1992). Verification:
// z·G1 = A1 + c·Y1 and z·G2 = A2 + c·Y2, with
// c = H(label, ctx, G1, Y1, G2, Y2, A1, A2).
//
// Decryption shares and re-encryptions are proved with this same
// transcript over their bases (see ProveDecryptionShare and
// ProveReEncryption), so general verifiers can check them. They need no
// label of their own: every base is hashed, so a proof speaks only about
// the tuple (G1, Y1, G2, Y2) it was made for, and a proof of one use could
// pass for another only on the same tuple, where both claim the same.
type DLEQProof struct {
	A1 elgamal.Element // commitment k·G1
	A2 elgamal.Element // commitment k·G2
	Z  elgamal.Scalar  // response k + c·x
}

// The generator and its encoding, made once: encoding an element costs an
// inverse square root, a noticeable part of verifying a decryption share.
var (
	dleqGenerator      = elgamal.NewGeneratorElement()
	dleqGeneratorBytes = dleqGenerator.Bytes()
)

// dleqStatement is a statement in internal form, with hints that let
// batches skip work: whether G1 is the generator (then z·G1 joins shared
// base 0), the index of Y1 among the shared bases (-1 if none), and the
// encodings of G1 and Y1 when already known.
type dleqStatement struct {
	g1, y1, g2, y2 *elgamal.Element
	g1Gen          bool
	y1Shared       int
	g1Enc, y1Enc   []byte
	g2Enc          []byte
	// y2Enc, a1Enc and a2Enc are the encodings of Y2 and the proof's
	// commitments, when the verifier decoded them from exactly these bytes.
	y2Enc, a1Enc, a2Enc []byte
	// label and use are the transcript label and the records of the
	// specific use (decryption share, re-encryption) that precede the
	// general DLEQ records, so that a proof binds its whole statement and
	// verifies only for the use it was made for.
	label string
	use   func(t *Transcript)
}

func newDLEQStatement(g1, y1, g2, y2 *elgamal.Element) *dleqStatement {
	return &dleqStatement{g1: g1, y1: y1, g2: g2, y2: y2, y1Shared: -1, label: LabelDLEQ}
}

// check rejects missing and identity elements. An identity base makes the
// statement trivial, an identity Y1 means x = 0, and an identity Y2 with a
// non-identity G2 means x = 0 too: none can come from an honest prover.
func (s *dleqStatement) check() error {
	for _, e := range []struct {
		name string
		e    *elgamal.Element
	}{{"G1", s.g1}, {"Y1", s.y1}, {"G2", s.g2}, {"Y2", s.y2}} {
		if e.e == nil {
			return fmt.Errorf("%w: missing statement %s", ErrInvalidProof, e.name)
		}
		if e.e.IsIdentity() == 1 {
			return fmt.Errorf("statement %s: %w", e.name, elgamal.ErrIdentity)
		}
	}
	return nil
}

func (s *dleqStatement) challenge(ctx *Context, a1, a2 *elgamal.Element) *elgamal.Scalar {
	t := NewTranscript(s.label, ctx)
	if s.use != nil {
		s.use(t)
	}
	dleqAppend(t, "G1", s.g1, s.g1Enc)
	dleqAppend(t, "Y1", s.y1, s.y1Enc)
	dleqAppend(t, "G2", s.g2, s.g2Enc)
	dleqAppend(t, "Y2", s.y2, s.y2Enc)
	dleqAppend(t, "A1", a1, s.a1Enc)
	dleqAppend(t, "A2", a2, s.a2Enc)
	return t.Challenge("c")
}

// dleqAppend appends e, by enc when the caller already has its encoding.
func dleqAppend(t *Transcript, name string, e *elgamal.Element, enc []byte) {
	if enc != nil {
		t.AppendElementBytes(name, enc)
	} else {
		t.AppendElement(name, e)
	}
}

// prepare checks p against s and adds its two weighted equations to q,
// whose shared base 0 must be the generator.
func (s *dleqStatement) prepare(ctx *Context, p *DLEQProof, q *equations) error {
	if p == nil {
		return fmt.Errorf("%w: missing proof", ErrInvalidProof)
	}
	if err := s.check(); err != nil {
		return err
	}
	if p.A1.IsIdentity() == 1 {
		return fmt.Errorf("commitment A1: %w", elgamal.ErrIdentity)
	}
	if p.A2.IsIdentity() == 1 {
		return fmt.Errorf("commitment A2: %w", elgamal.ErrIdentity)
	}
	if s.g1Enc == nil && s.g1.Equal(dleqGenerator) == 1 {
		s.g1Gen, s.g1Enc = true, dleqGeneratorBytes
	}
	c := s.challenge(ctx, &p.A1, &p.A2)
	negC := new(elgamal.Scalar).Negate(c)

	// w1·(z·G1 − A1 − c·Y1) = 0
	w1 := q.weight()
	if s.g1Gen {
		q.addShared(0, w1, &p.Z)
	} else {
		q.add(w1, &p.Z, s.g1)
	}
	q.addNeg(w1, &p.A1)
	if s.y1Shared >= 0 {
		q.addShared(s.y1Shared, w1, negC)
	} else {
		q.add(w1, negC, s.y1)
	}
	// w2·(z·G2 − A2 − c·Y2) = 0
	w2 := q.weight()
	q.add(w2, &p.Z, s.g2)
	q.addNeg(w2, &p.A2)
	q.add(w2, negC, s.y2)
	return nil
}

// proveDLEQ proves s with witness x. mul1 and mul2 compute k·G1 and k·G2
// in constant time, so that callers can use fixed-base tables.
func proveDLEQ(ctx *Context, x *elgamal.Scalar, s *dleqStatement, mul1, mul2 func(*elgamal.Scalar) *elgamal.Element, rand io.Reader) (*DLEQProof, error) {
	k, err := elgamal.RandomScalar(rand)
	if err != nil {
		return nil, err
	}
	p := &DLEQProof{}
	p.A1.Set(mul1(k))
	p.A2.Set(mul2(k))
	c := s.challenge(ctx, &p.A1, &p.A2)
	p.Z.MultiplyAdd(c, x, k)
	return p, nil
}

// dleqMul returns a constant-time multiplication by the public base b,
// with the generator's precomputed table when b is the generator.
func dleqMul(b *elgamal.Element) func(*elgamal.Scalar) *elgamal.Element {
	if b.Equal(dleqGenerator) == 1 {
		return func(k *elgamal.Scalar) *elgamal.Element { return new(elgamal.Element).ScalarBaseMult(k) }
	}
	return func(k *elgamal.Scalar) *elgamal.Element { return new(elgamal.Element).ScalarMult(k, b) }
}

// ProveDLEQ proves that x·G1 and x·G2 have the same discrete logarithm x,
// which must not be zero, to non-identity bases G1 and G2. It runs in
// constant time in x and the nonce.
func ProveDLEQ(ctx *Context, x *elgamal.Scalar, g1, g2 *elgamal.Element, rand io.Reader) (*DLEQProof, error) {
	if x == nil || g1 == nil || g2 == nil || rand == nil {
		return nil, errors.New("zkp: dleq proof: missing secret, base or random source")
	}
	if x.IsZero() == 1 {
		return nil, fmt.Errorf("zkp: dleq proof: secret: %w", elgamal.ErrZeroScalar)
	}
	if g1.IsIdentity() == 1 || g2.IsIdentity() == 1 {
		return nil, fmt.Errorf("zkp: dleq proof: base: %w", elgamal.ErrIdentity)
	}
	mul1, mul2 := dleqMul(g1), dleqMul(g2)
	s := newDLEQStatement(g1, mul1(x), g2, mul2(x))
	return proveDLEQ(ctx, x, s, mul1, mul2, rand)
}

// VerifyDLEQ checks a proof that log_G1(Y1) = log_G2(Y2). It returns nil,
// or an error wrapping ErrInvalidProof or ErrIdentity.
func VerifyDLEQ(ctx *Context, g1, y1, g2, y2 *elgamal.Element, p *DLEQProof) error {
	s := newDLEQStatement(g1, y1, g2, y2)
	return verifyOne("dleq proof", []*elgamal.Element{dleqGenerator}, func(q *equations) error {
		if err := s.prepare(ctx, p, q); err != nil {
			return fmt.Errorf("zkp: dleq proof: %w", err)
		}
		return nil
	})
}

// DLEQStatement is one statement and its proof, for BatchVerifyDLEQ. Ctx,
// if not nil, replaces the batch's Context for this statement, so that one
// batch can hold proofs by different provers.
type DLEQStatement struct {
	Ctx            *Context
	G1, Y1, G2, Y2 *elgamal.Element
	Proof          *DLEQProof
}

// BatchVerifyDLEQ checks many proofs with one multi-scalar multiplication,
// each under its own Ctx if it has one and ctx otherwise. Statements whose
// G1 is the generator share its term. It accepts exactly when every proof
// would pass VerifyDLEQ; otherwise it returns a *BatchError naming each
// failing index.
func BatchVerifyDLEQ(ctx *Context, stmts []DLEQStatement) error {
	return batchVerify(len(stmts), []*elgamal.Element{dleqGenerator}, func(i int, q *equations) error {
		st := &stmts[i]
		c := st.Ctx
		if c == nil {
			c = ctx
		}
		if err := newDLEQStatement(st.G1, st.Y1, st.G2, st.Y2).prepare(c, st.Proof, q); err != nil {
			return fmt.Errorf("zkp: dleq proof: %w", err)
		}
		return nil
	})
}

// ProveDecryptionShare returns a trustee's decryption share x·α of c and a
// proof that it used the same x as its verification key x·G. The proof is
// a DLEQ proof over (G1, Y1, G2, Y2) = (G, x·G, α, x·α) under its own label
// LabelDecryptionShare, with the whole ciphertext c hashed as well.
func ProveDecryptionShare(ctx *Context, x *elgamal.Scalar, c *elgamal.Ciphertext, rand io.Reader) (share *elgamal.Element, p *DLEQProof, err error) {
	if x == nil || c == nil || rand == nil {
		return nil, nil, errors.New("zkp: decryption share: missing secret, ciphertext or random source")
	}
	if x.IsZero() == 1 {
		return nil, nil, fmt.Errorf("zkp: decryption share: secret: %w", elgamal.ErrZeroScalar)
	}
	if c.Alpha.IsIdentity() == 1 {
		return nil, nil, fmt.Errorf("zkp: decryption share: ciphertext alpha: %w", elgamal.ErrIdentity)
	}
	alpha := new(elgamal.Element).Set(&c.Alpha)
	mul2 := dleqMul(alpha)
	share = mul2(x)
	s := decryptionShareStatement(new(elgamal.Element).ScalarBaseMult(x), c, share)
	p, err = proveDLEQ(ctx, x, s, dleqMul(dleqGenerator), mul2, rand)
	if err != nil {
		return nil, nil, err
	}
	return share, p, nil
}

// decryptionShareStatement is the DLEQ statement (G, vk, α, share) of a
// decryption share of c, under its own label and with the whole ciphertext
// hashed first, so that the proof is bound to c and not only to α.
func decryptionShareStatement(vk *elgamal.Element, c *elgamal.Ciphertext, share *elgamal.Element) *dleqStatement {
	return decryptionShareStatementEnc(vk, c, c.Bytes(), share, nil)
}

// decryptionShareStatementEnc is decryptionShareStatement with the
// encodings of c (required) and of the share (optional) already known.
func decryptionShareStatementEnc(vk *elgamal.Element, c *elgamal.Ciphertext, cEnc []byte, share *elgamal.Element, shareEnc []byte) *dleqStatement {
	s := newDLEQStatement(dleqGenerator, vk, &c.Alpha, share)
	s.g1Gen, s.g1Enc = true, dleqGeneratorBytes
	s.label = LabelDecryptionShare
	s.g2Enc = cEnc[:elgamal.ElementSize]
	s.y2Enc = shareEnc
	s.use = func(t *Transcript) {
		t.AppendElementBytes("C.alpha", cEnc[:elgamal.ElementSize])
		t.AppendElementBytes("C.beta", cEnc[elgamal.ElementSize:])
	}
	return s
}

// VerifyDecryptionShare checks that share = x·α for the x behind the
// trustee's verification key vk = x·G. With a single key, β − share is
// then the plaintext; with a threshold key, the shares are combined first.
func VerifyDecryptionShare(ctx *Context, vk *elgamal.Element, c *elgamal.Ciphertext, share *elgamal.Element, p *DLEQProof) error {
	st := &DecryptionShareStatement{VK: vk, Ciphertext: c, Share: share, Proof: p}
	return verifyOne("decryption share", []*elgamal.Element{dleqGenerator}, func(q *equations) error {
		return st.prepare(ctx, nil, q)
	})
}

// DecryptionShareStatement is one decryption share and its proof, for
// BatchVerifyDecryptionShares. Ctx, if not nil, replaces the batch's
// Context for this share: a batch typically holds the shares of several
// trustees, whose Contexts differ in Prover.
//
// Give all shares of one trustee the same VK pointer: shares with the same
// pointer share one term in the multi-scalar multiplication.
type DecryptionShareStatement struct {
	Ctx        *Context
	VK         *elgamal.Element
	Ciphertext *elgamal.Ciphertext
	Share      *elgamal.Element
	Proof      *DLEQProof
}

// dleqSharedKey is a verification key used by several shares of a batch: its
// index among the shared bases and its encoding.
type dleqSharedKey struct {
	index int
	enc   []byte
}

func (st *DecryptionShareStatement) prepare(ctx *Context, keys map[*elgamal.Element]dleqSharedKey, q *equations) error {
	if st.Ctx != nil {
		ctx = st.Ctx
	}
	if st.Ciphertext == nil {
		return fmt.Errorf("zkp: decryption share: %w: missing ciphertext", ErrInvalidProof)
	}
	s := decryptionShareStatement(st.VK, st.Ciphertext, st.Share)
	if k, ok := keys[st.VK]; ok {
		s.y1Shared, s.y1Enc = k.index, k.enc
	}
	if err := s.prepare(ctx, st.Proof, q); err != nil {
		return fmt.Errorf("zkp: decryption share: %w", err)
	}
	return nil
}

// dleqMaxSharedKeys bounds the verification keys that get a shared term: each
// shared base adds a scalar addition per share when partial sums merge,
// which outweighs the saved term beyond a few dozen trustees.
const dleqMaxSharedKeys = 32

// BatchVerifyDecryptionShares checks many decryption shares, each under its
// own Ctx if it has one and ctx otherwise, with one multi-scalar
// multiplication in which the generator costs one term per batch and so
// does each verification key that several shares give as the same pointer
// (up to 32 keys). It accepts exactly when every share would pass
// VerifyDecryptionShare; otherwise it returns a *BatchError naming each
// failing index.
func BatchVerifyDecryptionShares(ctx *Context, stmts []DecryptionShareStatement) error {
	shared, keys := dleqSharedKeys(len(stmts), func(i int) *elgamal.Element { return stmts[i].VK })
	return batchVerify(len(stmts), shared, func(i int, q *equations) error {
		return stmts[i].prepare(ctx, keys, q)
	})
}

// dleqSharedKeys returns the shared bases of a batch of decryption shares,
// the generator and every verification key (by pointer) that two or more
// shares use, up to dleqMaxSharedKeys.
func dleqSharedKeys(n int, vk func(i int) *elgamal.Element) ([]*elgamal.Element, map[*elgamal.Element]dleqSharedKey) {
	count := map[*elgamal.Element]int{}
	for i := range n {
		if k := vk(i); k != nil {
			count[k]++
		}
	}
	shared := []*elgamal.Element{dleqGenerator}
	keys := map[*elgamal.Element]dleqSharedKey{}
	for i := range n {
		k := vk(i)
		if _, done := keys[k]; done || count[k] < 2 || len(keys) == dleqMaxSharedKeys {
			continue
		}
		// Identity keys are rejected per share in prepare, but must not
		// become a shared base whose coefficient nobody checks.
		if k.IsIdentity() == 1 {
			continue
		}
		keys[k] = dleqSharedKey{index: len(shared), enc: k.Bytes()}
		shared = append(shared, k)
	}
	return shared, keys
}

// EncodedDecryptionShare is a decryption share in wire form, for
// BatchVerifyEncodedDecryptionShares.
type EncodedDecryptionShare struct {
	// Ctx, if not nil, replaces the batch's Context for this share.
	Ctx *Context
	// VK is the trustee's verification key, recomputed by the verifier.
	// Give all shares of one trustee the same pointer.
	VK *elgamal.Element
	// Ciphertext is the encoding α ‖ β (64 bytes). Shares of one
	// ciphertext should use the same bytes, so it is decoded once.
	Ciphertext []byte
	// Share is the encoded share x·α (32 bytes); Proof the encoded
	// DLEQProof (96 bytes).
	Share, Proof []byte
}

// BatchVerifyEncodedDecryptionShares decodes and checks many decryption
// shares given as bytes, as a tally's shares arrive, and returns the
// decoded shares (nil where a share failed). It accepts exactly the shares
// that decoding followed by BatchVerifyDecryptionShares would, but hashes
// the given canonical encodings instead of encoding every element again,
// and decodes each distinct ciphertext once: the fast path for verifying
// decryption shares in bulk. Decoding errors are reported per share in the
// *BatchError, like failed proofs.
func BatchVerifyEncodedDecryptionShares(ctx *Context, items []EncodedDecryptionShare) ([]*elgamal.Element, error) {
	// Decode each distinct ciphertext once, on all cores.
	index := make(map[string]int, len(items))
	ctOf := make([]int, len(items))
	var unique [][]byte
	for i := range items {
		k, ok := index[string(items[i].Ciphertext)]
		if !ok {
			k = len(unique)
			index[string(items[i].Ciphertext)] = k
			unique = append(unique, items[i].Ciphertext)
		}
		ctOf[i] = k
	}
	cts := make([]elgamal.Ciphertext, len(unique))
	ctErrs := make([]error, len(unique))
	parallelFor(len(unique), func(k int) {
		if _, err := cts[k].SetCanonicalBytes(unique[k]); err != nil {
			ctErrs[k] = err
		}
	})

	shares := make([]*elgamal.Element, len(items))
	shared, keys := dleqSharedKeys(len(items), func(i int) *elgamal.Element { return items[i].VK })
	err := batchVerify(len(items), shared, func(i int, q *equations) error {
		it := &items[i]
		c := it.Ctx
		if c == nil {
			c = ctx
		}
		if err := ctErrs[ctOf[i]]; err != nil {
			return fmt.Errorf("zkp: decryption share: %w", err)
		}
		share, err := new(elgamal.Element).SetCanonicalBytesNonIdentity(it.Share)
		if err != nil {
			return fmt.Errorf("zkp: decryption share: share: %w", err)
		}
		p, err := ParseDLEQProof(it.Proof)
		if err != nil {
			return err
		}
		s := decryptionShareStatementEnc(it.VK, &cts[ctOf[i]], unique[ctOf[i]], share, it.Share)
		s.a1Enc, s.a2Enc = it.Proof[:elgamal.ElementSize], it.Proof[elgamal.ElementSize:2*elgamal.ElementSize]
		if k, ok := keys[it.VK]; ok {
			s.y1Shared, s.y1Enc = k.index, k.enc
		}
		if err := s.prepare(c, p, q); err != nil {
			return fmt.Errorf("zkp: decryption share: %w", err)
		}
		shares[i] = share
		return nil
	})
	var be *BatchError
	if errors.As(err, &be) {
		for _, i := range be.Failed {
			shares[i] = nil
		}
	}
	return shares, err
}

// ProveReEncryption proves that c2 is c re-encrypted under pk with the
// non-zero randomness r, that is c2 − c = (r·G, r·H), without revealing r.
// The proof is a DLEQ proof over (G, α'−α, H, β'−β) under its own label
// LabelReEncryption, with c and c2 themselves hashed as well, so that it
// is bound to that pair and not only to their difference. It fails if c2 is
// not c re-encrypted with r (ErrWitness), rather than return a proof that
// cannot verify.
func ProveReEncryption(ctx *Context, pk *elgamal.PublicKey, c, c2 *elgamal.Ciphertext, r *elgamal.Scalar, rand io.Reader) (*DLEQProof, error) {
	if pk == nil || c == nil || c2 == nil || r == nil || rand == nil {
		return nil, errors.New("zkp: re-encryption proof: missing key, ciphertext, randomness or random source")
	}
	if r.IsZero() == 1 {
		return nil, fmt.Errorf("zkp: re-encryption proof: randomness: %w", elgamal.ErrZeroScalar)
	}
	s := reEncryptionStatement(pk, c, c2)
	y1 := new(elgamal.Element).ScalarBaseMult(r)
	y2 := pk.ScalarMult(r)
	if y1.Equal(s.y1)&y2.Equal(s.y2) != 1 {
		return nil, fmt.Errorf("zkp: re-encryption proof: %w: c2 is not c re-encrypted with r", ErrWitness)
	}
	mul1 := dleqMul(dleqGenerator)
	return proveDLEQ(ctx, r, s, mul1, pk.ScalarMult, rand)
}

func reEncryptionStatement(pk *elgamal.PublicKey, c, c2 *elgamal.Ciphertext) *dleqStatement {
	y1 := new(elgamal.Element).Subtract(&c2.Alpha, &c.Alpha)
	y2 := new(elgamal.Element).Subtract(&c2.Beta, &c.Beta)
	s := newDLEQStatement(dleqGenerator, y1, pk.Element(), y2)
	s.g1Gen, s.g1Enc = true, dleqGeneratorBytes
	s.g2Enc = pk.Bytes()
	s.label = LabelReEncryption
	s.use = func(t *Transcript) {
		t.AppendCiphertext("C", c)
		t.AppendCiphertext("C2", c2)
	}
	return s
}

// VerifyReEncryption checks a proof that c2 is a re-encryption of c under
// pk. A c2 equal to c is rejected (ErrIdentity): it is a copy, and no
// proof with non-zero randomness exists for it.
func VerifyReEncryption(ctx *Context, pk *elgamal.PublicKey, c, c2 *elgamal.Ciphertext, p *DLEQProof) error {
	if pk == nil || c == nil || c2 == nil {
		return fmt.Errorf("zkp: re-encryption proof: %w: missing key or ciphertext", ErrInvalidProof)
	}
	s := reEncryptionStatement(pk, c, c2)
	return verifyOne("re-encryption proof", []*elgamal.Element{dleqGenerator}, func(q *equations) error {
		if err := s.prepare(ctx, p, q); err != nil {
			return fmt.Errorf("zkp: re-encryption proof: %w", err)
		}
		return nil
	})
}

// ReEncryptionStatement is one re-encryption and its proof, for
// BatchVerifyReEncryption. Ctx, if not nil, replaces the batch's Context.
type ReEncryptionStatement struct {
	Ctx   *Context
	C, C2 *elgamal.Ciphertext
	Proof *DLEQProof
}

// BatchVerifyReEncryption checks many re-encryption proofs under one key
// with one multi-scalar multiplication, in which G and H cost one term for
// the whole batch. It accepts exactly when every proof would pass
// VerifyReEncryption; otherwise it returns a *BatchError naming each
// failing index.
func BatchVerifyReEncryption(ctx *Context, pk *elgamal.PublicKey, stmts []ReEncryptionStatement) error {
	if pk == nil {
		return fmt.Errorf("zkp: re-encryption proof: %w: missing public key", ErrInvalidProof)
	}
	return batchVerify(len(stmts), []*elgamal.Element{dleqGenerator}, func(i int, q *equations) error {
		st := &stmts[i]
		c := st.Ctx
		if c == nil {
			c = ctx
		}
		if st.C == nil || st.C2 == nil {
			return fmt.Errorf("zkp: re-encryption proof: %w: missing ciphertext", ErrInvalidProof)
		}
		s := reEncryptionStatement(pk, st.C, st.C2)
		if err := s.prepare(c, st.Proof, q); err != nil {
			return fmt.Errorf("zkp: re-encryption proof: %w", err)
		}
		return nil
	})
}

// Bytes returns the encoding A1 ‖ A2 ‖ z.
func (p *DLEQProof) Bytes() []byte {
	out := make([]byte, 0, DLEQProofSize)
	out = append(out, p.A1.Bytes()...)
	out = append(out, p.A2.Bytes()...)
	return append(out, p.Z.Bytes()...)
}

// ParseDLEQProof decodes A1 ‖ A2 ‖ z strictly: canonical encodings, and
// neither commitment the identity.
func ParseDLEQProof(b []byte) (*DLEQProof, error) {
	p := &DLEQProof{}
	r := newReader(b)
	r.element("A1", &p.A1, true)
	r.element("A2", &p.A2, true)
	r.scalar("z", &p.Z)
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("zkp: dleq proof: %w", err)
	}
	return p, nil
}
