// Package mixnet implements a verifiable re-encryption mix over
// ristretto255: Shuffle re-encrypts and permutes a list of ElGamal
// ciphertext vectors, Prove makes a non-interactive zero-knowledge proof
// that the output is a re-encrypted permutation of the input, and Verify
// checks it.
//
// The proof of a shuffle is that of Terelius and Wikström ("Proofs of
// restricted shuffles", AFRICACRYPT 2010), in the form implemented by
// Verificatum (Wikström, "How to implement a stand-alone verifier for the
// Verificatum mix-net") and written out as pseudo-code for CHVote (Haenni,
// Locher, Koenig, Dubuis, "Pseudo-code algorithms for verifiable
// re-encryption mix-nets", FC 2017 workshops), in additive notation and
// for vectors of w ≤ 64 ciphertexts shuffled together. The prover commits
// to the permutation matrix with Pedersen commitments c_j = r_j·G + h_i
// under independent generators h_1..h_N, then proves for random
// challenges u_1..u_N that the committed matrix maps u to a vector u′
// with Π u′_i = Π u_j (a commitment chain ĉ_i) and that the output,
// weighted by u′, re-encrypts the input weighted by u. The Fiat–Shamir
// transcript hashes the context, the public key, both lists, and every
// commitment before the challenge that depends on it. spec/mixnet.md
// specifies every step, encoding and equation.
//
// # Performance
//
// Everything runs on all cores. The prover computes the commitment chain
// in closed form, ĉ_i = R_i·G + U_i·h, two constant-time fixed-base
// multiplications per element instead of a sequential variable-base
// chain. The proof carries its commitments (not the challenge), so the
// verifier checks all 2w + 3 + N equations at once with random 128-bit
// weights, as a few large multi-scalar multiplications of at most 2^18
// terms each, about 4 + 4w terms per vector. Neither side ever holds all
// N generators or decoded proof elements in memory: they are derived and
// decoded chunk by chunk, and the proof is kept as its wire encoding
// (5·32 bytes per vector). The secret values of the shuffle and of the
// proof are derived from 32-byte seeds read from rand (spec/mixnet.md
// §3.1), so they need no memory either and can be recomputed in parallel.
//
// # Side channels
//
// Every multiplication with a secret scalar is constant time: re-encryption
// and the commitments use ScalarBaseMult, fixed-base tables (for H and h)
// and the constant-time multi-scalar multiplication (for t3 = ω3·G +
// Σ ω′_i·h_i and t4 = Σ ω′_i·(α′_i, β′_i) − ω4·(G, H)). Only the verifier,
// which handles public data alone, uses variable-time arithmetic.
//
// The permutation is applied obliviously: instead of reading input π(i)
// for output i, writing commitment c_{π(i)} and reading u_{π(i)} by index,
// the shuffle and the prover move the items with Batcher's odd–even merge
// sort network, sorting (secret key, item) pairs by key with
// compare-exchanges that are fixed by N alone and that swap with masks,
// without branches (about N·log²N/4 of them per sort; at N = 10,000 they
// cost a few µs per ciphertext). The prover's spot check reads every input
// to select the three it needs. BenchmarkPermutationDudect is a
// dudect-style timing check of all this.
//
// The permutation itself is drawn the same way (spec/mixnet.md §3.1): the
// items get random 128-bit keys and the network sorts them, so no step
// of the mixer reads or writes memory at a position that depends on π.
package mixnet

import (
	"errors"
	"fmt"
	"io"

	"github.com/urnavote/urna/elgamal"
)

// LabelShuffle is the Fiat–Shamir protocol label of the proof of a
// shuffle.
const LabelShuffle = "urna/v1/mixnet/shuffle"

// Limits on the lists this package handles.
const (
	// MaxWidth is the largest number of ciphertexts in one vector.
	MaxWidth = 64
	// MaxVectors is the largest number of vectors in a list.
	MaxVectors = 1<<32 - 1
)

// Witness is what the mixer knows about a shuffle: the permutation and
// the seed of the re-encryption randomness. It is secret: whoever holds
// it can link every output to its input. Keep it only until the proof is
// made, then call Erase.
type Witness struct {
	n, width int
	// perm[i] is the input index of output i (0-based).
	perm []uint32
	// seed derives the permutation and ρ_{i,k} (spec/mixnet.md §3.1).
	seed [32]byte
	pk   *elgamal.PublicKey
}

// Erase overwrites the witness's secrets. The witness is unusable
// afterwards.
func (w *Witness) Erase() {
	clear(w.perm)
	clear(w.seed[:])
	w.perm, w.n = nil, 0
}

// checkVectors returns the common width of a list of 1..MaxVectors vectors of
// 1..MaxWidth ciphertexts each.
func checkVectors(list []elgamal.CiphertextVector) (int, error) {
	if len(list) == 0 {
		return 0, fmt.Errorf("%w: no vectors (N must be at least 1)", elgamal.ErrLength)
	}
	if uint64(len(list)) > MaxVectors {
		return 0, fmt.Errorf("%w: %d vectors, more than %d", elgamal.ErrLength, len(list), uint64(MaxVectors))
	}
	w := len(list[0])
	if w < 1 || w > MaxWidth {
		return 0, fmt.Errorf("%w: width %d is not in 1..%d", elgamal.ErrWidth, w, MaxWidth)
	}
	for i := range list {
		if len(list[i]) != w {
			return 0, fmt.Errorf("%w: vector %d has width %d, vector 0 has %d", elgamal.ErrWidth, i, len(list[i]), w)
		}
	}
	return w, nil
}

// Shuffle re-encrypts every component of every vector of in under pk with
// fresh randomness and permutes the list with a uniformly random
// permutation: output i is input π(i) with each ciphertext (α, β) replaced
// by (α + ρ_{i,k}·G, β + ρ_{i,k}·H). All vectors must have the same width,
// 1 to MaxWidth, and there must be at least one.
//
// Shuffle reads a 32-byte seed from rand (crypto/rand.Reader outside of
// tests) and derives the permutation (random keys, sorted obliviously)
// and the ρ_{i,k} from it
// (spec/mixnet.md §3.1). It runs on all cores and reports the phase
// "shuffle". The output vectors share one backing array.
func Shuffle(pk *elgamal.PublicKey, in []elgamal.CiphertextVector, rand io.Reader, progress Progress) ([]elgamal.CiphertextVector, *Witness, error) {
	if pk == nil || rand == nil {
		return nil, nil, errors.New("mixnet: shuffle: missing public key or random source")
	}
	width, err := checkVectors(in)
	if err != nil {
		return nil, nil, fmt.Errorf("mixnet: shuffle: input: %w", err)
	}
	n := len(in)
	w := &Witness{n: n, width: width, pk: pk}
	if _, err := io.ReadFull(rand, w.seed[:]); err != nil {
		return nil, nil, fmt.Errorf("mixnet: shuffle: reading randomness: %w", err)
	}
	w.perm = randomPermutation(n, &w.seed)

	// Copy the input, then move input π(i) to position i obliviously: sort
	// the vectors by the key π⁻¹(j) of input j.
	backing := make([]elgamal.Ciphertext, n*width)
	out := make([]elgamal.CiphertextVector, n)
	for i := range out {
		out[i] = backing[i*width : (i+1)*width : (i+1)*width]
		copy(out[i], in[i])
	}
	applyPermutation(out, w.perm)
	rep := newReporter(progress, "shuffle", n)
	forChunks(n, 256, rep, func(_, lo, hi int) error {
		var rho elgamal.Scalar
		for i := lo; i < hi; i++ {
			for k := range out[i] {
				w.reEncrypt(&out[i][k], &out[i][k], &rho, i, k)
			}
		}
		return nil
	})
	return out, w, nil
}

// applyPermutation sets list[i] to the old list[π(i)] for every i, without
// memory accesses that depend on π: it sorts the vectors by the key
// π⁻¹(j) of vector j with an oblivious sorting network.
func applyPermutation(list []elgamal.CiphertextVector, perm []uint32) {
	keys := obliviousInverse(perm)
	defer clear(keys)
	var t elgamal.Element
	obliviousSort(keys, func(a, b int, mask uint64) { swapCiphertexts(list[a], list[b], mask, &t) })
}

// reEncrypt sets dst to src re-encrypted with ρ_{i,k}, using rho as
// scratch. dst and src may be the same ciphertext.
func (w *Witness) reEncrypt(dst, src *elgamal.Ciphertext, rho *elgamal.Scalar, i, k int) {
	var a elgamal.Element
	w.rho(rho, i, k)
	a.ScalarBaseMult(rho)
	dst.Alpha.Add(&src.Alpha, &a)
	dst.Beta.Add(&src.Beta, w.pk.ScalarMult(rho))
}

// rho sets s to ρ_{i,k}, the randomness of component k of output i
// (0-based here; 1-based i+1 in the derivation).
func (w *Witness) rho(s *elgamal.Scalar, i, k int) *elgamal.Scalar {
	return deriveScalar(s, &w.seed, tagRho, uint64(i)+1, uint64(k))
}
