package elgamal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
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

// RFC 9496 Appendix A.1: encodings of 0·B … 15·B.
var rfcMultiples = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
	"6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919",
	"94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259",
	"da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57",
	"e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e",
	"f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403",
	"44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d",
	"903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c",
	"02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031",
	"20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f",
	"bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42",
	"e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460",
	"aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f",
	"46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e",
	"e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e",
}

// RFC 9496 Appendix A.2: invalid encodings.
var rfcInvalid = []string{
	// Non-canonical field encodings.
	"00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	// Negative field elements.
	"0100000000000000000000000000000000000000000000000000000000000000",
	"01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
	"c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
	"c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
	"47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
	"f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
	"87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
	// Non-square x².
	"26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
	"4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
	"de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
	"bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
	"2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
	"f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
	"8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
	"2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
	// Negative x·y.
	"3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
	"a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
	"d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
	"8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
	"32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
	"227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
	"5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
	"445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b",
	// s = −1, which gives y = 0.
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

// RFC 9496 Appendix A.3: one-way map inputs and outputs.
var rfcMap = []struct{ in, out string }{
	{"5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c14d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6", "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46"},
	{"f116b34b8f17ceb56e8732a60d913dd10cce47a6d53bee9204be8b44f6678b270102a56902e2488c46120e9276cfe54638286b9e4b3cdb470b542d46c2068d38", "f26e5b6f7d362d2d2a94c5d0e7602cb4773c95a2e5c31a64f133189fa76ed61b"},
	{"8422e1bbdaab52938b81fd602effb6f89110e1e57208ad12d9ad767e2e25510c27140775f9337088b982d83d7fcf0b2fa1edffe51952cbe7365e95c86eaf325c", "006ccd2a9e6867e6a2c5cea83d3302cc9de128dd2a9a57dd8ee7b9d7ffe02826"},
	{"ac22415129b61427bf464e17baee8db65940c233b98afce8d17c57beeb7876c2150d15af1cb1fb824bbd14955f2b57d08d388aab431a391cfc33d5bafb5dbbaf", "f8f0c87cf237953c5890aec3998169005dae3eca1fbb04548c635953c817f92a"},
	{"165d697a1ef3d5cf3c38565beefcf88c0f282b8e7dbd28544c483432f1cec7675debea8ebb4e5fe7d6f6e5db15f15587ac4d4d4a1de7191e0c1ca6664abcc413", "ae81e7dedf20a497e10c304a765c1767a42d6e06029758d2d7e8ef7cc4c41179"},
	{"a836e6c9a9ca9f1e8d486273ad56a78c70cf18f0ce10abb1c7172ddd605d7fd2979854f47ae1ccf204a33102095b4200e5befc0465accc263175485f0e17ea5c", "e2705652ff9f5e44d3e841bf1c251cf7dddb77d140870d1ab2ed64f1a9ce8628"},
	{"2cdc11eaeb95daf01189417cdddbf95952993aa9cb9c640eb5058d09702c74622c9965a697a3b345ec24ee56335b556e677b30e6f90ac77d781064f866a3c982", "80bd07262511cdde4863f8a7434cef696750681cb9510eea557088f76d9e5065"},
	// Four inputs that map to one output (non-canonical field inputs).
	{"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff1200000000000000000000000000000000000000000000000000000000000000", "304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f"},
	{"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f"},
	{"0000000000000000000000000000000000000000000000000000000000000080ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f"},
	{"00000000000000000000000000000000000000000000000000000000000000001200000000000000000000000000000000000000000000000000000000000080", "304282791023b73128d277bdcb5c7746ef2eac08dde9f2983379cb8e5ef0517f"},
}

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
	for i, want := range rfcMultiples {
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
	for _, enc := range rfcInvalid {
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
	for _, v := range rfcMap {
		e, err := new(Element).SetUniformBytes(mustHex(t, v.in))
		require.NoError(t, err)
		require.Equal(t, v.out, hex.EncodeToString(e.Bytes()))
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
	for _, s := range rfcMultiples {
		f.Add(mustHex(f, s))
	}
	for _, s := range rfcInvalid {
		f.Add(mustHex(f, s))
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
