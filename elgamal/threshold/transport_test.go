package threshold

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"encoding/hex"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// transportRand is a deterministic reader for the transport tests.
func transportRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return mrand.NewChaCha8(s)
}

func transportHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// transportKey returns a deterministic X25519 transport key.
func transportKey(t testing.TB, seed byte) *ecdh.PrivateKey {
	t.Helper()
	var b [32]byte
	_, err := io.ReadFull(transportRand(seed), b[:])
	require.NoError(t, err)
	k, err := ecdh.X25519().NewPrivateKey(b[:])
	require.NoError(t, err)
	return k
}

func transportScalar(t testing.TB, seed byte) *elgamal.Scalar {
	t.Helper()
	s, err := elgamal.RandomScalar(transportRand(seed))
	require.NoError(t, err)
	return s
}

func transportCeremony(seed byte) [32]byte {
	var c [32]byte
	for i := range c {
		c[i] = seed + byte(i)
	}
	return c
}

// TestHPKEVectorRFC9180 checks the HPKE primitives against RFC 9180
// Appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// ChaCha20Poly1305, base mode.
func TestHPKEVectorRFC9180(t *testing.T) {
	h := func(s string) []byte { return transportHex(t, s) }
	info := h("4f6465206f6e2061204772656369616e2055726e")
	ikmE := h("909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b")
	pkEm := h("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a")
	skEm := h("f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600")
	ikmR := h("1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df")
	pkRm := h("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a")
	skRm := h("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb")
	enc := h("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a")
	sharedSecret := h("0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7")
	key := h("ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91")
	baseNonce := h("5c4d98150661b848853b547f")
	// First encryption, sequence number 0 (its nonce is base_nonce).
	aad := h("436f756e742d30")
	pt := h("4265617574792069732074727574682c20747275746820626561757479")
	ct := h("1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28")

	skE, err := hpkeDeriveKeyPair(ikmE)
	require.NoError(t, err)
	assert.Equal(t, skEm, skE.Bytes(), "skEm")
	assert.Equal(t, pkEm, skE.PublicKey().Bytes(), "pkEm")

	skR, err := hpkeDeriveKeyPair(ikmR)
	require.NoError(t, err)
	assert.Equal(t, skRm, skR.Bytes(), "skRm")
	assert.Equal(t, pkRm, skR.PublicKey().Bytes(), "pkRm")

	ss, gotEnc, err := hpkeEncap(skR.PublicKey(), skE)
	require.NoError(t, err)
	assert.Equal(t, enc, gotEnc, "enc")
	assert.Equal(t, sharedSecret, ss, "shared_secret")

	ss2, err := hpkeDecap(enc, skR)
	require.NoError(t, err)
	assert.Equal(t, sharedSecret, ss2, "shared_secret (decap)")

	gotKey, gotNonce := hpkeKeyScheduleBase(ss, info)
	assert.Equal(t, key, gotKey, "key")
	assert.Equal(t, baseNonce, gotNonce, "base_nonce")

	sealed, err := hpkeSealBase(skR.PublicKey(), skE, info, aad, pt)
	require.NoError(t, err)
	assert.Equal(t, append(append([]byte{}, enc...), ct...), sealed, "enc ‖ ct")

	opened, err := hpkeOpenBase(skR, info, aad, sealed)
	require.NoError(t, err)
	assert.Equal(t, pt, opened, "pt")

	// The vector through the public key pair of crypto/hpke, as a second
	// opinion on the vector's encoding.
	kem := hpke.DHKEM(ecdh.X25519())
	stdR, err := kem.DeriveKeyPair(ikmR)
	require.NoError(t, err)
	assert.Equal(t, pkRm, stdR.PublicKey().Bytes())
}

// TestSealShareKnownAnswer pins the encoding: a change here breaks every
// ceremony in progress.
func TestSealShareKnownAnswer(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x42}, 32)
	skR, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x07}, 32))
	require.NoError(t, err)
	share := new(elgamal.Scalar).SetUint64(0x0123456789abcdef)
	var ceremony [32]byte
	copy(ceremony[:], "urna transport known-answer test")

	sealed, err := SealShare(bytes.NewReader(ikm), skR.PublicKey(), ceremony, 3, 5, share)
	require.NoError(t, err)
	assert.Equal(t, sealShareKAT, hex.EncodeToString(sealed[:]))

	// enc is the public key DeriveKeyPair(ikm) of RFC 9180 §7.1.3.
	stdE, err := hpke.DHKEM(ecdh.X25519()).DeriveKeyPair(ikm)
	require.NoError(t, err)
	assert.Equal(t, stdE.PublicKey().Bytes(), sealed[:32])

	got, err := OpenShare(skR, ceremony, 3, 5, &sealed)
	require.NoError(t, err)
	assert.Equal(t, 1, got.Equal(share))

	// crypto/hpke opens the pinned bytes with the spec's info string.
	priv, err := hpke.NewDHKEMPrivateKey(skR)
	require.NoError(t, err)
	info := append([]byte("urna/v1/dkg/share"), ceremony[:]...)
	info = append(info, 0, 0, 0, 3, 0, 0, 0, 5)
	pt, err := hpke.Open(priv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, transportHex(t, sealShareKAT))
	require.NoError(t, err)
	assert.Equal(t, share.Bytes(), pt)
}

const sealShareKAT = "ae3bf1cd87c2d2ed25af4a1a239eed04a990f00e7403e4c8065927de010fd17a" +
	"314cf1bb3c960c53d1342ef5a8278e5004dd50b94567e5312d29f81e6689306ca920957ce270bfdb122e5076690374f8"

func TestShareInfo(t *testing.T) {
	c := transportCeremony(1)
	info := shareInfo(c, 0x01020304, 0x0a0b0c0d)
	want := append([]byte("urna/v1/dkg/share"), c[:]...)
	want = append(want, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d)
	assert.Equal(t, want, info)
	assert.Len(t, info, 17+32+8)
}

func TestSealShareRoundTrip(t *testing.T) {
	rnd := transportRand(1)
	for i := range 20 {
		key := transportKey(t, byte(100+i))
		share := transportScalar(t, byte(i))
		c := transportCeremony(byte(i))
		dealer, recipient := uint32(i+1), uint32(64-i)
		sealed, err := SealShare(rnd, key.PublicKey(), c, dealer, recipient, share)
		require.NoError(t, err)
		got, err := OpenShare(key, c, dealer, recipient, &sealed)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Equal(share), "share %d", i)
	}
	// Zero and ℓ−1 are canonical too.
	key := transportKey(t, 1)
	for _, s := range []*elgamal.Scalar{elgamal.NewScalar(), new(elgamal.Scalar).Negate(new(elgamal.Scalar).SetUint64(1))} {
		sealed, err := SealShare(rnd, key.PublicKey(), [32]byte{}, 1, 2, s)
		require.NoError(t, err)
		got, err := OpenShare(key, [32]byte{}, 1, 2, &sealed)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Equal(s))
	}
}

func TestSealShareDeterministic(t *testing.T) {
	key := transportKey(t, 1)
	share := transportScalar(t, 2)
	c := transportCeremony(3)
	a, err := SealShare(transportRand(9), key.PublicKey(), c, 1, 2, share)
	require.NoError(t, err)
	b, err := SealShare(transportRand(9), key.PublicKey(), c, 1, 2, share)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same rand, same output")
	d, err := SealShare(transportRand(10), key.PublicKey(), c, 1, 2, share)
	require.NoError(t, err)
	assert.NotEqual(t, a[:32], d[:32], "another rand, another ephemeral key")
	assert.NotEqual(t, a[32:], d[32:])

	// Exactly 32 bytes of randomness are used.
	r := bytes.NewReader(make([]byte, 40))
	_, err = SealShare(r, key.PublicKey(), c, 1, 2, share)
	require.NoError(t, err)
	assert.Equal(t, 8, r.Len())
}

func TestOpenShareWrongContext(t *testing.T) {
	key := transportKey(t, 1)
	other := transportKey(t, 2)
	share := transportScalar(t, 3)
	c := transportCeremony(4)
	sealed, err := SealShare(transportRand(5), key.PublicKey(), c, 2, 7, share)
	require.NoError(t, err)

	cases := []struct {
		name      string
		key       *ecdh.PrivateKey
		ceremony  [32]byte
		dealer    uint32
		recipient uint32
	}{
		{"wrong ceremony", key, transportCeremony(5), 2, 7},
		{"ceremony off by one bit", key, func() [32]byte { d := c; d[31] ^= 1; return d }(), 2, 7},
		{"wrong dealer", key, c, 3, 7},
		{"wrong recipient index", key, c, 2, 6},
		{"dealer and recipient swapped", key, c, 7, 2},
		{"wrong recipient key", other, c, 2, 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OpenShare(tc.key, tc.ceremony, tc.dealer, tc.recipient, &sealed)
			require.ErrorIs(t, err, ErrShareDecrypt)
			assert.NotErrorIs(t, err, elgamal.ErrNonCanonical)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), "dealer")
		})
	}
	_, err = OpenShare(key, c, 2, 7, &sealed)
	require.NoError(t, err, "the untouched share still opens")
}

func TestOpenShareTampered(t *testing.T) {
	key := transportKey(t, 1)
	c := transportCeremony(2)
	sealed, err := SealShare(transportRand(3), key.PublicKey(), c, 1, 2, transportScalar(t, 4))
	require.NoError(t, err)
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			bad := sealed
			bad[i] ^= mask
			_, err := OpenShare(key, c, 1, 2, &bad)
			require.ErrorIs(t, err, ErrShareDecrypt, "byte %d ^ %#x", i, mask)
		}
	}
	// A missing share.
	_, err = OpenShare(key, c, 1, 2, nil)
	require.ErrorIs(t, err, ErrShareDecrypt)
}

// TestOpenShareLowOrderEnc checks that an encapsulated key that is a
// low-order point, which makes the X25519 output all zero, is a decryption
// failure and not a panic or a share derived from a known secret.
func TestOpenShareLowOrderEnc(t *testing.T) {
	key := transportKey(t, 1)
	lowOrder := []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	}
	for _, e := range lowOrder {
		var sealed [EncryptedShareSize]byte
		copy(sealed[:], transportHex(t, e))
		_, err := OpenShare(key, [32]byte{}, 1, 2, &sealed)
		require.ErrorIs(t, err, ErrShareDecrypt, e)
	}
}

func TestOpenShareNonCanonical(t *testing.T) {
	key := transportKey(t, 1)
	c := transportCeremony(2)
	info := shareInfo(c, 1, 2)
	// ℓ itself, and 2^256 − 1.
	ell := transportHex(t, "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	for _, pt := range [][]byte{ell, bytes.Repeat([]byte{0xff}, 32)} {
		skE, err := hpkeDeriveKeyPair(bytes.Repeat([]byte{9}, 32))
		require.NoError(t, err)
		b, err := hpkeSealBase(key.PublicKey(), skE, info, nil, pt)
		require.NoError(t, err)
		require.Len(t, b, EncryptedShareSize)
		var sealed [EncryptedShareSize]byte
		copy(sealed[:], b)
		got, err := OpenShare(key, c, 1, 2, &sealed)
		require.ErrorIs(t, err, elgamal.ErrNonCanonical)
		assert.NotErrorIs(t, err, ErrShareDecrypt)
		assert.Nil(t, got)

		// The same through crypto/hpke's sender.
		pub, err := hpke.NewDHKEMPublicKey(key.PublicKey())
		require.NoError(t, err)
		b, err = hpke.Seal(pub, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, pt)
		require.NoError(t, err)
		copy(sealed[:], b)
		_, err = OpenShare(key, c, 1, 2, &sealed)
		require.ErrorIs(t, err, elgamal.ErrNonCanonical)
	}
}

// TestShareHPKEInterop checks SealShare and OpenShare against the standard
// library's HPKE both ways.
func TestShareHPKEInterop(t *testing.T) {
	rnd := transportRand(7)
	for i := range 16 {
		key := transportKey(t, byte(i))
		share := transportScalar(t, byte(50+i))
		c := transportCeremony(byte(3 * i))
		dealer, recipient := uint32(i+1), uint32(i+2)
		info := shareInfo(c, dealer, recipient)
		priv, err := hpke.NewDHKEMPrivateKey(key)
		require.NoError(t, err)
		pub, err := hpke.NewDHKEMPublicKey(key.PublicKey())
		require.NoError(t, err)

		// urna → crypto/hpke.
		sealed, err := SealShare(rnd, key.PublicKey(), c, dealer, recipient, share)
		require.NoError(t, err)
		pt, err := hpke.Open(priv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, sealed[:])
		require.NoError(t, err)
		assert.Equal(t, share.Bytes(), pt)
		// The info string is bound: crypto/hpke refuses another one.
		_, err = hpke.Open(priv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), shareInfo(c, recipient, dealer), sealed[:])
		assert.Error(t, err)

		// crypto/hpke → urna.
		b, err := hpke.Seal(pub, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, share.Bytes())
		require.NoError(t, err)
		require.Len(t, b, EncryptedShareSize)
		var std [EncryptedShareSize]byte
		copy(std[:], b)
		got, err := OpenShare(key, c, dealer, recipient, &std)
		require.NoError(t, err)
		assert.Equal(t, 1, got.Equal(share))
		_, err = OpenShare(key, c, dealer, recipient+1, &std)
		assert.ErrorIs(t, err, ErrShareDecrypt)
	}

	// DeriveKeyPair agrees with crypto/hpke's on random inputs.
	kem := hpke.DHKEM(ecdh.X25519())
	for range 32 {
		ikm := make([]byte, 32)
		_, _ = io.ReadFull(rnd, ikm)
		ours, err := hpkeDeriveKeyPair(ikm)
		require.NoError(t, err)
		theirs, err := kem.DeriveKeyPair(ikm)
		require.NoError(t, err)
		assert.Equal(t, theirs.PublicKey().Bytes(), ours.PublicKey().Bytes())
	}
}

func TestSealShareErrors(t *testing.T) {
	key := transportKey(t, 1)
	share := transportScalar(t, 2)

	_, err := SealShare(transportRand(1), nil, [32]byte{}, 1, 2, share)
	assert.ErrorContains(t, err, "X25519")

	p256, err := ecdh.P256().GenerateKey(transportRand(1))
	require.NoError(t, err)
	_, err = SealShare(transportRand(1), p256.PublicKey(), [32]byte{}, 1, 2, share)
	assert.ErrorContains(t, err, "X25519")

	_, err = SealShare(transportRand(1), key.PublicKey(), [32]byte{}, 1, 2, nil)
	assert.ErrorContains(t, err, "nil share")

	_, err = SealShare(bytes.NewReader(make([]byte, 31)), key.PublicKey(), [32]byte{}, 1, 2, share)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// A low-order recipient key gives an all-zero shared secret: refused.
	zero, err := ecdh.X25519().NewPublicKey(make([]byte, 32))
	require.NoError(t, err)
	_, err = SealShare(transportRand(1), zero, [32]byte{}, 1, 2, share)
	assert.ErrorContains(t, err, "recipient transport key")

	_, err = OpenShare(nil, [32]byte{}, 1, 2, &[EncryptedShareSize]byte{})
	assert.ErrorContains(t, err, "X25519")
	_, err = OpenShare(p256, [32]byte{}, 1, 2, &[EncryptedShareSize]byte{})
	assert.ErrorContains(t, err, "X25519")
}

func FuzzOpenShare(f *testing.F) {
	key := transportKey(f, 1)
	c := transportCeremony(2)
	sealed, err := SealShare(transportRand(3), key.PublicKey(), c, 1, 2, transportScalar(f, 4))
	require.NoError(f, err)
	f.Add(sealed[:], uint32(1), uint32(2))
	f.Add(make([]byte, EncryptedShareSize), uint32(0), uint32(0))
	f.Add(bytes.Repeat([]byte{0xff}, EncryptedShareSize), uint32(1), uint32(2))
	f.Fuzz(func(t *testing.T, b []byte, dealer, recipient uint32) {
		var in [EncryptedShareSize]byte
		copy(in[:], b)
		s, err := OpenShare(key, c, dealer, recipient, &in)
		if err != nil {
			if s != nil || !(errors.Is(err, ErrShareDecrypt) || errors.Is(err, elgamal.ErrNonCanonical)) {
				t.Fatalf("untyped error or result with error: %v", err)
			}
			return
		}
		if in != sealed || dealer != 1 || recipient != 2 {
			t.Fatalf("forged share opened: %x (dealer %d, recipient %d)", in, dealer, recipient)
		}
	})
}

func BenchmarkSealShare(b *testing.B) {
	key := transportKey(b, 1)
	share := transportScalar(b, 2)
	c := transportCeremony(3)
	rnd := transportRand(4)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SealShare(rnd, key.PublicKey(), c, 1, 2, share); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenShare(b *testing.B) {
	key := transportKey(b, 1)
	c := transportCeremony(3)
	sealed, err := SealShare(transportRand(4), key.PublicKey(), c, 1, 2, transportScalar(b, 2))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenShare(key, c, 1, 2, &sealed); err != nil {
			b.Fatal(err)
		}
	}
}
