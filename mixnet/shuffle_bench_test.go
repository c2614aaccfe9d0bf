package mixnet

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// benchN is the list size of the benchmarks and the memory test:
// URNA_MIX_N, or def.
func benchN(tb testing.TB, def int) int {
	s := os.Getenv("URNA_MIX_N")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	require.NoError(tb, err, "URNA_MIX_N")
	require.Positive(tb, n, "URNA_MIX_N")
	return n
}

// benchList returns n ciphertexts of width 1 cheaply: (r+i)·(G, H) + (0, M)
// for consecutive i, one point addition each, in one backing array.
func benchList(tb testing.TB, pk *elgamal.PublicKey, n int, rnd io.Reader) []elgamal.CiphertextVector {
	tb.Helper()
	r, err := elgamal.RandomScalar(rnd)
	require.NoError(tb, err)
	m, err := elgamal.EncodeData([]byte("candidate"))
	require.NoError(tb, err)
	c0 := pk.EncryptWithNonce(m, r)
	g, h := elgamal.NewGeneratorElement(), pk.Element()
	backing := make([]elgamal.Ciphertext, n)
	list := make([]elgamal.CiphertextVector, n)
	// Each worker starts from c0 + lo·(G, H).
	forChunks(n, 1<<14, nil, func(_, lo, hi int) error {
		s := new(elgamal.Scalar).SetUint64(uint64(lo))
		var c elgamal.Ciphertext
		c.Alpha.Add(&c0.Alpha, new(elgamal.Element).ScalarBaseMult(s))
		c.Beta.Add(&c0.Beta, new(elgamal.Element).ScalarMult(s, h))
		for i := lo; i < hi; i++ {
			backing[i].Set(&c)
			list[i] = backing[i : i+1 : i+1]
			c.Alpha.Add(&c.Alpha, g)
			c.Beta.Add(&c.Beta, h)
		}
		return nil
	})
	return list
}

// phaseTimer records when each progress phase starts and ends.
type phaseTimer struct {
	mu     sync.Mutex
	order  []string
	start  map[string]time.Time
	end    map[string]time.Time
	origin time.Time
}

func newPhaseTimer() *phaseTimer {
	return &phaseTimer{start: map[string]time.Time{}, end: map[string]time.Time{}, origin: time.Now()}
}

func (p *phaseTimer) progress(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if _, ok := p.start[phase]; !ok {
		p.start[phase] = now
		p.order = append(p.order, phase)
	}
	if done == total {
		p.end[phase] = now
	}
}

func (p *phaseTimer) report(n int) string {
	var b strings.Builder
	for _, ph := range p.order {
		d := p.end[ph].Sub(p.start[ph])
		fmt.Fprintf(&b, "\n  %-20s %8.3f s  %7.2f µs/ciphertext", ph, d.Seconds(), float64(d.Microseconds())/float64(n))
	}
	return b.String()
}

func maxRSSMiB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // Linux reports KiB
}

// BenchmarkShuffleProve shuffles and proves URNA_MIX_N (default 10,000)
// ciphertexts of width 1 and reports µs per ciphertext and the time of
// each phase.
func BenchmarkShuffleProve(b *testing.B) {
	n := benchN(b, 10000)
	key, err := elgamal.GenerateKey(rand.Reader)
	require.NoError(b, err)
	pk := key.PublicKey()
	in := benchList(b, pk, n, rand.Reader)
	ctx := mxContext()
	var pt *phaseTimer
	for b.Loop() {
		pt = newPhaseTimer()
		out, w, err := Shuffle(pk, in, rand.Reader, pt.progress)
		require.NoError(b, err)
		_, err = Prove(&Statement{Context: ctx, PublicKey: pk, Input: in, Output: out}, w, rand.Reader, pt.progress)
		require.NoError(b, err)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/ciphertext")
	b.ReportMetric(maxRSSMiB(), "MaxRSS-MiB") // of the whole process so far
	b.Logf("N = %d, GOMAXPROCS = %d, per phase (last run):%s", n, runtime.GOMAXPROCS(0), pt.report(n))
}

// BenchmarkVerify verifies a proof of a shuffle of URNA_MIX_N (default
// 10,000) ciphertexts of width 1 and reports µs per ciphertext and the
// time of each phase.
func BenchmarkVerify(b *testing.B) {
	n := benchN(b, 10000)
	key, err := elgamal.GenerateKey(rand.Reader)
	require.NoError(b, err)
	pk := key.PublicKey()
	in := benchList(b, pk, n, rand.Reader)
	out, w, err := Shuffle(pk, in, rand.Reader, nil)
	require.NoError(b, err)
	st := &Statement{Context: mxContext(), PublicKey: pk, Input: in, Output: out}
	proof, err := Prove(st, w, rand.Reader, nil)
	require.NoError(b, err)
	var pt *phaseTimer
	b.ResetTimer()
	for b.Loop() {
		pt = newPhaseTimer()
		require.NoError(b, Verify(st, proof, pt.progress))
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/ciphertext")
	b.ReportMetric(maxRSSMiB(), "MaxRSS-MiB") // of the whole process so far
	b.Logf("N = %d, GOMAXPROCS = %d, per phase (last run):%s", n, runtime.GOMAXPROCS(0), pt.report(n))
}

// TestPeakRSS measures the peak resident memory of proving and of
// verifying a shuffle of URNA_MIX_N (default 100,000) ciphertexts of
// width 1, each in a child process of its own so that the two peaks are
// separate. It runs only with URNA_MIX_RSS=1:
//
//	URNA_MIX_RSS=1 URNA_MIX_N=1000000 go test -run TestPeakRSS -v -timeout 1h ./mixnet/
//
// The prove child holds the input and output lists (N·w·2·160 bytes of
// decoded elements each) and the proof; the verify child decodes the
// output list and the proof from the files the prove child wrote, as a
// verifier of a published record would.
func TestPeakRSS(t *testing.T) {
	if os.Getenv("URNA_MIX_RSS") != "1" {
		t.Skip("set URNA_MIX_RSS=1 (and URNA_MIX_N) to measure peak memory")
	}
	n := benchN(t, 100000)
	dir := t.TempDir()
	for _, phase := range []string{"prove", "verify"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPeakRSSChild$", "-test.v")
		cmd.Env = append(os.Environ(), "URNA_MIX_RSS_CHILD="+phase, "URNA_MIX_RSS_DIR="+dir, "URNA_MIX_N="+strconv.Itoa(n))
		start := time.Now()
		outb, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", outb)
		var ru *syscall.Rusage
		if cmd.ProcessState != nil {
			ru, _ = cmd.ProcessState.SysUsage().(*syscall.Rusage)
		}
		require.NotNil(t, ru)
		t.Logf("%s: N = %d: peak RSS %.0f MiB, %.1f s%s", phase, n, float64(ru.Maxrss)/1024, time.Since(start).Seconds(),
			indentLines(string(outb)))
	}
}

func indentLines(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.Contains(line, "µs") || strings.Contains(line, "peak") {
			b.WriteString("\n    " + strings.TrimSpace(line))
		}
	}
	return b.String()
}

// TestPeakRSSChild is one phase of TestPeakRSS.
func TestPeakRSSChild(t *testing.T) {
	phase, dir := os.Getenv("URNA_MIX_RSS_CHILD"), os.Getenv("URNA_MIX_RSS_DIR")
	if phase == "" {
		t.Skip("run by TestPeakRSS")
	}
	n := benchN(t, 100000)
	// A fixed key and input in both children.
	rnd := mxRand("rss")
	key, err := elgamal.GenerateKey(rnd)
	require.NoError(t, err)
	pk := key.PublicKey()
	in := benchList(t, pk, n, rnd)
	ctx := mxContext()
	pt := newPhaseTimer()
	switch phase {
	case "prove":
		out, w, err := Shuffle(pk, in, rand.Reader, pt.progress)
		require.NoError(t, err)
		p, err := Prove(&Statement{Context: ctx, PublicKey: pk, Input: in, Output: out}, w, rand.Reader, pt.progress)
		require.NoError(t, err)
		enc := make([]byte, 0, n*elgamal.CiphertextSize)
		for i := range out {
			for k := range out[i] {
				enc = append(enc, out[i][k].Bytes()...)
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "output"), enc, 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "proof"), p.Bytes(), 0o600))
	case "verify":
		out := readList(t, filepath.Join(dir, "output"), n)
		p := readProof(t, filepath.Join(dir, "proof"), n)
		require.NoError(t, Verify(&Statement{Context: ctx, PublicKey: pk, Input: in, Output: out}, p, pt.progress))
	}
	t.Logf("peak RSS %.0f MiB%s", maxRSSMiB(), pt.report(n))
}

// readList decodes a list of n vectors of width 1 from a file.
func readList(t *testing.T, path string, n int) []elgamal.CiphertextVector {
	enc, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, enc, n*elgamal.CiphertextSize)
	backing := make([]elgamal.Ciphertext, n)
	out := make([]elgamal.CiphertextVector, n)
	err = forChunks(n, 4096, nil, func(_, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if _, err := backing[i].SetCanonicalBytes(enc[i*elgamal.CiphertextSize : (i+1)*elgamal.CiphertextSize]); err != nil {
				return err
			}
			out[i] = backing[i : i+1 : i+1]
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// readProof parses a proof for n vectors of width 1 from a file.
func readProof(t *testing.T, path string, n int) *Proof {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	p, err := ParseProof(b, n, 1)
	require.NoError(t, err)
	return p
}

// BenchmarkRandomPermutation draws π for N = 10,000 (spec/mixnet.md §3.1):
// the keys' PRF blocks and the oblivious sort; ns/ciphertext is per item.
func BenchmarkRandomPermutation(b *testing.B) {
	const n = 10000
	var seed [32]byte
	for b.Loop() {
		randomPermutation(n, &seed)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/ciphertext")
}
