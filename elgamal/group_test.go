package elgamal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"testing"

	"filippo.io/edwards25519/field"
	"github.com/cloudflare/circl/group"
	"github.com/stretchr/testify/require"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// testRand is a deterministic reader for tests.
type testRand struct{ r *rand.ChaCha8 }

func newTestRand(seed byte) *testRand {
	var s [32]byte
	s[0] = seed
	return &testRand{rand.NewChaCha8(s)}
}

func (t *testRand) Read(p []byte) (int, error) { return t.r.Read(p) }

func (t *testRand) scalar() *Scalar {
	s, _ := RandomScalar(t)
	return s
}

func (t *testRand) element() *Element {
	var b [64]byte
	t.Read(b[:])
	e, _ := new(Element).SetUniformBytes(b[:])
	return e
}

// rfc9496 holds the test vectors of RFC 9496 Appendix A, shared with the
// vector generator.
var rfc9496 = func() (v struct {
	Multiples []string `json:"multiples"`
	Invalid   []struct {
		Encoding string `json:"encoding"`
		Reason   string `json:"reason"`
	} `json:"invalid"`
	OneWayMap []struct {
		Input  string `json:"input"`
		Output string `json:"output"`
	} `json:"one_way_map"`
}) {
	b, err := os.ReadFile("testdata/rfc9496.json")
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	return v
}()

func TestConstants(t *testing.T) {
	one := new(field.Element).One()
	minusOne := new(field.Element).Negate(one)
	var x, y field.Element
	require.Equal(t, 1, x.Square(sqrtM1).Equal(minusOne), "SQRT_M1² = −1")
	require.Equal(t, 0, sqrtM1.IsNegative(), "SQRT_M1 is non-negative")
	// a·d − 1 with a = −1 is −d − 1.
	y.Subtract(minusOne, feD)
	require.Equal(t, 1, x.Square(sqrtADMinusOne).Equal(&y))
	// INVSQRT_A_MINUS_D² · (a − d) = 1.
	y.Subtract(minusOne, feD)
	x.Square(invSqrtAMinusD)
	require.Equal(t, 1, x.Multiply(&x, &y).Equal(one))
	y.Square(feD)
	require.Equal(t, 1, x.Subtract(one, &y).Equal(oneMinusDSq))
	y.Subtract(feD, one)
	require.Equal(t, 1, x.Square(&y).Equal(dMinusOneSq))
}

func TestRFCGeneratorMultiples(t *testing.T) {
	g := NewGeneratorElement()
	acc := NewElement()
	for i, want := range rfc9496.Multiples {
		require.Equal(t, want, hex.EncodeToString(acc.Bytes()), "%d·B", i)
		dec, err := new(Element).SetCanonicalBytes(mustHex(t, want))
		require.NoError(t, err, "%d·B", i)
		require.Equal(t, 1, dec.Equal(acc), "%d·B", i)
		require.Equal(t, want, hex.EncodeToString(dec.Bytes()))
		// Scalar multiplication agrees with repeated addition.
		s := new(Scalar).SetUint64(uint64(i))
		require.Equal(t, 1, new(Element).ScalarBaseMult(s).Equal(acc))
		require.Equal(t, 1, new(Element).ScalarMult(s, g).Equal(acc))
		require.Equal(t, 1, new(Element).VarTimeScalarMult(s, g).Equal(acc))
		acc.Add(acc, g)
	}
}

func TestRFCInvalidEncodings(t *testing.T) {
	for _, v := range rfc9496.Invalid {
		enc := v.Encoding
		e := NewGeneratorElement()
		_, err := e.SetCanonicalBytes(mustHex(t, enc))
		require.ErrorIs(t, err, ErrNonCanonical, enc)
		require.Equal(t, 1, e.Equal(NewGeneratorElement()), "receiver unchanged on error")
	}
	_, err := new(Element).SetCanonicalBytes(make([]byte, 31))
	require.ErrorIs(t, err, ErrLength)
	_, err = new(Element).SetCanonicalBytes(make([]byte, 33))
	require.ErrorIs(t, err, ErrLength)
}

func TestRFCOneWayMap(t *testing.T) {
	require.Len(t, rfc9496.OneWayMap, 11)
	for _, v := range rfc9496.OneWayMap {
		e, err := new(Element).SetUniformBytes(mustHex(t, v.Input))
		require.NoError(t, err)
		require.Equal(t, v.Output, hex.EncodeToString(e.Bytes()))
	}
	_, err := new(Element).SetUniformBytes(make([]byte, 32))
	require.ErrorIs(t, err, ErrLength)
}

func TestIdentity(t *testing.T) {
	require.Equal(t, 1, NewElement().IsIdentity())
	require.Equal(t, 0, NewGeneratorElement().IsIdentity())
	g := NewGeneratorElement()
	require.Equal(t, 1, new(Element).Subtract(g, g).IsIdentity())
	_, err := new(Element).SetCanonicalBytesNonIdentity(make([]byte, 32))
	require.ErrorIs(t, err, ErrIdentity)
	_, err = new(Element).SetCanonicalBytesNonIdentity(g.Bytes())
	require.NoError(t, err)
	// Identity representatives with torsion: 4-torsion points decode as
	// the identity class.
	r := newTestRand(1)
	x := r.element()
	y := new(Element).Add(x, NewElement())
	require.Equal(t, 1, x.Equal(y))
}

func TestScalarEncoding(t *testing.T) {
	// ℓ itself and ℓ+1 are not canonical; ℓ−1 is.
	l := mustHex(t, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	_, err := new(Scalar).SetCanonicalBytes(l)
	require.ErrorIs(t, err, ErrNonCanonical)
	l[0]--
	s, err := new(Scalar).SetCanonicalBytes(l)
	require.NoError(t, err)
	require.Equal(t, l, s.Bytes())
	require.Equal(t, 1, new(Scalar).Add(s, new(Scalar).SetUint64(1)).IsZero())
	high := make([]byte, 32)
	high[31] = 0x80
	_, err = new(Scalar).SetCanonicalBytes(high)
	require.ErrorIs(t, err, ErrNonCanonical)
	_, err = new(Scalar).SetCanonicalBytes(make([]byte, 31))
	require.ErrorIs(t, err, ErrLength)
	_, err = new(Scalar).SetUniformBytes(make([]byte, 32))
	require.ErrorIs(t, err, ErrLength)
}

func TestScalarArithmetic(t *testing.T) {
	r := newTestRand(2)
	for i := 0; i < 100; i++ {
		a, b := r.scalar(), r.scalar()
		sum := new(Scalar).Add(a, b)
		require.Equal(t, 1, new(Scalar).Subtract(sum, b).Equal(a))
		require.Equal(t, 1, new(Scalar).Add(a, new(Scalar).Negate(a)).IsZero())
		inv := new(Scalar).Invert(a)
		require.Equal(t, 1, new(Scalar).Multiply(a, inv).Equal(new(Scalar).SetUint64(1)))
		ma := new(Scalar).MultiplyAdd(a, b, sum)
		want := new(Scalar).Add(new(Scalar).Multiply(a, b), sum)
		require.Equal(t, 1, ma.Equal(want))
		// (a+b)·G = a·G + b·G
		lhs := new(Element).ScalarBaseMult(sum)
		rhs := new(Element).Add(new(Element).ScalarBaseMult(a), new(Element).ScalarBaseMult(b))
		require.Equal(t, 1, lhs.Equal(rhs))
	}
}

// TestDifferentialCircl checks add, scalar multiplication, encoding and
// decoding against cloudflare/circl's independent ristretto255 over many
// random inputs.
func TestDifferentialCircl(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	r := newTestRand(3)
	cg := group.Ristretto255
	for i := 0; i < n; i++ {
		a, b := r.element(), r.element()
		s := r.scalar()
		ca, cb, cs := cg.NewElement(), cg.NewElement(), cg.NewScalar()
		require.NoError(t, ca.UnmarshalBinary(a.Bytes()))
		require.NoError(t, cb.UnmarshalBinary(b.Bytes()))
		require.NoError(t, cs.UnmarshalBinary(s.Bytes()))

		sum, _ := cg.NewElement().Add(ca, cb).MarshalBinary()
		require.Equal(t, sum, new(Element).Add(a, b).Bytes(), "add %d", i)
		diff, _ := cg.NewElement().Add(ca, cg.NewElement().Neg(cb)).MarshalBinary()
		require.Equal(t, diff, new(Element).Subtract(a, b).Bytes(), "subtract %d", i)
		mul, _ := cg.NewElement().Mul(ca, cs).MarshalBinary()
		require.Equal(t, mul, new(Element).ScalarMult(s, a).Bytes(), "mult %d", i)
		require.Equal(t, mul, new(Element).VarTimeScalarMult(s, a).Bytes(), "vartime mult %d", i)
		base, _ := cg.NewElement().MulGen(cs).MarshalBinary()
		require.Equal(t, base, new(Element).ScalarBaseMult(s).Bytes(), "base mult %d", i)

		// Decoding random bytes: both accept or both reject, and agree.
		var buf [32]byte
		r.Read(buf[:])
		if i%2 == 0 {
			buf[0] &^= 1
			buf[31] &= 0x7f
		}
		ours, err := new(Element).SetCanonicalBytes(buf[:])
		theirs := cg.NewElement()
		cerr := theirs.UnmarshalBinary(buf[:])
		require.Equal(t, cerr == nil, err == nil, "decode verdict %x", buf)
		if err == nil {
			require.Equal(t, buf[:], ours.Bytes())
		}

		// Hash to element and scalar (RFC 9380 expand_message_xmd).
		msg := buf[:i%32]
		ch, _ := cg.HashToElement(msg, []byte("urna-test-dst")).MarshalBinary()
		require.Equal(t, ch, HashToElement("urna-test-dst", msg).Bytes())
		csc, _ := cg.HashToScalar(msg, []byte("urna-test-dst")).MarshalBinary()
		require.Equal(t, csc, HashToScalar("urna-test-dst", msg).Bytes())
	}
}

func TestHashToElementSplitsMessage(t *testing.T) {
	// The message parts are concatenated, so callers must length-prefix
	// their own inputs; the zkp transcript does.
	a := HashToElement("dst", []byte("ab"), []byte("c"))
	b := HashToElement("dst", []byte("abc"))
	require.Equal(t, 1, a.Equal(b))
	require.Equal(t, 0, a.Equal(HashToElement("dst2", []byte("abc"))))
}

func TestAliasing(t *testing.T) {
	r := newTestRand(4)
	for i := 0; i < 20; i++ {
		a, b, s := r.element(), r.element(), r.scalar()
		want := new(Element).Add(a, b)
		got := new(Element).Set(a)
		require.Equal(t, 1, got.Add(got, b).Equal(want))
		got.Set(b)
		require.Equal(t, 1, got.Add(a, got).Equal(want))
		dbl := new(Element).Add(a, a)
		got.Set(a)
		require.Equal(t, 1, got.Add(got, got).Equal(dbl))
		want.Subtract(a, b)
		got.Set(a)
		require.Equal(t, 1, got.Subtract(got, b).Equal(want))
		want.Negate(a)
		got.Set(a)
		require.Equal(t, 1, got.Negate(got).Equal(want))
		want.ScalarMult(s, a)
		got.Set(a)
		require.Equal(t, 1, got.ScalarMult(s, got).Equal(want))
		got.Set(a)
		require.Equal(t, 1, got.VarTimeScalarMult(s, got).Equal(want))

		x, y := r.scalar(), r.scalar()
		ws := new(Scalar).Multiply(x, y)
		gs := new(Scalar).Set(x)
		require.Equal(t, 1, gs.Multiply(gs, y).Equal(ws))
		ws.Multiply(x, x)
		gs.Set(x)
		require.Equal(t, 1, gs.Multiply(gs, gs).Equal(ws))
		ws.Add(x, y)
		gs.Set(y)
		require.Equal(t, 1, gs.Add(x, gs).Equal(ws))
		ws.Subtract(x, y)
		gs.Set(x)
		require.Equal(t, 1, gs.Subtract(gs, y).Equal(ws))
		ws.Invert(x)
		gs.Set(x)
		require.Equal(t, 1, gs.Invert(gs).Equal(ws))
	}
}

func TestSelect(t *testing.T) {
	r := newTestRand(6)
	a, b := r.scalar(), r.scalar()
	require.Equal(t, 1, new(Scalar).Select(a, b, 1).Equal(a))
	require.Equal(t, 1, new(Scalar).Select(a, b, 0).Equal(b))
	x := new(Scalar).Set(a)
	require.Equal(t, 1, x.Select(b, x, 1).Equal(b), "aliasing")
	e, f := r.element(), r.element()
	require.Equal(t, 1, new(Element).Select(e, f, 1).Equal(e))
	require.Equal(t, 1, new(Element).Select(e, f, 0).Equal(f))
}

func TestMultiScalarMult(t *testing.T) {
	r := newTestRand(5)
	for _, n := range []int{0, 1, 2, 7, 64, 300} {
		ss := make([]*Scalar, n)
		es := make([]*Element, n)
		want := NewElement()
		for i := range ss {
			ss[i], es[i] = r.scalar(), r.element()
			want.Add(want, new(Element).ScalarMult(ss[i], es[i]))
		}
		require.Equal(t, 1, new(Element).MultiScalarMult(ss, es).Equal(want), "n=%d", n)
		require.Equal(t, 1, new(Element).VarTimeMultiScalarMult(ss, es).Equal(want), "n=%d", n)
	}
	require.Panics(t, func() { new(Element).VarTimeMultiScalarMult(make([]*Scalar, 1), nil) })
}

func TestExpandMessageXMDLength(t *testing.T) {
	// Longer outputs chain blocks; check prefix independence is absent
	// (RFC 9380 binds the length into b_0).
	a := expandMessageXMD("dst", 64, []byte("m"))
	b := expandMessageXMD("dst", 128, []byte("m"))
	require.Len(t, b, 128)
	require.False(t, bytes.Equal(a, b[:64]))
}

func FuzzElementDecode(f *testing.F) {
	for _, s := range rfc9496.Multiples {
		f.Add(mustHex(f, s))
	}
	for _, v := range rfc9496.Invalid {
		f.Add(mustHex(f, v.Encoding))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := new(Element).SetCanonicalBytes(b)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrNonCanonical) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(e.Bytes(), b) {
			t.Fatalf("round trip %x → %x", b, e.Bytes())
		}
	})
}

func FuzzScalarDecode(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(mustHex(f, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := new(Scalar).SetCanonicalBytes(b)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrNonCanonical) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(s.Bytes(), b) {
			t.Fatalf("round trip %x → %x", b, s.Bytes())
		}
	})
}
