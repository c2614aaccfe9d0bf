package mixnet

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// plaintexts decrypts every vector of list and returns one string per
// vector, sorted: the multiset of plaintext vectors.
func plaintexts(key *elgamal.PrivateKey, list []elgamal.CiphertextVector) []string {
	out := make([]string, len(list))
	for i, v := range list {
		var b strings.Builder
		for _, m := range key.DecryptVector(v) {
			b.WriteString(hex.EncodeToString(m.Bytes()))
		}
		out[i] = b.String()
	}
	slices.Sort(out)
	return out
}

// requireCheck asserts that err is a *VerifyError for check that wraps
// zkp.ErrInvalidProof.
func requireCheck(t *testing.T, err error, check string) {
	t.Helper()
	require.Error(t, err)
	var ve *VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, check, ve.Check, "%v", err)
	assert.ErrorIs(t, err, zkp.ErrInvalidProof)
}

func TestShuffleProperty(t *testing.T) {
	r := mxRand("property")
	key, err := elgamal.GenerateKey(r)
	require.NoError(t, err)
	pk := key.PublicKey()
	rounds := 25
	if testing.Short() {
		rounds = 8
	}
	for round := range rounds {
		n, w := 1+int(r.Uint64()%40), 1+int(r.Uint64()%4)
		in, _ := mxList(t, pk, r, n, w)
		out, wit, err := Shuffle(pk, in, r, nil)
		require.NoError(t, err)
		require.Len(t, out, n)
		st := &Statement{Context: mxContext(), PublicKey: pk, Input: in, Output: out}
		p, err := Prove(st, wit, r, nil)
		require.NoError(t, err)
		require.Len(t, p.Bytes(), ProofSize(n, w))
		require.NoError(t, Verify(st, p, nil), "round %d: N = %d, w = %d", round, n, w)

		// The same multiset of plaintexts, each output the re-encryption
		// of the input the witness says.
		require.Equal(t, plaintexts(key, in), plaintexts(key, out))
		for i := range out {
			require.Len(t, out[i], w)
			want := key.DecryptVector(in[wit.perm[i]])
			for k, m := range key.DecryptVector(out[i]) {
				require.Equal(t, 1, m.Equal(want[k]))
				require.Zero(t, out[i][k].Alpha.Equal(&in[wit.perm[i]][k].Alpha), "not re-encrypted")
			}
		}

		// The encoding round-trips and the parsed proof verifies.
		q, err := ParseProof(p.Bytes(), n, w)
		require.NoError(t, err)
		require.Equal(t, p.Bytes(), q.Bytes())
		ab, err := q.AppendBinary([]byte{7})
		require.NoError(t, err)
		require.Equal(t, append([]byte{7}, p.Bytes()...), ab)
		require.NoError(t, Verify(st, q, nil))
	}
}

func TestShuffleIsDeterministicInRand(t *testing.T) {
	a := mxShuffle(t, "determinism", 7, 2)
	b := mxShuffle(t, "determinism", 7, 2)
	require.Equal(t, a.wit.perm, b.wit.perm)
	require.Equal(t, a.proof.Bytes(), b.proof.Bytes())
	for i := range a.st.Output {
		require.Equal(t, a.st.Output[i].Bytes(), b.st.Output[i].Bytes())
	}
}

func TestRandomPermutationIsUniform(t *testing.T) {
	// All 24 permutations of 4 elements, 24,000 times: each about 1,000
	// times (σ ≈ 31); a biased shuffle would be far off.
	counts := map[string]int{}
	var seed [32]byte
	for s := range 24000 {
		seed[0], seed[1] = byte(s), byte(s>>8)
		p := randomPermutation(4, &seed)
		counts[string([]byte{byte(p[0]), byte(p[1]), byte(p[2]), byte(p[3])})]++
	}
	require.Len(t, counts, 24)
	for p, c := range counts {
		assert.InDelta(t, 1000, c, 160, "permutation %v", []byte(p))
	}
}

// TestRandomPermutationDefinition recomputes π as spec/mixnet.md §3.1
// defines it, with an ordinary sort, and checks ties of keys.
func TestRandomPermutationDefinition(t *testing.T) {
	var seed [32]byte
	for n := 1; n <= 70; n++ {
		seed[0] = byte(n)
		type item struct {
			hi, lo uint64
			i      uint32
		}
		items := make([]item, n)
		for i := range items {
			d := prf(&seed, tagPerm, uint64(i), 0)
			items[i] = item{binary.LittleEndian.Uint64(d[0:]), binary.LittleEndian.Uint64(d[8:]), uint32(i)}
		}
		sort.Slice(items, func(a, b int) bool {
			x, y := items[a], items[b]
			if x.hi != y.hi {
				return x.hi < y.hi
			}
			return x.lo < y.lo
		})
		want := make([]uint32, n)
		for k, it := range items {
			want[k] = it.i
		}
		require.Equal(t, want, randomPermutation(n, &seed), "n = %d", n)
	}
	// Equal keys, and keys equal in their high half: (key, index) order.
	hi := []uint64{5, 5, 5, 1, 5, 1 << 63, 5}
	lo := []uint64{2, 1, 2, 9, 1, 0, 2}
	require.Equal(t, []uint32{3, 1, 4, 0, 2, 6, 5}, orderByKeys(hi, lo))
}

func TestProgress(t *testing.T) {
	r := mxRand("progress")
	key, err := elgamal.GenerateKey(r)
	require.NoError(t, err)
	in, _ := mxList(t, key.PublicKey(), r, 300, 1)
	last := map[string][2]int{}
	var order []string
	progress := func(phase string, done, total int) {
		prev, ok := last[phase]
		if !ok {
			order = append(order, phase)
			assert.Equal(t, 0, done, phase)
		} else {
			assert.GreaterOrEqual(t, done, prev[0], phase)
			assert.Equal(t, prev[1], total, phase)
		}
		assert.LessOrEqual(t, done, total, phase)
		last[phase] = [2]int{done, total}
	}
	out, wit, err := Shuffle(key.PublicKey(), in, r, progress)
	require.NoError(t, err)
	st := &Statement{Context: mxContext(), PublicKey: key.PublicKey(), Input: in, Output: out}
	p, err := Prove(st, wit, r, progress)
	require.NoError(t, err)
	require.NoError(t, Verify(st, p, progress))
	require.Equal(t, []string{"shuffle", "prove: hash", "commit", "prove", "verify: hash", "verify: equations"}, order)
	for phase, dt := range last {
		assert.Equal(t, dt[1], dt[0], "phase %s ends with done == total", phase)
	}
}

func TestShuffleRejects(t *testing.T) {
	r := mxRand("shuffle-rejects")
	key, err := elgamal.GenerateKey(r)
	require.NoError(t, err)
	pk := key.PublicKey()
	in, _ := mxList(t, pk, r, 3, 2)

	_, _, err = Shuffle(pk, nil, r, nil)
	require.ErrorIs(t, err, elgamal.ErrLength, "N = 0")
	_, _, err = Shuffle(pk, []elgamal.CiphertextVector{{}}, r, nil)
	require.ErrorIs(t, err, elgamal.ErrWidth, "width 0")
	mixed := []elgamal.CiphertextVector{in[0], in[1][:1]}
	_, _, err = Shuffle(pk, mixed, r, nil)
	require.ErrorIs(t, err, elgamal.ErrWidth, "mixed widths")
	wide := []elgamal.CiphertextVector{make(elgamal.CiphertextVector, MaxWidth+1)}
	_, _, err = Shuffle(pk, wide, r, nil)
	require.ErrorIs(t, err, elgamal.ErrWidth, "too wide")
	_, _, err = Shuffle(nil, in, r, nil)
	require.Error(t, err)
	_, _, err = Shuffle(pk, in, bytes.NewReader(nil), nil)
	require.Error(t, err, "no randomness")
}

func TestProveRejectsWrongWitness(t *testing.T) {
	s := mxShuffle(t, "wrong-witness", 9, 2)
	r := mxRand("wrong-witness-2")

	// A witness of another shuffle of the same input.
	_, other, err := Shuffle(s.st.PublicKey, s.st.Input, r, nil)
	require.NoError(t, err)
	_, err = Prove(s.st, other, r, nil)
	require.ErrorIs(t, err, zkp.ErrWitness)

	// A witness for another shape.
	_, small, err := Shuffle(s.st.PublicKey, s.st.Input[:5], r, nil)
	require.NoError(t, err)
	_, err = Prove(s.st, small, r, nil)
	require.ErrorIs(t, err, zkp.ErrWitness)

	// A witness for another key.
	key2, err := elgamal.GenerateKey(r)
	require.NoError(t, err)
	_, wk, err := Shuffle(key2.PublicKey(), s.st.Input, r, nil)
	require.NoError(t, err)
	_, err = Prove(s.st, wk, r, nil)
	require.ErrorIs(t, err, zkp.ErrWitness)

	// An erased witness.
	s.wit.Erase()
	_, err = Prove(s.st, s.wit, r, nil)
	require.Error(t, err)
	_, err = Prove(s.st, nil, r, nil)
	require.Error(t, err)
}

func TestGenerators(t *testing.T) {
	election := mxContext().Election
	h, hs, err := Generators(election, 50)
	require.NoError(t, err)
	require.Len(t, hs, 50)
	seen := map[string]bool{string(h.Bytes()): true}
	g := newGenSource(election)
	for i, e := range hs {
		require.Zero(t, e.IsIdentity())
		require.False(t, seen[string(e.Bytes())], "h_%d repeats", i+1)
		seen[string(e.Bytes())] = true
		require.Equal(t, 1, e.Equal(g.at(uint64(i)+1)))
	}
	// The derivation of spec/mixnet.md §2.
	msg := append([]byte{0, 0, 0, 0, 0, 0, 0, 32}, election...)
	require.Equal(t, 1, hs[4].Equal(elgamal.HashToElement(LabelGenerators, append(msg, 0, 0, 0, 0, 0, 0, 0, 5))))
	require.Equal(t, 1, h.Equal(elgamal.HashToElement(LabelGenerators, append(msg, 0, 0, 0, 0, 0, 0, 0, 0))))

	// Other elections have other generators; a prefix of the list is the
	// same.
	h2, hs2, err := Generators([]byte("another election"), 3)
	require.NoError(t, err)
	require.Zero(t, h2.Equal(h))
	require.Zero(t, hs2[0].Equal(hs[0]))
	_, hs3, err := Generators(election, 3)
	require.NoError(t, err)
	require.Equal(t, 1, hs3[2].Equal(hs[2]))

	_, _, err = Generators(election, -1)
	require.Error(t, err)
}

func TestCheckDistinct(t *testing.T) {
	g := newGenSource([]byte("e"))
	// Colliding fingerprints of different generators pass; the same
	// generator twice does not.
	require.NoError(t, checkDistinct([]genKey{{7, 1}, {3, 2}, {7, 3}, {7, 4}}, g))
	err := checkDistinct([]genKey{{7, 1}, {3, 2}, {7, 1}}, g)
	require.ErrorIs(t, err, ErrGenerators)
	_, err = keyOf(elgamal.NewElement(), 3)
	require.ErrorIs(t, err, ErrGenerators)
}

func TestProofSize(t *testing.T) {
	assert.Equal(t, 32*(5+3+6), ProofSize(1, 1))
	assert.Equal(t, 32*(5*1000+3*4+6), ProofSize(1000, 4))
	for _, c := range [][2]int{{0, 1}, {1, 0}, {-1, 1}, {1, MaxWidth + 1}} {
		assert.Zero(t, ProofSize(c[0], c[1]), "%v", c)
	}
	if strconv.IntSize == 64 {
		maxN := uint64(MaxVectors)
		assert.Zero(t, ProofSize(int(maxN+1), 1))
		assert.Equal(t, 32*(5*int(maxN)+3*MaxWidth+6), ProofSize(int(maxN), MaxWidth))
	}
}

func TestVerifyErrorFormat(t *testing.T) {
	err := error(invalid("t3", errEquation))
	assert.Equal(t, "mixnet: shuffle proof: t3: proof does not verify: verification equation failed", err.Error())
	assert.True(t, errors.Is(err, zkp.ErrInvalidProof))
}

func TestShuffleManyChunks(t *testing.T) {
	// More vectors than one chunk of every parallel pass of the prover
	// (1024 and 2048), and, with maxTerms lowered, many chunks of the
	// verifier's multi-scalar multiplications (256 vectors each).
	defer func(m int) { maxTerms = m }(maxTerms)
	maxTerms = 2048
	const n = 2100
	s := mxShuffle(t, "chunks", n, 1)
	require.NoError(t, Verify(s.st, s.proof, nil))
	require.Equal(t, plaintexts(s.key, s.st.Input), plaintexts(s.key, s.st.Output))
	l := layout{n, 1}
	for _, i := range []int{255, 256, 1024, 2047, 2048, n - 1} {
		requireCheck(t, Verify(s.st, replaceField(t, s.proof, l.shat(i), true), nil), "commitment chain")
	}
	requireCheck(t, Verify(s.st, replaceField(t, s.proof, l.sprime(256), true), nil), "t3")
	requireCheck(t, Verify(s.st, replaceField(t, s.proof, l.s4(0), true), nil), "t4")

	// Errors in several chunks of the parser: the first in byte order
	// wins.
	b := s.proof.Bytes()
	clear(b[l.sprime(5) : l.sprime(5)+32])
	b[l.sprime(5)+31] = 0xff
	clear(b[l.chat(600) : l.chat(600)+32])
	b[l.c(1030)] |= 1
	_, err := ParseProof(b, n, 1)
	var fe *zkp.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "c[1031]", fe.Field)
	require.ErrorIs(t, err, elgamal.ErrNonCanonical)
}
