package zkp

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/urnavote/urna/elgamal"
)

// ErrInvalidProof means a proof did not verify. Errors from Verify and
// BatchVerify functions wrap it.
var ErrInvalidProof = errors.New("proof does not verify")

// errEquation is the reason when a proof's verification equations fail.
var errEquation = fmt.Errorf("%w: verification equation failed", ErrInvalidProof)

// BatchError reports which proofs of a batch failed, by index into the
// caller's slice, each with its reason.
type BatchError struct {
	Failed []int
	Errs   []error
}

func (e *BatchError) Error() string {
	return DescribeFailures(fmt.Sprintf("zkp: %d of the batch's proofs failed:", len(e.Failed)), e.Failed, e.Errs)
}

// DescribeFailures formats a batch's failures after head: the first five
// as " [index] reason;" and a count of the rest. Batch errors of other
// packages use it so that they all read alike.
func DescribeFailures(head string, failed []int, errs []error) string {
	var b strings.Builder
	b.WriteString(head)
	for i, idx := range failed {
		if i == 5 {
			fmt.Fprintf(&b, " …and %d more", len(failed)-5)
			break
		}
		fmt.Fprintf(&b, " [%d] %v;", idx, errs[i])
	}
	return strings.TrimSuffix(b.String(), ";")
}

func (e *BatchError) Unwrap() error { return ErrInvalidProof }

// equations collects verification equations of the form Σ sᵢ·Pᵢ = 0,
// already multiplied by a random weight, for evaluation as one multi-scalar
// multiplication. Terms on a few shared bases (the generator, a public key)
// are merged into one coefficient each, so they cost one term per batch.
type equations struct {
	shared   []*elgamal.Element
	sharedCo []elgamal.Scalar
	scalars  []*elgamal.Scalar
	elements []*elgamal.Element
	rng      *rand.ChaCha8
}

// newEquations starts a set of equations over the given shared bases.
// Weights come from a ChaCha8 stream seeded from the operating system, so
// a prover cannot predict them.
func newEquations(shared ...*elgamal.Element) *equations {
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		panic("zkp: crypto/rand failed: " + err.Error())
	}
	q := subEquations(nil, shared)
	q.rng = rand.NewChaCha8(seed)
	return q
}

// subEquations starts equations that draw weights from parent's stream.
func subEquations(parent *equations, shared []*elgamal.Element) *equations {
	q := &equations{shared: shared, sharedCo: make([]elgamal.Scalar, len(shared))}
	if parent != nil {
		q.rng = parent.rng
	}
	return q
}

// weight returns a fresh random 128-bit weight. 128 bits bound the chance
// that a false equation survives the combination by 2^-128.
func (q *equations) weight() *elgamal.Scalar {
	var b [64]byte
	q.rng.Read(b[:16])
	s, _ := new(elgamal.Scalar).SetUniformBytes(b[:])
	return s
}

// addShared adds w·s to the coefficient of shared base i.
func (q *equations) addShared(i int, w, s *elgamal.Scalar) {
	t := new(elgamal.Scalar).Multiply(w, s)
	q.sharedCo[i].Add(&q.sharedCo[i], t)
}

// add appends the term (w·s)·e.
func (q *equations) add(w, s *elgamal.Scalar, e *elgamal.Element) {
	q.scalars = append(q.scalars, new(elgamal.Scalar).Multiply(w, s))
	q.elements = append(q.elements, e)
}

// addNeg appends the term −w·e, for commitments on the left-hand side.
func (q *equations) addNeg(w *elgamal.Scalar, e *elgamal.Element) {
	q.scalars = append(q.scalars, new(elgamal.Scalar).Negate(w))
	q.elements = append(q.elements, e)
}

// merge appends the terms of o, which must use the same shared bases.
func (q *equations) merge(o *equations) {
	for i := range q.sharedCo {
		q.sharedCo[i].Add(&q.sharedCo[i], &o.sharedCo[i])
	}
	q.scalars = append(q.scalars, o.scalars...)
	q.elements = append(q.elements, o.elements...)
}

// holds evaluates the combination and reports whether it is the identity.
func (q *equations) holds() bool {
	ss := append([]*elgamal.Scalar(nil), q.scalars...)
	es := append([]*elgamal.Element(nil), q.elements...)
	for i := range q.shared {
		ss = append(ss, &q.sharedCo[i])
		es = append(es, q.shared[i])
	}
	return new(elgamal.Element).VarTimeMultiScalarMult(ss, es).IsIdentity() == 1
}

// batchVerify checks n proofs. prepare(i, q) decodes and checks proof i
// structurally, computes its challenge and adds its weighted equations to q
// (which is private to one goroutine). The preparation runs on all cores;
// the combined equations are then checked with one multi-scalar
// multiplication. If that fails, every proof is checked alone, so the
// error names exactly the failing ones.
func batchVerify(n int, shared []*elgamal.Element, prepare func(i int, q *equations) error) error {
	if n == 0 {
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if n < 8 {
		workers = 1
	}
	parts := make([]*equations, workers)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		parts[w] = newEquations(shared...)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				sub := subEquations(parts[w], shared)
				if err := prepare(i, sub); err != nil {
					errs[i] = err
					continue
				}
				parts[w].merge(sub)
			}
		}(w)
	}
	wg.Wait()

	all := parts[0]
	for _, p := range parts[1:] {
		all.merge(p)
	}
	if all.holds() {
		if failed := collect(errs); len(failed.Failed) > 0 {
			return failed
		}
		return nil
	}
	// Some equation is false: find the culprits one by one.
	found := false
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			continue
		}
		q := newEquations(shared...)
		if err := prepare(i, q); err != nil {
			errs[i] = err
		} else if !q.holds() {
			errs[i] = errEquation
		}
		found = found || errs[i] != nil
	}
	if !found {
		// Only possible if the random weights cancelled a false equation,
		// with probability about 2^-128.
		return fmt.Errorf("zkp: batch failed but no single proof did: %w", ErrInvalidProof)
	}
	failed := collect(errs)
	return failed
}

func collect(errs []error) *BatchError {
	be := &BatchError{}
	for i, err := range errs {
		if err != nil {
			be.Failed = append(be.Failed, i)
			be.Errs = append(be.Errs, err)
		}
	}
	sort.Ints(be.Failed)
	return be
}

// verifyOne checks a single proof through the same equations as a batch;
// what names the proof type in the error.
func verifyOne(what string, shared []*elgamal.Element, prepare func(q *equations) error) error {
	q := newEquations(shared...)
	if err := prepare(q); err != nil {
		return err
	}
	if !q.holds() {
		return fmt.Errorf("zkp: %s: %w", what, errEquation)
	}
	return nil
}

// parallelFor runs f(0..n-1) on all cores.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}(w)
	}
	wg.Wait()
}
