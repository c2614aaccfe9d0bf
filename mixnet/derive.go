package mixnet

import (
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"math/bits"

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
	tagPerm       = 'P' // the permutation's sort keys (shuffle seed)
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

// randomPermutation returns a uniformly random permutation p of [0, n)
// (spec/mixnet.md §3.1): item i gets the 128-bit key whose high and low
// 64-bit halves are the little-endian words at bytes 0 and 8 of
// prf(seed, tagPerm, i, 0), and p lists the items in ascending order of
// (key, i): an earlier item first on a tie of keys (probability below
// n²/2^129). The items
// are ordered with the oblivious sorting network, so that drawing π reads
// and writes memory in an order that depends on n alone.
func randomPermutation(n int, seed *[32]byte) []uint32 {
	hi, lo := make([]uint64, n), make([]uint64, n)
	for i := range hi {
		d := prf(seed, tagPerm, uint64(i), 0)
		hi[i], lo[i] = binary.LittleEndian.Uint64(d[0:]), binary.LittleEndian.Uint64(d[8:])
	}
	perm := orderByKeys(hi, lo)
	clear(hi)
	clear(lo)
	return perm
}

// orderByKeys returns the indices of the 128-bit keys (hi[i], lo[i]) in
// ascending order of (key, i), sorting them in place with the oblivious
// network.
func orderByKeys(hi, lo []uint64) []uint32 {
	perm := make([]uint32, len(hi))
	for i := range perm {
		perm[i] = uint32(i)
	}
	batcher(len(hi), func(a, b int) {
		// mask = all ones iff (key, index) of b < that of a, from the
		// borrows of b − a and the equality of the halves.
		_, ltHi := bits.Sub64(hi[b], hi[a], 0)
		_, ltLo := bits.Sub64(lo[b], lo[a], 0)
		_, ltIdx := bits.Sub64(uint64(perm[b]), uint64(perm[a]), 0)
		x, y := hi[a]^hi[b], lo[a]^lo[b]
		eqHi, eqLo := 1^((x|-x)>>63), 1^((y|-y)>>63)
		mask := -(ltHi | eqHi&(ltLo|eqLo&ltIdx))
		d := (hi[a] ^ hi[b]) & mask
		hi[a], hi[b] = hi[a]^d, hi[b]^d
		d = (lo[a] ^ lo[b]) & mask
		lo[a], lo[b] = lo[a]^d, lo[b]^d
		swapUint32(perm, a, b, mask)
	})
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
