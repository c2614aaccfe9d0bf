// Package dudect is the statistics of the dudect-style timing checks
// (Reparaz, Balasch and Verbauwhede, "Dude, is my code constant time?"):
// timings of two interleaved classes of secret inputs, compared with
// Welch's t test. |t| above about 4.5 means the timing depends on the
// class. The checks run as benchmarks, never as timed tests.
package dudect

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Run times f on input a or b, drawn at random (from a fixed seed) for
// each of b.N samples, and reports the statistics with Report. f is
// called once on each input first, so that an error stops the benchmark
// before any timing.
func Run[T any](tb *testing.B, f func(T) error, a, b T) {
	for _, x := range []T{a, b} {
		if err := f(x); err != nil {
			tb.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var class []bool
	var ns []float64
	for tb.Loop() {
		c := rng.IntN(2) == 1
		x := a
		if c {
			x = b
		}
		t0 := time.Now()
		err := f(x)
		d := time.Since(t0)
		if err != nil {
			tb.Fatal(err)
		}
		class = append(class, c)
		ns = append(ns, float64(d.Nanoseconds()))
	}
	Report(tb, ns, class)
}

// WelchT returns Welch's t statistic between the samples of class false
// and class true that are at most crop.
func WelchT(ns []float64, class []bool, crop float64) float64 {
	var n, mean, m2 [2]float64
	for i, x := range ns {
		if x > crop {
			continue
		}
		k := 0
		if class[i] {
			k = 1
		}
		n[k]++
		d := x - mean[k]
		mean[k] += d / n[k]
		m2[k] += d * (x - mean[k])
	}
	if n[0] < 2 || n[1] < 2 {
		return 0
	}
	v0, v1 := m2[0]/(n[0]-1), m2[1]/(n[1]-1)
	return (mean[0] - mean[1]) / math.Sqrt(v0/n[0]+v1/n[1])
}

// Report drops the first 1% of the samples (while caches and the branch
// predictor warm up) and reports Welch's t over all samples ("t") and
// over those below the 99th, 90th and 50th percentiles ("t_p99",
// "t_p90", "t_p50"), and the median time ("ns/median").
func Report(b *testing.B, ns []float64, class []bool) {
	skip := len(ns) / 100
	class, ns = class[skip:], ns[skip:]
	if len(ns) < 100 {
		return
	}
	sorted := slices.Clone(ns)
	slices.Sort(sorted)
	b.ReportMetric(WelchT(ns, class, math.Inf(1)), "t")
	for _, p := range []struct {
		q    float64
		unit string
	}{{0.99, "t_p99"}, {0.90, "t_p90"}, {0.50, "t_p50"}} {
		b.ReportMetric(WelchT(ns, class, sorted[int(p.q*float64(len(sorted)-1))]), p.unit)
	}
	b.ReportMetric(sorted[len(sorted)/2], "ns/median")
}
