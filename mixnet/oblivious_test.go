package mixnet

import (
	"crypto/rand"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/internal/dudect"
)

// TestBatcherSorts checks the network on random permutations (and the
// reversal) of every n up to 130 and a few larger ones, and that its
// comparator sequence depends only on n.
func TestBatcherSorts(t *testing.T) {
	rnd := mrand.New(mrand.NewPCG(1, 2))
	sizes := []int{1000, 1024, 1025, 4097}
	for n := 1; n <= 130; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		for trial := range 4 {
			perm := make([]uint32, n)
			for i := range perm {
				perm[i] = uint32(n - 1 - i)
			}
			if trial > 0 {
				rnd.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			}
			keys := slices.Clone(perm)
			payload := slices.Clone(perm)
			obliviousSort(keys, func(a, b int, mask uint64) { swapUint32(payload, a, b, mask) })
			for i := range keys {
				require.Equal(t, uint32(i), keys[i], "n = %d", n)
				require.Equal(t, uint32(i), payload[i], "n = %d", n)
			}
			inv := obliviousInverse(perm)
			for i := range perm {
				require.Equal(t, uint32(i), inv[perm[i]], "n = %d", n)
			}
		}
	}
	var a, b []int
	batcher(100, func(x, y int) { a = append(a, x, y) })
	batcher(100, func(x, y int) { b = append(b, x, y) })
	require.Equal(t, a, b)
}

func TestCtEqual(t *testing.T) {
	for _, c := range [][2]uint32{{0, 0}, {1, 1}, {0, 1}, {1, 0}, {math.MaxUint32, math.MaxUint32}, {math.MaxUint32, 0}, {0, 1 << 31}} {
		want := 0
		if c[0] == c[1] {
			want = 1
		}
		require.Equal(t, want, ctEqual(c[0], c[1]), "%v", c)
	}
}

// TestApplyPermutation checks that the oblivious application gives what
// indexing gives.
func TestApplyPermutation(t *testing.T) {
	key, err := elgamal.GenerateKey(rand.Reader)
	require.NoError(t, err)
	in := benchList(t, key.PublicKey(), 77, rand.Reader)
	var seed [32]byte
	perm := randomPermutation(len(in), &seed)
	out := make([]elgamal.CiphertextVector, len(in))
	for i := range out {
		out[i] = slices.Clone(in[i])
	}
	applyPermutation(out, perm)
	for i := range out {
		require.Equal(t, 1, out[i][0].Equal(&in[perm[i]][0]), "output %d", i)
	}
	enc := make([]byte, 32*len(in))
	for i := range in {
		copy(enc[32*i:], in[i][0].Alpha.Bytes())
	}
	c, u := slices.Clone(enc), slices.Clone(enc)
	permuteCommitments(c, perm)
	permuteChallenges(u, perm)
	for i := range in {
		require.Equal(t, enc[32*i:32*i+32], c[32*perm[i]:32*perm[i]+32])
		require.Equal(t, enc[32*perm[i]:32*perm[i]+32], u[32*i:32*i+32])
	}
}

// welch returns Welch's t statistic of two samples.
func welch(a, b []float64) float64 {
	ns := append(slices.Clone(a), b...)
	class := make([]bool, len(ns))
	for i := len(a); i < len(ns); i++ {
		class[i] = true
	}
	return dudect.WelchT(ns, class, math.Inf(1))
}

// crop keeps the samples of both classes below the p-quantile of all of
// them, as dudect does to drop interrupts and other outliers.
func crop(s [2][]float64, p float64) [2][]float64 {
	all := slices.Sorted(slices.Values(append(slices.Clone(s[0]), s[1]...)))
	limit := all[int(p*float64(len(all)-1))]
	var out [2][]float64
	for c := range s {
		for _, x := range s[c] {
			if x <= limit {
				out[c] = append(out[c], x)
			}
		}
	}
	return out
}

// BenchmarkPermutationDudect is a dudect-style timing check (Reparaz,
// Balasch, Verbauwhede, "Dude, is my code constant time?", 2017) of how the
// mixer applies its permutation: every iteration picks one of two classes
// of permutation at random, identity or a fresh uniformly random one, and
// times, for URNA_MIX_N (default 1,000) ciphertexts of width 1,
// everything the shuffle and the prover do with π: applyPermutation,
// permuteCommitments, permuteChallenges and the spot check's selection.
// It reports Welch's t between the two classes' times, over all samples
// and over those below the 90th percentile (|t| > 4.5 is dudect's
// threshold for a leak), for the oblivious code and, as a control, for
// indexing by π as the mixer did before. Run it with many iterations:
//
//	go test ./mixnet -run xxx -bench PermutationDudect -benchtime 4000x
func BenchmarkPermutationDudect(b *testing.B) {
	n := benchN(b, 1000)
	key, err := elgamal.GenerateKey(rand.Reader)
	require.NoError(b, err)
	pk := key.PublicKey()
	in := benchList(b, pk, n, rand.Reader)
	ident := make([]uint32, n)
	for i := range ident {
		ident[i] = uint32(i)
	}
	enc := make([]byte, 32*n)
	for i := range in {
		copy(enc[32*i:], in[i][0].Alpha.Bytes())
	}
	out := make([]elgamal.CiphertextVector, n)
	backing := make([]elgamal.Ciphertext, n)
	for i := range out {
		out[i] = backing[i : i+1 : i+1]
	}
	c, u := make([]byte, 32*n), make([]byte, 32*n)
	src := make([]elgamal.Ciphertext, 1)
	rnd := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7))
	run := map[string]func(perm []uint32){
		"oblivious": func(perm []uint32) {
			for i := range out {
				copy(out[i], in[i])
			}
			applyPermutation(out, perm)
			copy(c, enc)
			permuteCommitments(c, perm)
			copy(u, enc)
			permuteChallenges(u, perm)
			for _, i := range []int{0, n / 2, n - 1} {
				obliviousFetch(src, in, perm[i])
			}
		},
		"indexed": func(perm []uint32) { // the mixer before: secret-indexed accesses
			for i := range out {
				out[i][0].Set(&in[perm[i]][0])
			}
			for i := range perm {
				copy(c[32*perm[i]:], enc[32*i:32*i+32])
				copy(u[32*i:], enc[32*perm[i]:32*perm[i]+32])
			}
			for _, i := range []int{0, n / 2, n - 1} {
				src[0].Set(&in[perm[i]][0])
			}
		},
	}
	for _, name := range []string{"oblivious", "indexed"} {
		f := run[name]
		b.Run(fmt.Sprintf("%s/N=%d", name, n), func(b *testing.B) {
			var samples [2][]float64
			perm := make([]uint32, n)
			for b.Loop() {
				class := rnd.IntN(2)
				copy(perm, ident)
				if class == 1 {
					rnd.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
				}
				start := time.Now()
				f(perm)
				samples[class] = append(samples[class], float64(time.Since(start).Nanoseconds()))
			}
			if len(samples[0]) < 2 || len(samples[1]) < 2 {
				return
			}
			b.ReportMetric(welch(samples[0], samples[1]), "t")
			cr := crop(samples, 0.9)
			if len(cr[0]) >= 2 && len(cr[1]) >= 2 {
				b.ReportMetric(welch(cr[0], cr[1]), "t-p90")
			}
			m := func(x []float64) float64 { return slices.Sorted(slices.Values(x))[len(x)/2] }
			b.ReportMetric(m(samples[0])/1e3, "µs-identity-median")
			b.ReportMetric(m(samples[1])/1e3, "µs-random-median")
			b.ReportMetric(float64(len(samples[0])+len(samples[1])), "samples")
		})
	}
}
