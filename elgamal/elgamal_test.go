package elgamal

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEncryptDecrypt(t *testing.T) {
	r := newTestRand(10)
	k, err := GenerateKey(r)
	require.NoError(t, err)
	pk := k.PublicKey()
	for i := 0; i < 20; i++ {
		m := r.element()
		c, nonce, err := pk.Encrypt(m, r)
		require.NoError(t, err)
		require.Equal(t, 1, k.Decrypt(c).Equal(m))
		// α = r·G and β = M + r·H.
		require.Equal(t, 1, c.Alpha.Equal(new(Element).ScalarBaseMult(nonce)))
		require.Equal(t, 1, pk.EncryptWithNonce(m, nonce).Equal(c))

		d, _, err := pk.ReEncrypt(c, r)
		require.NoError(t, err)
		require.Equal(t, 0, d.Equal(c), "re-encryption changes the ciphertext")
		require.Equal(t, 0, d.Alpha.Equal(&c.Alpha))
		require.Equal(t, 0, d.Beta.Equal(&c.Beta))
		require.Equal(t, 1, k.Decrypt(d).Equal(m))
	}
}

func TestFixedBaseMatchesScalarMult(t *testing.T) {
	r := newTestRand(11)
	k, err := GenerateKey(r)
	require.NoError(t, err)
	pk := k.PublicKey()
	edge := []*Scalar{NewScalar(), new(Scalar).SetUint64(1), new(Scalar).Negate(new(Scalar).SetUint64(1))}
	for i := 0; i < 50; i++ {
		edge = append(edge, r.scalar())
	}
	for _, s := range edge {
		require.Equal(t, 1, pk.ScalarMult(s).Equal(new(Element).ScalarMult(s, pk.Element())))
	}
}

func TestHomomorphicAddition(t *testing.T) {
	r := newTestRand(12)
	k, _ := GenerateKey(r)
	pk := k.PublicKey()
	table, err := NewDLogTable(1000)
	require.NoError(t, err)
	sum := NewCiphertext()
	want := uint64(0)
	for i := uint64(0); i < 30; i++ {
		c, _, err := pk.EncryptInt(i%3, r)
		require.NoError(t, err)
		sum.Add(sum, c)
		want += i % 3
	}
	got, err := table.Lookup(k.Decrypt(sum))
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestVectors(t *testing.T) {
	r := newTestRand(13)
	k, _ := GenerateKey(r)
	pk := k.PublicKey()
	ms := []*Element{r.element(), r.element(), NewElement()}
	v, rs, err := pk.EncryptVector(ms, r)
	require.NoError(t, err)
	require.Len(t, rs, 3)
	for i, m := range k.DecryptVector(v) {
		require.Equal(t, 1, m.Equal(ms[i]))
	}
	w, _, err := pk.ReEncryptVector(v, r)
	require.NoError(t, err)
	for i, m := range k.DecryptVector(w) {
		require.Equal(t, 1, m.Equal(ms[i]))
		require.Equal(t, 0, w[i].Alpha.Equal(&v[i].Alpha), "each component re-randomised")
	}
	sum := make(CiphertextVector, 3)
	require.NoError(t, sum.Add(v, w))
	require.Equal(t, 1, k.Decrypt(&sum[0]).Equal(new(Element).Add(ms[0], ms[0])))
	require.ErrorIs(t, sum.Add(v, w[:2]), ErrWidth)

	enc := v.Bytes()
	got, err := ParseCiphertextVector(enc, 3)
	require.NoError(t, err)
	require.Equal(t, enc, got.Bytes())
	_, err = ParseCiphertextVector(enc, 2)
	require.ErrorIs(t, err, ErrLength)
	bad := append([]byte(nil), enc...)
	copy(bad[2*CiphertextSize:], make([]byte, 32)) // identity α in component 2
	_, err = ParseCiphertextVector(bad, 3)
	require.ErrorIs(t, err, ErrIdentity)
	require.ErrorContains(t, err, "component 2: ciphertext: alpha")
}

func TestKeys(t *testing.T) {
	_, err := NewPrivateKey(NewScalar())
	require.ErrorIs(t, err, ErrZeroScalar)
	_, err = NewPublicKey(NewElement())
	require.ErrorIs(t, err, ErrIdentity)
	_, err = ParsePublicKey(make([]byte, 32))
	require.ErrorIs(t, err, ErrIdentity)
	_, err = ParsePublicKey(mustHex(t, rfc9496.Invalid[0].Encoding))
	require.ErrorIs(t, err, ErrNonCanonical)
	k, _ := GenerateKey(newTestRand(14))
	pk, err := ParsePublicKey(k.PublicKey().Bytes())
	require.NoError(t, err)
	require.True(t, pk.Equal(k.PublicKey()))
	require.Equal(t, 1, new(Element).ScalarBaseMult(k.Scalar()).Equal(pk.Element()))
	_, err = GenerateKey(bytes.NewReader(nil))
	require.Error(t, err)
}

func TestCiphertextDecoding(t *testing.T) {
	r := newTestRand(15)
	k, _ := GenerateKey(r)
	c, _, _ := k.PublicKey().EncryptInt(1, r)
	enc := c.Bytes()
	d, err := new(Ciphertext).SetCanonicalBytes(enc)
	require.NoError(t, err)
	require.Equal(t, 1, d.Equal(c))

	for _, tc := range []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"short", enc[:63], ErrLength, "ciphertext"},
		{"identity alpha", append(make([]byte, 32), enc[32:]...), ErrIdentity, "alpha"},
		{"non-canonical alpha", append(mustHex(t, rfc9496.Invalid[1].Encoding), enc[32:]...), ErrNonCanonical, "alpha"},
		{"non-canonical beta", append(append([]byte(nil), enc[:32]...), mustHex(t, rfc9496.Invalid[4].Encoding)...), ErrNonCanonical, "beta"},
	} {
		_, err := new(Ciphertext).SetCanonicalBytes(tc.b)
		require.ErrorIs(t, err, tc.want, tc.name)
		require.ErrorContains(t, err, tc.msg, tc.name)
	}
}

func TestDLog(t *testing.T) {
	table, err := NewDLogTable(10000)
	require.NoError(t, err)
	require.Equal(t, uint64(10000), table.Max())
	for _, m := range []uint64{0, 1, 2, 99, 100, 101, 5000, 9999, 10000} {
		got, err := table.Lookup(new(Element).ScalarBaseMult(new(Scalar).SetUint64(m)))
		require.NoError(t, err, m)
		require.Equal(t, m, got)
	}
	_, err = table.Lookup(new(Element).ScalarBaseMult(new(Scalar).SetUint64(10001)))
	require.ErrorIs(t, err, ErrDLogNotFound)
	_, err = table.Lookup(newTestRand(16).element())
	require.ErrorIs(t, err, ErrDLogNotFound)
	// A representative with a torsion component still matches: lookups
	// compare canonical encodings.
	tiny, err := NewDLogTable(0)
	require.NoError(t, err)
	got, err := tiny.Lookup(NewElement())
	require.NoError(t, err)
	require.Equal(t, uint64(0), got)
}

func TestDLogLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10^8 table")
	}
	table, err := NewDLogTable(100_000_000)
	require.NoError(t, err)
	for _, m := range []uint64{0, 12345678, 99_999_999, 100_000_000} {
		got, err := table.Lookup(new(Element).ScalarBaseMult(new(Scalar).SetUint64(m)))
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
}

func TestData(t *testing.T) {
	r := newTestRand(17)
	seen := map[string]string{}
	for n := 0; n <= MaxDataSize; n++ {
		for i := 0; i < 8; i++ {
			data := make([]byte, n)
			r.Read(data)
			if i == 0 {
				data = make([]byte, n) // all zeros: must differ from shorter zero data
			}
			e, err := EncodeData(data)
			require.NoError(t, err)
			enc := string(e.Bytes())
			if prev, ok := seen[enc]; ok {
				require.Equal(t, prev, string(data), "injective")
			}
			seen[enc] = string(data)
			got, err := DecodeData(e)
			require.NoError(t, err)
			require.Equal(t, data, got)
			// Survives encryption and decryption.
			k, _ := GenerateKey(r)
			c, _, _ := k.PublicKey().Encrypt(e, r)
			got, err = DecodeData(k.Decrypt(c))
			require.NoError(t, err)
			require.Equal(t, data, got)
		}
	}
	_, err := EncodeData(make([]byte, 31))
	require.ErrorIs(t, err, ErrDataTooLong)

	// The same data with a later counter that also decodes is rejected, so
	// each data value has exactly one element.
	e, err := EncodeData([]byte("later counter"))
	require.NoError(t, err)
	s := e.Bytes()
	found := false
	for k := int(s[0])/2 + 1; k < dataTries && !found; k++ {
		s[0] = byte(2 * k)
		if other, err := new(Element).SetCanonicalBytes(s); err == nil {
			_, err = DecodeData(other)
			require.ErrorIs(t, err, ErrNotData)
			found = true
		}
	}
	require.True(t, found)
	notData := 0
	for i := 0; i < 50; i++ {
		if _, err := DecodeData(r.element()); errors.Is(err, ErrNotData) {
			notData++
		}
	}
	require.Equal(t, 50, notData, "random elements are not data")
}

func FuzzEncodeData(f *testing.F) {
	f.Add([]byte("candidate 7"))
	f.Add(make([]byte, 30))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := EncodeData(data)
		if len(data) > MaxDataSize {
			if !errors.Is(err, ErrDataTooLong) {
				t.Fatalf("want ErrDataTooLong, got %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeData(e)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip %x → %x, %v", data, got, err)
		}
	})
}

func FuzzDecodeData(f *testing.F) {
	e, _ := EncodeData([]byte("x"))
	f.Add(e.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := new(Element).SetCanonicalBytes(b)
		if err != nil {
			return
		}
		data, err := DecodeData(e)
		if err != nil {
			if !errors.Is(err, ErrNotData) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		e2, err := EncodeData(data)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := DecodeData(e2)
		if err != nil || !bytes.Equal(d2, data) {
			t.Fatalf("re-encoding %x failed", data)
		}
	})
}

func FuzzCiphertextDecode(f *testing.F) {
	r := newTestRand(18)
	k, _ := GenerateKey(r)
	c, _, _ := k.PublicKey().EncryptInt(1, r)
	f.Add(c.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := new(Ciphertext).SetCanonicalBytes(b)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrNonCanonical) && !errors.Is(err, ErrIdentity) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatal("round trip")
		}
	})
}

func FuzzParseCiphertextVector(f *testing.F) {
	r := newTestRand(19)
	k, _ := GenerateKey(r)
	v, _, _ := k.PublicKey().EncryptVector([]*Element{r.element(), r.element()}, r)
	f.Add(v.Bytes(), 2)
	f.Fuzz(func(t *testing.T, b []byte, width int) {
		v, err := ParseCiphertextVector(b, width)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrNonCanonical) && !errors.Is(err, ErrIdentity) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(v.Bytes(), b) {
			t.Fatal("round trip")
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add(NewGeneratorElement().Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := ParsePublicKey(b)
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrNonCanonical) && !errors.Is(err, ErrIdentity) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(pk.Bytes(), b) {
			t.Fatal("round trip")
		}
	})
}
