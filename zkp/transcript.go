// Package zkp implements the non-interactive zero-knowledge proofs of urna:
// Schnorr proofs of knowledge of a discrete logarithm, Chaum–Pedersen proofs
// of equal discrete logarithms, disjunctive (Cramer–Damgård–Schoenmakers)
// proofs that a ciphertext encrypts 0 or 1, range proofs by bit
// decomposition, and proofs of knowledge of the randomness of a ciphertext
// vector, all over ristretto255 (RFC 9496).
//
// Every proof is a Σ-protocol made non-interactive with the strong
// Fiat–Shamir transform (Bernhard, Pereira, Warinschi, "How not to prove
// yourself", Asiacrypt 2012): the challenge hashes the protocol label and
// version, the group and generator, the caller's Context (manifest or ceremony hash,
// prover index, binding), every public input and every commitment. Proofs
// carry commitments rather than challenges, so verifiers always recompute
// the challenge and several proofs can be checked at once with a random
// linear combination evaluated as one multi-scalar multiplication.
//
// The wire formats and verification equations are specified in
// spec/zkp.md.
package zkp

import (
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"github.com/urnavote/urna/elgamal"
)

// Version is the protocol version hashed into every transcript.
const Version = "urna/v1"

// Domain-separation labels, one per proof type.
const (
	LabelSchnorr = "urna/v1/zkp/schnorr"
	LabelDLEQ    = "urna/v1/zkp/dleq"
	// Decryption shares and re-encryptions are DLEQ proofs with labels of
	// their own, so a proof verifies only for the use it was made for.
	LabelDecryptionShare = "urna/v1/zkp/decryption-share"
	LabelReEncryption    = "urna/v1/zkp/reencryption"
	LabelZeroOne         = "urna/v1/zkp/zero-one"
	LabelRange           = "urna/v1/zkp/range"
	LabelRandomness      = "urna/v1/zkp/randomness"
)

// challengeDST separates the challenge derivation from every other use of
// SHA-512 in urna.
const challengeDST = "urna/v1/zkp/challenge"

// generatorEncoding is computed once: encoding costs an inverse square
// root, and every transcript starts with it.
var generatorEncoding = elgamal.NewGeneratorElement().Bytes()

// Context binds a proof to the place it is used. Proofs made under one
// Context do not verify under any other.
type Context struct {
	// Election is the hash naming the election the proof belongs to
	// (spec/notation.md, "Named hashes"): the manifest hash for a voter's
	// proofs, the ceremony hash for a trustee's or a mixer's.
	Election []byte
	// Prover is the index of the prover, such as a trustee or mix server
	// number; 0 where the prover has no index (voters).
	Prover uint32
	// Binding is further caller data the proof is bound to, such as a voter
	// credential, which makes ballots non-malleable.
	Binding []byte
}

// Record types in the transcript encoding.
const (
	tagLabel     byte = 1
	tagBytes     byte = 2
	tagUint      byte = 3
	tagElement   byte = 4
	tagScalar    byte = 5
	tagChallenge byte = 6
)

// Transcript is a Fiat–Shamir transcript: a SHA-512 hash over typed,
// named, length-prefixed records, so that no two different sequences of
// inputs encode to the same bytes.
//
// Each record is tag (1 byte) ‖ len(name) (4 bytes, big endian) ‖ name ‖
// len(value) (8 bytes, big endian) ‖ value.
type Transcript struct {
	h hash.Hash
}

// NewTranscript starts a transcript for the protocol label, hashing the
// version, the group, its generator and ctx.
func NewTranscript(label string, ctx *Context) *Transcript {
	t := &Transcript{h: sha512.New()}
	t.record(tagLabel, "version", []byte(Version))
	t.record(tagLabel, "protocol", []byte(label))
	t.record(tagLabel, "group", []byte("ristretto255"))
	t.record(tagElement, "generator", generatorEncoding)
	if ctx == nil {
		ctx = &Context{}
	}
	t.AppendBytes("election", ctx.Election)
	t.AppendUint64("prover", uint64(ctx.Prover))
	t.AppendBytes("binding", ctx.Binding)
	return t
}

func (t *Transcript) record(tag byte, name string, value []byte) {
	var hdr [13]byte
	hdr[0] = tag
	binary.BigEndian.PutUint32(hdr[1:5], uint32(len(name)))
	t.h.Write(hdr[:5])
	t.h.Write([]byte(name))
	binary.BigEndian.PutUint64(hdr[5:13], uint64(len(value)))
	t.h.Write(hdr[5:13])
	t.h.Write(value)
}

// AppendBytes adds a named byte string.
func (t *Transcript) AppendBytes(name string, b []byte) { t.record(tagBytes, name, b) }

// AppendUint64 adds a named integer.
func (t *Transcript) AppendUint64(name string, v uint64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	t.record(tagUint, name, b[:])
}

// AppendElement adds a named group element by its canonical encoding.
func (t *Transcript) AppendElement(name string, e *elgamal.Element) {
	t.record(tagElement, name, e.Bytes())
}

// AppendElementBytes adds a named group element given as its canonical
// encoding, which verifiers already hold after decoding and so need not
// recompute.
func (t *Transcript) AppendElementBytes(name string, enc []byte) {
	t.record(tagElement, name, enc)
}

// AppendScalar adds a named scalar.
func (t *Transcript) AppendScalar(name string, s *elgamal.Scalar) {
	t.record(tagScalar, name, s.Bytes())
}

// AppendCiphertext adds a named ciphertext as α then β.
func (t *Transcript) AppendCiphertext(name string, c *elgamal.Ciphertext) {
	t.record(tagElement, name+".alpha", c.Alpha.Bytes())
	t.record(tagElement, name+".beta", c.Beta.Bytes())
}

// Challenge derives a named challenge scalar from everything appended so
// far: the SHA-512 state so far, expanded to 64 bytes with
// expand_message_xmd and reduced wide modulo ℓ. The challenge is then
// appended itself, so later challenges depend on it.
func (t *Transcript) Challenge(name string) *elgamal.Scalar {
	t.record(tagChallenge, name, nil)
	state := t.h.Sum(nil)
	c := elgamal.HashToScalar(challengeDST, state)
	t.AppendScalar(name, c)
	return c
}
