package mixnet

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Progress reports long work: phase names like "shuffle", "commit",
// "prove", "verify: hash" or "verify: equations", with done out of total.
// Calls come one at a time, from any goroutine; for each phase, done
// starts at 0, never decreases and ends at total unless the work fails.
// The function must return quickly. It may be nil.
type Progress func(phase string, done, total int)

// reporter serialises progress reports from worker goroutines.
type reporter struct {
	mu    sync.Mutex
	p     Progress
	phase string
	done  int
	total int
}

// newReporter starts reporting a phase of total units (and reports 0 of
// total).
func newReporter(p Progress, phase string, total int) *reporter {
	r := &reporter{p: p, phase: phase, total: total}
	if p != nil {
		p(phase, 0, total)
	}
	return r
}

// add reports k more units done.
func (r *reporter) add(k int) {
	if r == nil || r.p == nil {
		return
	}
	r.mu.Lock()
	r.done += k
	r.p(r.phase, r.done, r.total)
	r.mu.Unlock()
}

// workers returns the number of goroutines to use for count chunks.
func workers(count int) int {
	return max(1, min(runtime.GOMAXPROCS(0), count))
}

// forChunks calls f(worker, lo, hi) for the chunks [lo, hi) of size chunk
// that cover [0, n), on up to GOMAXPROCS goroutines. worker is in
// [0, workers(chunks)), and no two calls with the same worker run at once,
// so f may use per-worker scratch space and accumulators. Progress is
// reported to rep (which may be nil) after each chunk. If any call fails,
// forChunks returns the error of the failed chunk with the lowest lo, so
// that errors are deterministic; chunks not yet started are skipped.
func forChunks(n, chunk int, rep *reporter, f func(worker, lo, hi int) error) error {
	if n <= 0 {
		return nil
	}
	chunks := (n + chunk - 1) / chunk
	nw := workers(chunks)
	errs := make([]error, chunks)
	var next atomic.Int64
	var failed atomic.Bool
	work := func(w int) {
		for {
			c := int(next.Add(1)) - 1
			if c >= chunks || failed.Load() {
				return
			}
			lo, hi := c*chunk, min((c+1)*chunk, n)
			if err := f(w, lo, hi); err != nil {
				errs[c] = err
				failed.Store(true)
				return
			}
			rep.add(hi - lo)
		}
	}
	if nw == 1 {
		work(0)
	} else {
		var wg sync.WaitGroup
		for w := range nw {
			wg.Go(func() { work(w) })
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
