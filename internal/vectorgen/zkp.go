package main

import (
	"encoding/hex"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/vectors"
)

// Kinds of fields, for systematic mutation.
type kind int

const (
	kCommit     kind = iota // element that must not be the identity
	kElement                // element, identity allowed
	kScalar                 // scalar
	kCiphertext             // α ‖ β
	kUint                   // decimal integer input
	kVector                 // ciphertext vector: components α ‖ β, concatenated
)

type field struct {
	name string
	kind kind
}

// proofCase is one valid proof with the layout of its statement and proof.
type proofCase struct {
	comment string
	ctx     *vectors.Context
	inputs  map[string]string // statement inputs and "proof"
	stmt    []field           // statement inputs to mutate
	proof   []field           // proof encoding, field by field
}

// proofFamily generates valid cases of one proof type.
type proofFamily struct {
	typ   string
	cases func(r *rng) []proofCase
}

func zkpVectors() *set {
	s := &set{}
	for _, f := range proofFamilies() {
		r := newRNG(f.typ)
		for _, pc := range f.cases(r) {
			base := &vectors.Case{Type: f.typ, Comment: pc.comment, Context: pc.ctx, Inputs: pc.inputs}
			s.valid(clone(base))
			mutateProof(s, base, pc)
		}
	}
	return s
}

func mustHexS(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// tamperElement adds G to a canonical element encoding.
func tamperElement(b []byte) []byte {
	e, err := new(elgamal.Element).SetCanonicalBytes(b)
	if err != nil {
		panic(err)
	}
	return e.Add(e, elgamal.NewGeneratorElement()).Bytes()
}

func tamperScalar(b []byte) []byte {
	x, err := new(elgamal.Scalar).SetCanonicalBytes(b)
	if err != nil {
		panic(err)
	}
	return x.Add(x, new(elgamal.Scalar).SetUint64(1)).Bytes()
}

func size(k kind) int {
	if k == kCiphertext {
		return 64
	}
	return 32
}

// mutateProof adds the negative cases of one valid proof case.
func mutateProof(s *set, base *vectors.Case, pc proofCase) {
	with := func(comment string, f func(c *vectors.Case)) {
		c := clone(base)
		c.Comment = pc.comment + "; " + comment
		f(c)
		s.invalid(c)
	}
	for _, st := range pc.stmt {
		st := st
		switch st.kind {
		case kCommit, kElement:
			with("statement "+st.name+" + G", func(c *vectors.Case) {
				c.Inputs[st.name] = hx(tamperElement(mustHexS(c.Inputs[st.name])))
			})
		case kCiphertext:
			for _, half := range []string{"alpha", "beta"} {
				half := half
				with("statement "+st.name+"."+half+" + G", func(c *vectors.Case) {
					b := mustHexS(c.Inputs[st.name])
					off := 0
					if half == "beta" {
						off = 32
					}
					copy(b[off:], tamperElement(b[off:off+32]))
					c.Inputs[st.name] = hx(b)
				})
			}
		case kVector:
			n := len(pc.inputs[st.name]) / 128
			for i := 0; i < n; i++ {
				i := i
				with(fmt.Sprintf("statement %s[%d].alpha + G", st.name, i), func(c *vectors.Case) {
					b := mustHexS(c.Inputs[st.name])
					copy(b[64*i:], tamperElement(b[64*i:64*i+32]))
					c.Inputs[st.name] = hx(b)
				})
			}
		case kUint:
			with("statement "+st.name+" + 1", func(c *vectors.Case) {
				var v uint64
				fmt.Sscan(c.Inputs[st.name], &v)
				c.Inputs[st.name] = u(v + 1)
			})
		}
	}

	off := 0
	for _, pf := range pc.proof {
		pf, at := pf, off
		off += size(pf.kind)
		edit := func(comment string, f func(b []byte) []byte) {
			with(comment, func(c *vectors.Case) {
				b := mustHexS(c.Inputs["proof"])
				c.Inputs["proof"] = hx(f(b))
			})
		}
		switch pf.kind {
		case kCommit, kElement:
			edit("proof "+pf.name+" + G", func(b []byte) []byte { copy(b[at:], tamperElement(b[at:at+32])); return b })
			edit("proof "+pf.name+" = p (non-canonical)", func(b []byte) []byte { copy(b[at:], fieldP()); return b })
			edit("proof "+pf.name+" negative (non-canonical)", func(b []byte) []byte { b[at] |= 1; return b })
			if pf.kind == kCommit {
				edit("proof "+pf.name+" = identity", func(b []byte) []byte { copy(b[at:], make([]byte, 32)); return b })
			}
		case kCiphertext:
			edit("proof "+pf.name+".alpha + G", func(b []byte) []byte { copy(b[at:], tamperElement(b[at:at+32])); return b })
			edit("proof "+pf.name+".beta + G", func(b []byte) []byte { copy(b[at+32:], tamperElement(b[at+32:at+64])); return b })
			edit("proof "+pf.name+".alpha = identity", func(b []byte) []byte { copy(b[at:], make([]byte, 32)); return b })
			edit("proof "+pf.name+".beta = p (non-canonical)", func(b []byte) []byte { copy(b[at+32:], fieldP()); return b })
		case kScalar:
			edit("proof "+pf.name+" + 1", func(b []byte) []byte { copy(b[at:], tamperScalar(b[at:at+32])); return b })
			edit("proof "+pf.name+" = ℓ (non-canonical)", func(b []byte) []byte { copy(b[at:], mustHexS(scalarL)); return b })
		}
	}
	with("proof truncated by one byte", func(c *vectors.Case) {
		p := c.Inputs["proof"]
		c.Inputs["proof"] = p[:len(p)-2]
	})
	with("proof with a trailing byte", func(c *vectors.Case) { c.Inputs["proof"] += "00" })

	with("wrong context: election hash", func(c *vectors.Case) {
		e := mustHexS(c.Context.Election)
		e[0] ^= 1
		c.Context.Election = hx(e)
	})
	with("wrong context: prover index", func(c *vectors.Case) { c.Context.Prover++ })
	with("wrong context: binding", func(c *vectors.Case) { c.Context.Binding += "00" })
}

func proofFamilies() []proofFamily {
	return []proofFamily{
		{"zkp/schnorr", schnorrCases},
		{"zkp/dleq", dleqCases},
		{"zkp/decryption-share", decryptionShareCases},
		{"zkp/reencryption", reEncryptionCases},
		{"zkp/zero-one", zeroOneCases},
		{"zkp/range", rangeCases},
		{"zkp/randomness", randomnessCases},
	}
}
