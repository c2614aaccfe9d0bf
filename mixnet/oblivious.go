package mixnet

import (
	"encoding/binary"

	"github.com/urnavote/urna/elgamal"
)

// Oblivious permutation (spec/mixnet.md §5.1). The mixer moves items
// between the input order and the output order with a sorting network:
// each item gets a key (its destination, a secret), and Batcher's
// odd–even merge sort orders the items by key. The network's sequence of
// compare-exchanges depends only on N, and each compare-exchange reads
// and writes both of its items whatever the keys, comparing them and
// swapping (or not) with masks instead of branches, so the memory
// accesses and the branches are the same for every permutation. It costs
// about N·log²N/4 compare-exchanges.

// batcher calls f(a, b) with a < b for each comparator of Batcher's
// odd–even merge sort of n items, in the order of the network. The
// sequence depends only on n. For n not a power of two it is the network
// for the next power of two without the comparators that touch an index
// ≥ n: those would compare with +∞ padding, which never moves.
func batcher(n int, f func(a, b int)) {
	for p := 1; p < n; p <<= 1 {
		for k := p; k >= 1; k >>= 1 {
			for j := k % p; j+k < n; j += 2 * k {
				for i := 0; i < k && i+j+k < n; i++ {
					if (i+j)/(2*p) == (i+j+k)/(2*p) {
						f(i+j, i+j+k)
					}
				}
			}
		}
	}
}

// obliviousSort sorts keys (distinct values) into ascending order with
// batcher's network, and calls swap(a, b, mask) at each comparator to
// move the payload along: mask is all ones if items a and b are to be
// exchanged and zero if not, and swap must exchange them in constant
// time, touching both either way.
func obliviousSort(keys []uint32, swap func(a, b int, mask uint64)) {
	batcher(len(keys), func(a, b int) {
		ka, kb := keys[a], keys[b]
		// mask = all ones iff kb < ka: the sign of kb − ka in 64 bits.
		mask := -((uint64(kb) - uint64(ka)) >> 63)
		x := (ka ^ kb) & uint32(mask)
		keys[a], keys[b] = ka^x, kb^x
		swap(a, b, mask)
	})
}

// swapUint32 exchanges s[a] and s[b] if mask is all ones.
func swapUint32(s []uint32, a, b int, mask uint64) {
	x := (s[a] ^ s[b]) & uint32(mask)
	s[a] ^= x
	s[b] ^= x
}

// swapBytes exchanges the size-byte items a and b of s (size a multiple
// of 8) if mask is all ones.
func swapBytes(s []byte, size, a, b int, mask uint64) {
	pa, pb := s[a*size:(a+1)*size], s[b*size:(b+1)*size]
	for o := 0; o < size; o += 8 {
		va, vb := binary.LittleEndian.Uint64(pa[o:]), binary.LittleEndian.Uint64(pb[o:])
		x := (va ^ vb) & mask
		binary.LittleEndian.PutUint64(pa[o:], va^x)
		binary.LittleEndian.PutUint64(pb[o:], vb^x)
	}
}

// swapCiphertexts exchanges x and y (of the same length) if mask is all
// ones, with the constant-time Select of the group, using t as scratch.
func swapCiphertexts(x, y []elgamal.Ciphertext, mask uint64, t *elgamal.Element) {
	cond := int(mask & 1)
	for k := range x {
		t.Select(&y[k].Alpha, &x[k].Alpha, cond)
		y[k].Alpha.Select(&x[k].Alpha, &y[k].Alpha, cond)
		x[k].Alpha.Set(t)
		t.Select(&y[k].Beta, &x[k].Beta, cond)
		y[k].Beta.Select(&x[k].Beta, &y[k].Beta, cond)
		x[k].Beta.Set(t)
	}
}

// obliviousInverse returns π⁻¹ for a permutation π of [0, n), without
// memory accesses that depend on π: it sorts the pairs (π(i), i) by
// π(i), which leaves π⁻¹(j) = i at position j.
func obliviousInverse(perm []uint32) []uint32 {
	keys := append([]uint32(nil), perm...)
	inv := make([]uint32, len(perm))
	for i := range inv {
		inv[i] = uint32(i)
	}
	obliviousSort(keys, func(a, b int, mask uint64) { swapUint32(inv, a, b, mask) })
	clear(keys)
	return inv
}

// permuteCommitments moves the 32-byte encoding at position i of sec to
// position π(i), obliviously: it sorts them by the key π(i).
func permuteCommitments(sec []byte, perm []uint32) {
	keys := append([]uint32(nil), perm...)
	obliviousSort(keys, func(a, b int, mask uint64) { swapBytes(sec, 32, a, b, mask) })
	clear(keys)
}

// permuteChallenges moves the 32-byte encoding at position π(i) of sec to
// position i (u′_i = u_{π(i)}), obliviously: it sorts them by the key
// π⁻¹(j).
func permuteChallenges(sec []byte, perm []uint32) {
	keys := obliviousInverse(perm)
	obliviousSort(keys, func(a, b int, mask uint64) { swapBytes(sec, 32, a, b, mask) })
	clear(keys)
}

// obliviousFetch sets dst to list[idx] by reading every vector of list
// and selecting in constant time, so that its memory accesses do not
// depend on idx.
func obliviousFetch(dst []elgamal.Ciphertext, list []elgamal.CiphertextVector, idx uint32) {
	for k := range dst {
		dst[k].Set(elgamal.NewCiphertext())
	}
	for j := range list {
		cond := ctEqual(uint32(j), idx)
		for k := range dst {
			dst[k].Alpha.Select(&list[j][k].Alpha, &dst[k].Alpha, cond)
			dst[k].Beta.Select(&list[j][k].Beta, &dst[k].Beta, cond)
		}
	}
}

// ctEqual returns 1 if a == b and 0 otherwise, without branches.
func ctEqual(a, b uint32) int {
	x := uint64(a ^ b)
	return int(1 ^ ((x | -x) >> 63))
}
