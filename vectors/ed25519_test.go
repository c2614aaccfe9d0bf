package vectors

import (
	"crypto/ed25519"
	"crypto/sha512"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// specVerify is Ed25519 verification written from spec/notation.md
// ("Ed25519 signatures") alone, in affine coordinates with math/big, so
// that the spec's rules are checked against crypto/ed25519.Verify.
func specVerify(pub, msg, sig []byte) bool {
	if len(pub) != 32 || len(sig) != 64 {
		return false
	}
	// Step 2: S < ℓ.
	S := leInt(sig[32:])
	if S.Cmp(edL) >= 0 {
		return false
	}
	// Step 3: decode A, accepting y ≥ p and x = 0 with the sign bit set.
	A, ok := edDecode(pub)
	if !ok {
		return false
	}
	// Step 4: k from the bytes as given.
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(pub)
	h.Write(msg)
	k := new(big.Int).Mod(leInt(h.Sum(nil)), edL)
	// Steps 5 and 6: R' = [S]B − [k]A, compared by its canonical encoding.
	negA := edPoint{new(big.Int).Mod(new(big.Int).Neg(A.x), edP), A.y}
	R := edAdd(edMul(S, edB), edMul(k, negA))
	return string(edEncode(R)) == string(sig[:32])
}

var (
	edP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	edL = func() *big.Int {
		l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
		return l
	}()
	edD = edDiv(big.NewInt(-121665), big.NewInt(121666))
	edB = func() edPoint { y := edDiv(big.NewInt(4), big.NewInt(5)); p, _ := edRecover(y, 0); return p }()
)

type edPoint struct{ x, y *big.Int }

func leInt(b []byte) *big.Int {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return new(big.Int).SetBytes(r)
}

func edDiv(a, b *big.Int) *big.Int {
	inv := new(big.Int).ModInverse(new(big.Int).Mod(b, edP), edP)
	return new(big.Int).Mod(new(big.Int).Mul(a, inv), edP)
}

// edRecover returns the point with coordinate y whose x has parity sign
// (x = 0 whatever the sign), or false if there is none.
func edRecover(y *big.Int, sign uint) (edPoint, bool) {
	yy := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(yy, big.NewInt(1))
	v := new(big.Int).Add(new(big.Int).Mul(edD, yy), big.NewInt(1))
	x := new(big.Int).ModSqrt(edDiv(u, v), edP)
	if x == nil {
		return edPoint{}, false
	}
	if x.Bit(0) != sign {
		x.Mod(x.Neg(x), edP)
	}
	return edPoint{x, new(big.Int).Mod(y, edP)}, true
}

func edDecode(b []byte) (edPoint, bool) {
	c := append([]byte(nil), b...)
	sign := uint(c[31] >> 7)
	c[31] &= 0x7f
	return edRecover(new(big.Int).Mod(leInt(c), edP), sign)
}

func edEncode(q edPoint) []byte {
	out := make([]byte, 32)
	yb := q.y.Bytes()
	for i := range yb {
		out[i] = yb[len(yb)-1-i]
	}
	out[31] |= byte(q.x.Bit(0) << 7)
	return out
}

func edAdd(a, b edPoint) edPoint {
	x1x2 := new(big.Int).Mul(a.x, b.x)
	y1y2 := new(big.Int).Mul(a.y, b.y)
	t := new(big.Int).Mul(edD, new(big.Int).Mul(x1x2, y1y2))
	x := edDiv(new(big.Int).Add(new(big.Int).Mul(a.x, b.y), new(big.Int).Mul(a.y, b.x)), new(big.Int).Add(big.NewInt(1), t))
	y := edDiv(new(big.Int).Add(y1y2, x1x2), new(big.Int).Sub(big.NewInt(1), t))
	return edPoint{x, y}
}

func edMul(k *big.Int, q edPoint) edPoint {
	r := edPoint{big.NewInt(0), big.NewInt(1)}
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = edAdd(r, r)
		if k.Bit(i) == 1 {
			r = edAdd(r, q)
		}
	}
	return r
}

// TestEd25519SpecMatchesGo checks the algorithm of spec/notation.md
// against crypto/ed25519.Verify on every ed25519/verify vector and on
// random corruptions of them.
func TestEd25519SpecMatchesGo(t *testing.T) {
	cases, err := LoadDir(os.DirFS("."))
	require.NoError(t, err)
	r := rand.New(rand.NewChaCha8([32]byte{'e', 'd'}))
	n := 0
	for path, c := range cases {
		if !strings.HasPrefix(path, "ed25519/verify/") {
			continue
		}
		pub, msg, sig := in(c, "public_key"), in(c, "message"), in(c, "signature")
		require.Equal(t, c.Expect == Valid, specVerify(pub, msg, sig), "%s: %s", path, c.Comment)
		require.Equal(t, ed25519.Verify(pub, msg, sig), specVerify(pub, msg, sig), path)
		for range 8 {
			p2, s2 := append([]byte(nil), pub...), append([]byte(nil), sig...)
			if len(s2) == 64 && r.IntN(2) == 0 {
				s2[r.IntN(64)] ^= 1 << r.IntN(8)
			} else {
				p2[r.IntN(32)] ^= 1 << r.IntN(8)
			}
			require.Equal(t, ed25519.Verify(p2, msg, s2), specVerify(p2, msg, s2), "%s corrupted", path)
		}
		n++
	}
	require.GreaterOrEqual(t, n, 15)
}
