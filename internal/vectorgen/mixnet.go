package main

import (
	"crypto/ed25519"
	"fmt"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/mixnet"
	"github.com/urnavote/urna/vectors"
	"github.com/urnavote/urna/zkp"
)

// Mixnet vectors (spec/mixnet.md): proofs of shuffle of lists of
// ciphertext vectors. Everything random (the key, the ballots, the
// permutation, the re-encryption randomness and the proof's nonces) comes
// from the family's seeded stream, so an implementation that shuffles and
// proves with the same randomness in the same order reproduces the output
// list and the proof.

func mixnetVectors() *set {
	s := &set{}
	r := newRNG("mixnet/shuffle")
	for _, tc := range []struct {
		n, width int
		position uint32
		comment  string
	}{
		{8, 2, 2, "8 ballots of width 2 shuffled by the mixer at position 2"},
		{2, 1, 1, "2 ballots of width 1 shuffled by the first mixer"},
	} {
		pc, sc := shuffleCase(r, tc.n, tc.width, tc.position, tc.comment)
		base := &vectors.Case{Type: "mixnet/shuffle", Comment: pc.comment, Context: pc.ctx, Inputs: pc.inputs}
		s.valid(clone(base))
		mutateProof(s, base, pc)
		mutateShuffle(s, base, pc, sc)
	}
	return s
}

// shuffled is a valid shuffle, for mutations that need its parts.
type shuffled struct {
	pk            *elgamal.PublicKey
	input, output []elgamal.CiphertextVector
	witness       *mixnet.Witness
	r             *rng
}

func shuffleCase(r *rng, n, width int, position uint32, comment string) (proofCase, *shuffled) {
	pk := r.key().PublicKey()
	// The binding is the mixer's Ed25519 signing key, as in a mix chain.
	signer := ed25519.NewKeyFromSeed(r.bytes(32))
	ctx := &vectors.Context{Election: hx(r.bytes(32)), Prover: position, Binding: hx(signer.Public().(ed25519.PublicKey))}
	input := make([]elgamal.CiphertextVector, n)
	for i := range input {
		ms := make([]*elgamal.Element, width)
		for k := range ms {
			m, err := elgamal.EncodeData([]byte(fmt.Sprintf("ballot %d, field %d", i+1, k+1)))
			check(err)
			ms[k] = m
		}
		v, _, err := pk.EncryptVector(ms, r)
		check(err)
		input[i] = v
	}
	output, w, err := mixnet.Shuffle(pk, input, r, nil)
	check(err)
	st := &mixnet.Statement{Context: zctx(ctx), PublicKey: pk, Input: input, Output: output}
	p, err := mixnet.Prove(st, w, r, nil)
	check(err)
	return proofCase{
		comment: comment,
		ctx:     ctx,
		inputs: map[string]string{
			"public_key": hx(pk.Bytes()),
			"width":      u(uint64(width)),
			"input":      hx(mixnet.EncodeList(input)),
			"output":     hx(mixnet.EncodeList(output)),
			"proof":      hx(p.Bytes()),
		},
		stmt:  []field{{"public_key", kCommit}, {"width", kUint}},
		proof: shuffleProofLayout(n, width),
	}, &shuffled{pk: pk, input: input, output: output, witness: w, r: r}
}

// kSkip marks a proof field that mutateProof leaves alone (it handles no
// such kind) but counts as 32 bytes: the N-long sections are mutated at
// their first and last index only, which keeps the family small.
const kSkip kind = 100

// shuffleProofLayout is the encoding of a proof of shuffle of n vectors
// of the given width, field by field (spec/mixnet.md §5.3): c_1..c_N,
// ĉ_1..ĉ_N, t̂_1..t̂_N, t1, t2, t3, t4 (width ciphertexts), s1, s2, s3,
// s4 (width scalars), ŝ_1..ŝ_N, s′_1..s′_N. Of the N-long sections only
// the first and last fields are mutated.
func shuffleProofLayout(n, width int) []field {
	var out []field
	section := func(name string, k kind) {
		for i := 1; i <= n; i++ {
			if i == 1 || i == n {
				out = append(out, field{fmt.Sprintf("%s[%d]", name, i), k})
			} else {
				out = append(out, field{fmt.Sprintf("%s[%d]", name, i), kSkip})
			}
		}
	}
	section("c", kCommit)
	section("chat", kCommit)
	section("that", kCommit)
	out = append(out, field{"t1", kCommit}, field{"t2", kCommit}, field{"t3", kCommit})
	for k := range width {
		out = append(out, field{fmt.Sprintf("t4[%d]", k), kCiphertext})
	}
	out = append(out, field{"s1", kScalar}, field{"s2", kScalar}, field{"s3", kScalar})
	for k := range width {
		out = append(out, field{fmt.Sprintf("s4[%d]", k), kScalar})
	}
	section("shat", kScalar)
	section("sprime", kScalar)
	return out
}

// mutateShuffle adds the negative cases that change the lists as a
// whole: the output reordered, a ballot dropped, duplicated or replaced,
// and proofs made for another statement.
func mutateShuffle(s *set, base *vectors.Case, pc proofCase, sc *shuffled) {
	with := func(comment string, f func(c *vectors.Case)) {
		c := clone(base)
		c.Comment = pc.comment + "; " + comment
		f(c)
		s.invalid(c)
	}
	withOutput := func(comment string, f func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector) {
		with(comment, func(c *vectors.Case) {
			out := make([]elgamal.CiphertextVector, len(sc.output))
			for i := range out {
				out[i] = append(elgamal.CiphertextVector(nil), sc.output[i]...)
			}
			c.Inputs["output"] = hx(mixnet.EncodeList(f(out)))
		})
	}
	n, width := len(sc.output), len(sc.output[0])
	// One ciphertext of the first and of the last vector of each list:
	// the first component's α and the last component's β, plus G.
	for _, name := range []string{"input", "output"} {
		for _, at := range []struct {
			i, k int
			half string
		}{{0, 0, "alpha"}, {n - 1, width - 1, "beta"}} {
			with(fmt.Sprintf("%s[%d][%d].%s + G", name, at.i+1, at.k+1, at.half), func(c *vectors.Case) {
				b := mustHexS(c.Inputs[name])
				off := (at.i*width + at.k) * elgamal.CiphertextSize
				if at.half == "beta" {
					off += elgamal.ElementSize
				}
				copy(b[off:], tamperElement(b[off:off+elgamal.ElementSize]))
				c.Inputs[name] = hx(b)
			})
		}
	}
	withOutput("output vectors 1 and 2 swapped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
		out[0], out[1] = out[1], out[0]
		return out
	})
	if width > 1 {
		withOutput("the two first ciphertexts of output vector 1 swapped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
			out[0][0], out[0][1] = out[0][1], out[0][0]
			return out
		})
	}
	withOutput("the first ciphertexts of output vectors 1 and 2 swapped", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
		out[0][0], out[1][0] = out[1][0], out[0][0]
		return out
	})
	withOutput(fmt.Sprintf("output vector %d dropped (N − 1 output vectors)", n), func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
		return out[:n-1]
	})
	withOutput("output vector 1 duplicated at the end (N + 1 output vectors)", func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
		return append(out, out[0])
	})
	withOutput(fmt.Sprintf("output vector %d replaced by a copy of output vector 1", n), func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
		out[n-1] = out[0]
		return out
	})
	withOutput(fmt.Sprintf("output vector %d replaced by a re-encryption of output vector 1", n), func(out []elgamal.CiphertextVector) []elgamal.CiphertextVector {
		v, _, err := sc.pk.ReEncryptVector(out[0], sc.r)
		check(err)
		out[n-1] = v
		return out
	})
	with("input vectors 1 and 2 swapped", func(c *vectors.Case) {
		in := append([]elgamal.CiphertextVector(nil), sc.input...)
		in[0], in[1] = in[1], in[0]
		c.Inputs["input"] = hx(mixnet.EncodeList(in))
	})
	with("the output list given as the input and the input as the output", func(c *vectors.Case) {
		c.Inputs["input"], c.Inputs["output"] = c.Inputs["output"], c.Inputs["input"]
	})
	with("public key of another election", func(c *vectors.Case) {
		c.Inputs["public_key"] = hx(sc.r.key().PublicKey().Bytes())
	})

	// The same shuffle proved again under another context: each proof is
	// valid for its own context only.
	reprove := func(comment string, f func(ctx *zkp.Context)) {
		with(comment, func(c *vectors.Case) {
			ctx := zctx(c.Context)
			f(ctx)
			st := &mixnet.Statement{Context: ctx, PublicKey: sc.pk, Input: sc.input, Output: sc.output}
			p, err := mixnet.Prove(st, sc.witness, sc.r, nil)
			check(err)
			c.Inputs["proof"] = hx(p.Bytes())
		})
	}
	reprove("the proof was made under another ceremony hash", func(ctx *zkp.Context) { ctx.Election = sc.r.bytes(32) })
	reprove("the proof was made for the next position in the chain (prover index + 1)", func(ctx *zkp.Context) { ctx.Prover++ })
	reprove("the proof was made for another mixer (another binding key)", func(ctx *zkp.Context) {
		ctx.Binding = ed25519.NewKeyFromSeed(sc.r.bytes(32)).Public().(ed25519.PublicKey)
	})

	// Raw proof bytes, whatever field they fall in.
	proof := func(comment string, f func(b []byte)) {
		with(comment, func(c *vectors.Case) {
			b := mustHexS(c.Inputs["proof"])
			f(b)
			c.Inputs["proof"] = hx(b)
		})
	}
	proof("proof byte 0 flipped (lowest bit)", func(b []byte) { b[0] ^= 0x01 })
	proof("middle proof byte flipped (bit 4)", func(b []byte) { b[len(b)/2] ^= 0x10 })
	proof("last proof byte flipped (bit 2)", func(b []byte) { b[len(b)-1] ^= 0x04 })
	proof("first 32 proof bytes replaced by ff…ff7f, non-canonical as an element and as a scalar", func(b []byte) {
		copy(b, nonCanonical32())
	})
	proof("last 32 proof bytes replaced by ff…ff7f, non-canonical as an element and as a scalar", func(b []byte) {
		copy(b[len(b)-32:], nonCanonical32())
	})
	with("proof of a shuffle of N − 1 vectors (the proof of a shorter list)", func(c *vectors.Case) {
		c.Inputs["proof"] = c.Inputs["proof"][:2*mixnet.ProofSize(n-1, width)]
	})
}

// nonCanonical32 is 2^255 − 1: above p as a field element and above ℓ as
// a scalar.
func nonCanonical32() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = 0xff
	}
	b[31] = 0x7f
	return b
}
