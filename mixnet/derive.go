package mixnet

import (
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"github.com/urnavote/urna/elgamal"
)

// Domain-separation strings of the derivations in this file
// (spec/mixnet.md §3).
const (
	// nonceDST derives the mixer's secret values from a 32-byte seed.
	nonceDST = "urna/v1/mixnet/nonce"
	// challengeDST expands the challenge u into u_1..u_N.
	challengeDST = "urna/v1/mixnet/u"
	// digestDST separates list digests from every other SHA-512 use.
	digestDST = "urna/v1/mixnet/shuffle/list"
	// digestLeaf is the number of items per leaf of a list digest.
	digestLeaf = 1024
)

// Tags of the values derived from the shuffle's and the prover's seeds.
const (
	tagPerm       = 'P' // Fisher–Yates words (shuffle seed)
	tagRho        = 'E' // re-encryption randomness ρ_{i,k} (shuffle seed)
	tagR          = 'r' // permutation commitment randomness r_j
	tagChainR     = 'R' // commitment chain randomness R_i
	tagOmegaPrime = 'w' // ω'_i
	tagOmegaHat   = 'W' // ω̂_i
	tagOmega1     = '1' // ω1
	tagOmega2     = '2' // ω2
	tagOmega3     = '3' // ω3
	tagOmega4     = '4' // ω4_k
)

// prf returns SHA-512(nonceDST ‖ seed ‖ tag ‖ u64be(i) ‖ u64be(k)): 69
// bytes of input, one compression, no allocation.
func prf(seed *[32]byte, tag byte, i, k uint64) [64]byte {
	var buf [len(nonceDST) + 32 + 1 + 16]byte
	n := copy(buf[:], nonceDST)
	n += copy(buf[n:], seed[:])
	buf[n] = tag
	binary.BigEndian.PutUint64(buf[n+1:], i)
	binary.BigEndian.PutUint64(buf[n+9:], k)
	return sha512.Sum512(buf[:])
}

// deriveScalar sets s to prf(seed, tag, i, k) read little-endian and
// reduced modulo ℓ (a wide reduction: bias about 2^-259).
func deriveScalar(s *elgamal.Scalar, seed *[32]byte, tag byte, i, k uint64) *elgamal.Scalar {
	d := prf(seed, tag, i, k)
	s.SetUniformBytes(d[:])
	return s
}

// challengeU sets s to u_j = SHA-512(challengeDST ‖ enc(u) ‖ u64be(j))
// read little-endian and reduced modulo ℓ, where enc(u) is the encoding
// of the transcript challenge u.
func challengeU(s *elgamal.Scalar, seed *[32]byte, j uint64) *elgamal.Scalar {
	var buf [len(challengeDST) + 32 + 8]byte
	n := copy(buf[:], challengeDST)
	n += copy(buf[n:], seed[:])
	binary.BigEndian.PutUint64(buf[n:], j)
	d := sha512.Sum512(buf[:])
	s.SetUniformBytes(d[:])
	return s
}

// permStream yields the Fisher–Yates words: the little-endian 64-bit words
// of prf(seed, tagPerm, b, 0) for b = 0, 1, 2, …, eight per block.
type permStream struct {
	seed  *[32]byte
	block uint64
	buf   [64]byte
	pos   int
}

func (s *permStream) uint64() uint64 {
	if s.pos == 0 {
		s.buf = prf(s.seed, tagPerm, s.block, 0)
		s.block++
	}
	x := binary.LittleEndian.Uint64(s.buf[s.pos:])
	s.pos = (s.pos + 8) % 64
	return x
}

// below returns a uniform integer in [0, m) for m ≥ 1, by rejection: a
// word x is used only if x < 2^64 − (2^64 mod m), so x mod m has no bias.
func (s *permStream) below(m uint64) uint64 {
	rem := -m % m // 2^64 mod m
	for {
		x := s.uint64()
		if rem == 0 || x < -rem {
			return x % m
		}
	}
}

// randomPermutation returns a uniformly random permutation of [0, n) by
// Fisher–Yates: for i = n−1 down to 1, swap π[i] with π[j] for a uniform
// j in [0, i].
func randomPermutation(n int, seed *[32]byte) []uint32 {
	perm := make([]uint32, n)
	for i := range perm {
		perm[i] = uint32(i)
	}
	s := &permStream{seed: seed}
	for i := n - 1; i >= 1; i-- {
		j := s.below(uint64(i) + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm
}

// listDigest returns the digest of a list of n items of itemSize bytes
// (spec/mixnet.md §3.2): leaves of digestLeaf items, each hashed with
// SHA-512 in parallel, then
//
//	SHA-512(digestDST ‖ u64be(n) ‖ u64be(itemSize) ‖ leaf_0 ‖ … ‖ leaf_{L−1}).
//
// write(h, lo, hi) must write the encodings of items [lo, hi) to h.
func listDigest(n, itemSize int, rep *reporter, write func(h hash.Hash, lo, hi int)) []byte {
	leaves := make([][sha512.Size]byte, (n+digestLeaf-1)/digestLeaf)
	hs := make([]hash.Hash, workers(len(leaves)))
	forChunks(n, digestLeaf, rep, func(w, lo, hi int) error {
		if hs[w] == nil {
			hs[w] = sha512.New()
		}
		h := hs[w]
		h.Reset()
		write(h, lo, hi)
		h.Sum(leaves[lo/digestLeaf][:0])
		return nil
	})
	h := sha512.New()
	h.Write([]byte(digestDST))
	var hdr [16]byte
	binary.BigEndian.PutUint64(hdr[:8], uint64(n))
	binary.BigEndian.PutUint64(hdr[8:], uint64(itemSize))
	h.Write(hdr[:])
	for i := range leaves {
		h.Write(leaves[i][:])
	}
	return h.Sum(nil)
}

// vectorListDigest is the listDigest of a ciphertext list, each item the
// encoding of one vector (α_0 ‖ β_0 ‖ … ‖ α_{w−1} ‖ β_{w−1}); the
// encodings are computed on all cores.
func vectorListDigest(list []elgamal.CiphertextVector, width int, rep *reporter) []byte {
	return listDigest(len(list), width*elgamal.CiphertextSize, rep, func(h hash.Hash, lo, hi int) {
		for i := lo; i < hi; i++ {
			for k := range list[i] {
				h.Write(list[i][k].Alpha.Bytes())
				h.Write(list[i][k].Beta.Bytes())
			}
		}
	})
}

// sectionDigest is the listDigest of n consecutive 32-byte encodings
// starting at b[off].
func sectionDigest(b []byte, off, n int) []byte {
	return listDigest(n, 32, nil, func(h hash.Hash, lo, hi int) {
		h.Write(b[off+32*lo : off+32*hi])
	})
}
