package zkp

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/urnavote/urna/elgamal"
)

// testRand is a deterministic reader for tests.
type testRand struct{ r *rand.ChaCha8 }

func newTestRand(seed byte) *testRand {
	var s [32]byte
	s[0] = seed
	return &testRand{rand.NewChaCha8(s)}
}

func (t *testRand) Read(p []byte) (int, error) { return t.r.Read(p) }

func (t *testRand) scalar() *elgamal.Scalar {
	s, _ := elgamal.RandomScalar(t)
	return s
}

func (t *testRand) element() *elgamal.Element {
	var b [64]byte
	t.Read(b[:])
	e, _ := new(elgamal.Element).SetUniformBytes(b[:])
	return e
}

func (t *testRand) keyPair(tb testing.TB) *elgamal.PrivateKey {
	k, err := elgamal.GenerateKey(t)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func testContext() *Context {
	return &Context{Election: []byte("election-hash-0123456789abcdef01"), Prover: 7, Binding: []byte("credential")}
}

// wrongContexts returns contexts that each differ from ctx in one field.
func wrongContexts(ctx *Context) []*Context {
	e := append([]byte(nil), ctx.Election...)
	e[0] ^= 1
	return []*Context{
		{Election: e, Prover: ctx.Prover, Binding: ctx.Binding},
		{Election: ctx.Election, Prover: ctx.Prover + 1, Binding: ctx.Binding},
		{Election: ctx.Election, Prover: ctx.Prover, Binding: append(append([]byte(nil), ctx.Binding...), 0)},
		{},
	}
}

type fieldKind int

const (
	kElement fieldKind = iota
	kScalar
)

type mutation struct {
	name string
	b    []byte
	want error
}

// Canonical-encoding violations, one per kind of field.
var (
	// p itself, which decodes to 0 only when reduced.
	elementP = mustDecodeHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	// ℓ itself, the smallest non-reduced scalar.
	scalarL = mustDecodeHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
)

func mustDecodeHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// nonCanonicalMutations returns, for an encoding made of fixed 32-byte
// fields of the given kinds, copies with one field replaced by a
// non-canonical value (p for elements, ℓ for scalars, and a scalar with
// its top bit set), plus truncated and extended copies.
func nonCanonicalMutations(enc []byte, kinds []fieldKind) []mutation {
	var out []mutation
	for i, k := range kinds {
		off := 32 * i
		switch k {
		case kElement:
			b := append([]byte(nil), enc...)
			copy(b[off:], elementP)
			out = append(out, mutation{fmt.Sprintf("field %d = p", i), b, elgamal.ErrNonCanonical})
			b = append([]byte(nil), enc...)
			b[off] |= 1 // negative s
			out = append(out, mutation{fmt.Sprintf("field %d negative", i), b, elgamal.ErrNonCanonical})
		case kScalar:
			b := append([]byte(nil), enc...)
			copy(b[off:], scalarL)
			out = append(out, mutation{fmt.Sprintf("field %d = ℓ", i), b, elgamal.ErrNonCanonical})
			b = append([]byte(nil), enc...)
			b[off+31] |= 0x80
			out = append(out, mutation{fmt.Sprintf("field %d top bit", i), b, elgamal.ErrNonCanonical})
		}
	}
	out = append(out,
		mutation{"truncated", enc[:len(enc)-1], elgamal.ErrLength},
		mutation{"extended", append(append([]byte(nil), enc...), 0), elgamal.ErrLength},
	)
	return out
}
