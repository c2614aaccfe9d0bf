package mixnet

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/urnavote/urna/elgamal"
)

// LabelGenerators is the hash-to-group domain separation tag of the
// generators h, h_1, …, h_N (spec/mixnet.md §2).
const LabelGenerators = "urna/v1/mixnet/generators"

// ErrGenerators means that derived generators were not independent: one
// was the identity or two were equal. For hashed generators this happens
// with negligible probability; it is checked all the same.
var ErrGenerators = errors.New("mixnet: degenerate generators")

// genSource derives the generators of one election:
//
//	h_i = HashToElement(LabelGenerators, u64be(len(election)) ‖ election ‖ u64be(i))
//
// with h = h_0. Only the ceremony hash goes in: every stage of a
// chain uses the same generators.
type genSource struct {
	prefix []byte
}

func newGenSource(election []byte) *genSource {
	prefix := binary.BigEndian.AppendUint64(nil, uint64(len(election)))
	return &genSource{prefix: append(prefix, election...)}
}

// at returns h_i (h for i = 0).
func (g *genSource) at(i uint64) *elgamal.Element {
	var idx [8]byte
	binary.BigEndian.PutUint64(idx[:], i)
	return elgamal.HashToElement(LabelGenerators, g.prefix, idx[:])
}

// genKey is a short fingerprint of a generator's encoding, for the
// distinctness check, and the generator's index.
type genKey struct {
	key   uint64
	index uint32
}

// keyOf returns the fingerprint of h_i and checks that it is not the
// identity.
func keyOf(e *elgamal.Element, i uint64) (genKey, error) {
	if e.IsIdentity() == 1 {
		return genKey{}, fmt.Errorf("%w: h_%d is the identity", ErrGenerators, i)
	}
	return genKey{key: binary.LittleEndian.Uint64(e.Bytes()[:8]), index: uint32(i)}, nil
}

// checkDistinct sorts the fingerprints and compares in full, by
// re-deriving them, the generators whose fingerprints collide.
func checkDistinct(keys []genKey, g *genSource) error {
	slices.SortFunc(keys, func(a, b genKey) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.index, b.index))
	})
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && keys[hi].key == keys[lo].key {
			hi++
		}
		for a := lo; a < hi; a++ {
			for b := a + 1; b < hi; b++ {
				ea, eb := g.at(uint64(keys[a].index)), g.at(uint64(keys[b].index))
				if ea.Equal(eb) == 1 {
					return fmt.Errorf("%w: h_%d = h_%d", ErrGenerators, keys[a].index, keys[b].index)
				}
			}
		}
		lo = hi
	}
	return nil
}

// Generators returns the independent generators h and h_1..h_n of an
// election: h_i = HashToElement(LabelGenerators, u64be(len(election)) ‖
// election ‖ u64be(i)), with h = h_0 (RFC 9380 hash-to-group, so nobody
// knows a discrete-log relation between them). It returns an error
// wrapping ErrGenerators if any is the identity or two are equal. The
// derivation runs on all cores.
//
// Prove and Verify derive the generators themselves, chunk by chunk,
// rather than hold all n of them in memory; this function is for tests,
// test vectors and independent verifiers.
func Generators(election []byte, n int) (h *elgamal.Element, hs []*elgamal.Element, err error) {
	if n < 0 || uint64(n) > MaxVectors {
		return nil, nil, fmt.Errorf("mixnet: generators: n = %d is out of range", n)
	}
	g := newGenSource(election)
	h = g.at(0)
	keys := make([]genKey, n+1)
	if keys[0], err = keyOf(h, 0); err != nil {
		return nil, nil, err
	}
	all := make([]elgamal.Element, n)
	err = forChunks(n, 256, nil, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			all[i].Set(g.at(uint64(i) + 1))
			k, err := keyOf(&all[i], uint64(i)+1)
			if err != nil {
				return err
			}
			keys[i+1] = k
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := checkDistinct(keys, g); err != nil {
		return nil, nil, err
	}
	hs = make([]*elgamal.Element, n)
	for i := range hs {
		hs[i] = &all[i]
	}
	return h, hs, nil
}
