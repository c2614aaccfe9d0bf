package msm

import (
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"

	"filippo.io/edwards25519"
)

// scalarBits bounds the bit length of a reduced scalar (ℓ < 2^253). Signed
// recoding of a 253-bit value can carry one extra bit, so windows must cover
// at least 254 bits.
const scalarBits = 254

// Tuning constants, measured with BenchmarkMSM, BenchmarkMSMWindow and
// BenchmarkEdwardsVarTimeMSM.
const (
	// Below this many terms edwards25519's Straus/NAF implementation is as
	// fast as the bucket method, whose fixed cost (bucket sums, 254
	// doublings) is not yet amortised. The measured crossover is ~128.
	pippengerThreshold = 128
	// maxBatch bounds the scratch memory (about 150 bytes per term) by
	// splitting larger inputs into batches; beyond 2^20 terms the bucket
	// method gains little from a larger n anyway.
	maxBatch = 1 << 20
	// maxWindow keeps digits within int16 and the buckets of one worker
	// (2^(maxWindow-1) extended points, 2.5 MiB) close to L2 size; wider
	// windows measured slower even where the operation count says otherwise.
	maxWindow = 15
	// costAdd and costBucket are the cost model's weights, in field
	// multiplications: a mixed addition into a bucket, and the two full
	// additions that summing one bucket takes.
	costAdd    = 7
	costBucket = 18
)

// VarTimeMultiScalarMult returns Σ scalars[i]·points[i] as a new point,
// using up to GOMAXPROCS goroutines for large inputs.
//
// Its running time and memory accesses depend on the scalars and points, so
// it must only be used on public data (verification, tallying public
// ciphertexts), never with secret scalars. It panics if the slices have
// different lengths.
func VarTimeMultiScalarMult(scalars []*edwards25519.Scalar, points []*edwards25519.Point) *edwards25519.Point {
	checkLengths(scalars, points)
	return multiScalarMult(scalars, points, runtime.GOMAXPROCS(0), maxBatch)
}

// VarTimeMultiScalarMultSerial is VarTimeMultiScalarMult restricted to the
// calling goroutine, for callers that already parallelise at a higher level
// and for measuring single-core speed. Same public-data-only caveat.
func VarTimeMultiScalarMultSerial(scalars []*edwards25519.Scalar, points []*edwards25519.Point) *edwards25519.Point {
	checkLengths(scalars, points)
	return multiScalarMult(scalars, points, 1, maxBatch)
}

// multiScalarMult picks the algorithm and its parameters for n terms, in
// batches of at most batch terms.
func multiScalarMult(scalars []*edwards25519.Scalar, points []*edwards25519.Point, workers, batch int) *edwards25519.Point {
	n := len(points)
	if n < pippengerThreshold {
		return new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	}
	batches := (n + batch - 1) / batch
	acc := edwards25519.NewIdentityPoint()
	for b := range batches {
		lo, hi := b*n/batches, (b+1)*n/batches
		c, chunks := plan(hi-lo, workers)
		acc.Add(acc, pippenger(scalars[lo:hi], points[lo:hi], c, chunks, workers))
	}
	return acc
}

func checkLengths(scalars []*edwards25519.Scalar, points []*edwards25519.Point) {
	if len(scalars) != len(points) {
		panic("msm: called VarTimeMultiScalarMult with different size inputs")
	}
}

// plan picks the window width c and the number of point chunks for n terms
// on the given number of workers by minimising a cost model, in field
// multiplications: each of the ⌈254/c⌉ windows costs about costAdd·n (one
// mixed addition per term) plus costBucket·2^(c-1) (summing its buckets).
// The work is (window, chunk) tasks spread over the workers; splitting the
// points into chunks only pays when there are too few windows to keep every
// worker busy, since each chunk repeats the bucket summation. For one worker
// the model's choices match the measured optimum (c = 5 at n = 128, 8 at
// 1024, 10 at 8192, 13–14 at 2^17).
func plan(n, workers int) (c, chunks int) {
	workers = max(1, workers)
	best := -1.0
	for w := 2; w <= maxWindow; w++ {
		maxChunks := 1
		if workers > 1 {
			maxChunks = min(8, max(1, n/256))
		}
		for k := 1; k <= maxChunks; k++ {
			cost := planCost(n, w, k, workers)
			if best < 0 || cost < best {
				best, c, chunks = cost, w, k
			}
		}
	}
	return c, chunks
}

// planCost estimates the wall-clock cost of pippenger(n, c, chunks, workers).
func planCost(n, c, chunks, workers int) float64 {
	numWindows := (scalarBits + c - 1) / c
	buckets := float64(int(1) << (c - 1))
	heavy := costAdd*float64(n)/float64(chunks) + costBucket*buckets
	// Random scalars are below 2^252, so when the windows below the top
	// one already cover 252 bits the top window only holds carries, and
	// about half its digits are 0 and skipped.
	light := heavy
	if (numWindows-1)*c >= 252 {
		light = costAdd * float64(n) / float64(chunks) / 2
	}
	heavyTasks := (numWindows - 1) * chunks
	rounds := (heavyTasks + workers - 1) / workers
	cost := float64(rounds) * heavy
	if free := rounds*workers - heavyTasks; free < chunks {
		cost += float64((chunks-free+workers-1)/workers) * light
	}
	// Combining the windows is serial: 254 doublings and one addition per
	// task.
	cost += 254*7 + float64(numWindows*chunks)*9
	return cost
}

// pippenger computes Σ scalars[i]·points[i] with c-bit signed windows
// (2 <= c <= maxWindow), the points split into chunks, on up to workers
// goroutines.
func pippenger(scalars []*edwards25519.Scalar, points []*edwards25519.Point, c, chunks, workers int) *edwards25519.Point {
	n := len(points)
	if n == 0 {
		return edwards25519.NewIdentityPoint()
	}
	numWindows := (scalarBits + c - 1) / c
	chunks = max(1, min(chunks, n))
	tasks := numWindows * chunks
	workers = max(1, min(workers, tasks))

	// Normalise the points and recode the scalars. digits is window-major
	// so that each bucket pass streams through one contiguous row.
	pts := make([]affineNiels, n)
	digits := make([]int16, numWindows*n)
	parallelRanges(n, min(workers, (n+normChunk-1)/normChunk), func(lo, hi int) {
		pointsToAffineNiels(pts[lo:hi], points[lo:hi])
		for i := lo; i < hi; i++ {
			recodeSigned(digits, n, i, scalars[i], c, numWindows)
		}
	})

	// Tasks are (window, chunk) pairs, handed out heaviest first (the top
	// window, which mostly holds carries, is last) through a shared counter.
	sums := make([]extended, tasks)
	var next atomic.Int64
	work := func() {
		buckets := make([]extended, 1<<(c-1))
		filled := make([]bool, 1<<(c-1))
		for {
			t := int(next.Add(1)) - 1
			if t >= tasks {
				return
			}
			w, k := t/chunks, t%chunks
			lo, hi := k*n/chunks, (k+1)*n/chunks
			row := digits[w*n : (w+1)*n]
			windowSum(&sums[t], buckets, filled, pts[lo:hi], row[lo:hi])
		}
	}
	if workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(work)
		}
		wg.Wait()
	}

	// Σ_w 2^(cw)·S_w by Horner's rule from the top window.
	var acc extended
	acc.setIdentity()
	for w := numWindows - 1; w >= 0; w-- {
		if w != numWindows-1 {
			acc.mulPow2(c)
		}
		for k := range chunks {
			acc.addExtended(&sums[w*chunks+k])
		}
	}
	return acc.toPoint()
}

// parallelRanges calls f on workers contiguous sub-ranges of [0, n),
// concurrently when workers > 1.
func parallelRanges(n, workers int, f func(lo, hi int)) {
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := k*n/workers, (k+1)*n/workers
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}

// recodeSigned writes s as numWindows signed c-bit digits d_w with
// s = Σ d_w·2^(cw) into digits[w*stride+i]. Every digit but the last is in
// [-2^(c-1), 2^(c-1)); the last absorbs the final carry and is in
// [0, 2^(c-1)] because c·numWindows >= 254 > bitlen(s)+1. So 2^(c-1) buckets
// (one per magnitude) suffice instead of 2^c - 1.
func recodeSigned(digits []int16, stride, i int, s *edwards25519.Scalar, c, numWindows int) {
	var buf [40]byte // 32 bytes plus room for an 8-byte read at any window
	copy(buf[:], s.Bytes())
	mask := uint64(1)<<c - 1
	half := int32(1) << (c - 1)
	var carry int32
	for w := range numWindows {
		pos := w * c
		raw := int32(binary.LittleEndian.Uint64(buf[pos/8:]) >> (pos % 8) & mask)
		d := raw + carry
		if w < numWindows-1 {
			carry = (d + half) >> c // 1 iff d >= 2^(c-1), as d <= 2^c
			d -= carry << c
		}
		digits[w*stride+i] = int16(d)
	}
}

// windowSum sets out = Σ d_i·pts[i] for one window's digits, using buckets
// and filled (length 2^(c-1)) as scratch.
func windowSum(out *extended, buckets []extended, filled []bool, pts []affineNiels, digits []int16) {
	clear(filled)
	top := -1
	for i, d := range digits {
		switch {
		case d > 0:
			j := int(d - 1)
			if filled[j] {
				buckets[j].addNiels(&pts[i])
			} else {
				buckets[j].fromNiels(&pts[i], false)
				filled[j] = true
				top = max(top, j)
			}
		case d < 0:
			j := int(-d - 1)
			if filled[j] {
				buckets[j].subNiels(&pts[i])
			} else {
				buckets[j].fromNiels(&pts[i], true)
				filled[j] = true
				top = max(top, j)
			}
		}
	}

	// Σ_j (j+1)·B_j as a sum of running sums: running_j = Σ_{k>=j} B_k and
	// Σ_j running_j counts B_k exactly k+1 times. Empty buckets are skipped
	// rather than added as the identity.
	var running extended
	haveRunning, haveSum := false, false
	out.setIdentity()
	for j := top; j >= 0; j-- {
		if filled[j] {
			if haveRunning {
				running.addExtended(&buckets[j])
			} else {
				running = buckets[j]
				haveRunning = true
			}
		}
		if haveRunning {
			if haveSum {
				out.addExtended(&running)
			} else {
				*out = running
				haveSum = true
			}
		}
	}
}
