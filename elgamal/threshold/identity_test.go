package threshold

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"filippo.io/edwards25519"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func identityRand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	s[1] = 'i'
	return mrand.NewChaCha8(s)
}

func testIdentity(t testing.TB, name string, seed byte) *Identity {
	t.Helper()
	id, err := NewIdentity(name, identityRand(seed))
	require.NoError(t, err)
	return id
}

func TestNewIdentityDeterministic(t *testing.T) {
	a := testIdentity(t, "Alice", 1)
	b := testIdentity(t, "Alice", 1)
	c := testIdentity(t, "Alice", 2)
	assert.Equal(t, a.SigningKey, b.SigningKey)
	assert.Equal(t, a.TransportKey.Bytes(), b.TransportKey.Bytes())
	assert.NotEqual(t, a.SigningKey, c.SigningKey)
	assert.NotEqual(t, a.TransportKey.Bytes(), c.TransportKey.Bytes())

	// The keys are the seed and the private key, in that order.
	raw := make([]byte, 64)
	_, err := io.ReadFull(identityRand(1), raw)
	require.NoError(t, err)
	assert.Equal(t, raw[:32], a.SigningKey.Seed())
	assert.Equal(t, raw[32:], a.TransportKey.Bytes())

	// Exactly 64 bytes are read.
	r := bytes.NewReader(make([]byte, 70))
	_, err = NewIdentity("Bob", r)
	require.NoError(t, err)
	assert.Equal(t, 6, r.Len())

	_, err = NewIdentity("Bob", bytes.NewReader(make([]byte, 63)))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	// The keys work.
	msg := []byte("entry")
	assert.True(t, ed25519.Verify(a.Public().SigningKey, msg, ed25519.Sign(a.SigningKey, msg)))
	s1, err := a.TransportKey.ECDH(c.TransportKey.PublicKey())
	require.NoError(t, err)
	s2, err := c.TransportKey.ECDH(a.TransportKey.PublicKey())
	require.NoError(t, err)
	assert.Equal(t, s1, s2)
}

func TestIdentityNames(t *testing.T) {
	good := []string{
		"Alice", "a", "Zoë Ångström", "李小龙", "Trustee #3 (Legal)", "O'Brien-Smith",
		"a b", strings.Repeat("x", MaxNameLength), strings.Repeat("é", MaxNameLength/2),
	}
	for _, n := range good {
		_, err := NewIdentity(n, identityRand(1))
		assert.NoError(t, err, "%q", n)
	}
	bad := []string{
		"", strings.Repeat("x", MaxNameLength+1), strings.Repeat("é", MaxNameLength/2+1),
		"a\nb", "a\r", "\nA", "a\tb", "a\x00b", "\x7f", "bad \xff utf-8", "\xc3",
		" Alice", "Alice ", " ",
		"a\u00a0b", // no-break space
		"a\u2028b", // line separator
		"a\u202eb", // right-to-left override
		"a\u200db", // zero-width joiner
		"a\ufeffb", // byte order mark
	}
	for _, n := range bad {
		_, err := NewIdentity(n, identityRand(1))
		assert.ErrorIs(t, err, ErrTrusteeIdentity, "%q", n)
		if err != nil {
			assert.Contains(t, err.Error(), "name")
		}
	}
}

func TestIdentityBinaryRoundTrip(t *testing.T) {
	id := testIdentity(t, "Zoë", 3)
	b, err := id.MarshalBinary()
	require.NoError(t, err)

	// The layout of the encoding.
	want := []byte("urna/v1/trustee-identity\n")
	want = binary.BigEndian.AppendUint16(want, uint16(len("Zoë")))
	want = append(want, "Zoë"...)
	want = append(want, id.SigningKey.Seed()...)
	want = append(want, id.TransportKey.Bytes()...)
	assert.Equal(t, want, b)

	got, err := ParseIdentity(b)
	require.NoError(t, err)
	assert.Equal(t, id.Name, got.Name)
	assert.Equal(t, id.SigningKey, got.SigningKey)
	assert.True(t, id.TransportKey.Equal(got.TransportKey))
	assert.Equal(t, id.Public().SigningKey, got.Public().SigningKey)
	assert.True(t, id.Public().TransportKey.Equal(got.Public().TransportKey))
}

func TestParseIdentityErrors(t *testing.T) {
	id := testIdentity(t, "Alice", 4)
	good, err := id.MarshalBinary()
	require.NoError(t, err)
	nameOff := len(identityDomain)

	for n := range len(good) {
		_, err := ParseIdentity(good[:n])
		require.ErrorIs(t, err, ErrTrusteeIdentity, "truncated to %d bytes", n)
	}
	_, err = ParseIdentity(good[:len(good)-1])
	assert.ErrorContains(t, err, "transport key")
	_, err = ParseIdentity(good[:nameOff+2+5+10])
	assert.ErrorContains(t, err, "signing key seed")
	_, err = ParseIdentity(good[:nameOff+4])
	assert.ErrorContains(t, err, "name")

	_, err = ParseIdentity(append(append([]byte{}, good...), 0))
	assert.ErrorContains(t, err, "trailing")

	bad := append([]byte{}, good...)
	bad[5] = 'X'
	_, err = ParseIdentity(bad)
	assert.ErrorContains(t, err, "domain")

	// The name length field claims more or fewer bytes than there are.
	for _, l := range []uint16{0, 4, 6, 0xffff} {
		bad := append([]byte{}, good...)
		binary.BigEndian.PutUint16(bad[nameOff:], l)
		_, err := ParseIdentity(bad)
		assert.ErrorIs(t, err, ErrTrusteeIdentity, "name length %d", l)
	}

	// A bad name inside a well-formed encoding.
	bad = append([]byte{}, good...)
	bad[nameOff+2+1] = '\n'
	_, err = ParseIdentity(bad)
	assert.ErrorIs(t, err, ErrTrusteeIdentity)
	assert.ErrorContains(t, err, "name")

	_, err = ParseIdentity(nil)
	assert.ErrorIs(t, err, ErrTrusteeIdentity)
}

func TestIdentityMarshalIncomplete(t *testing.T) {
	id := testIdentity(t, "Alice", 5)
	for name, bad := range map[string]*Identity{
		"no transport key":  {Name: id.Name, SigningKey: id.SigningKey},
		"short signing key": {Name: id.Name, SigningKey: id.SigningKey[:32], TransportKey: id.TransportKey},
		"bad name":          {Name: "", SigningKey: id.SigningKey, TransportKey: id.TransportKey},
	} {
		_, err := bad.MarshalBinary()
		assert.ErrorIs(t, err, ErrTrusteeIdentity, name)
	}
	p256, err := ecdh.P256().GenerateKey(identityRand(1))
	require.NoError(t, err)
	_, err = (&Identity{Name: "A", SigningKey: id.SigningKey, TransportKey: p256}).MarshalBinary()
	assert.ErrorContains(t, err, "X25519")
}

var publicIdentityRE = regexp.MustCompile(`^urna-trustee/v1 [A-Za-z0-9_-]+ [A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43}\n$`)

func TestPublicIdentityText(t *testing.T) {
	for i, name := range []string{"Alice", "Zoë Ångström", "李", strings.Repeat("z", MaxNameLength)} {
		id := testIdentity(t, name, byte(10+i))
		p := id.Public()
		txt, err := p.MarshalText()
		require.NoError(t, err)
		assert.Regexp(t, publicIdentityRE, string(txt))
		f := strings.Fields(string(txt))
		n, err := base64.RawURLEncoding.DecodeString(f[1])
		require.NoError(t, err)
		assert.Equal(t, name, string(n))

		for _, in := range [][]byte{txt, bytes.TrimSuffix(txt, []byte("\n"))} {
			got, err := ParsePublicIdentity(in)
			require.NoError(t, err)
			assert.Equal(t, p.Name, got.Name)
			assert.Equal(t, p.SigningKey, got.SigningKey)
			assert.True(t, p.TransportKey.Equal(got.TransportKey))
		}
	}

	// Parsed identities make a valid setup.
	var s Setup
	s.Threshold = 2
	for i, name := range []string{"A", "B", "C"} {
		txt, err := new(testIdentity(t, name, byte(20+i)).Public()).MarshalText()
		require.NoError(t, err)
		p, err := ParsePublicIdentity(txt)
		require.NoError(t, err)
		s.Trustees = append(s.Trustees, *p)
	}
	require.NoError(t, s.Validate())
	_, err := ParseSetup(s.Bytes())
	require.NoError(t, err)
}

func TestParsePublicIdentityErrors(t *testing.T) {
	p := testIdentity(t, "Alice", 6).Public()
	txt, err := p.MarshalText()
	require.NoError(t, err)
	good := string(txt)
	f := strings.Fields(good)
	b64 := base64.RawURLEncoding.EncodeToString
	line := func(fields ...string) string { return strings.Join(fields, " ") + "\n" }

	// A non-canonical Ed25519 encoding (y = p + 1, that is 1) and one that
	// is not a point.
	nonCanonicalY := append([]byte{0xee}, bytes.Repeat([]byte{0xff}, 30)...)
	nonCanonicalY = append(nonCanonicalY, 0x7f)
	var notPoint []byte
	for i := 2; notPoint == nil; i++ {
		c := make([]byte, 32)
		c[0] = byte(i)
		if _, err := new(edwards25519.Point).SetBytes(c); err != nil {
			notPoint = c
		}
	}
	identity := edwards25519.NewIdentityPoint().Bytes()
	// X25519: p itself, a top bit set, and points of small order.
	pEnc := append([]byte{0xed}, bytes.Repeat([]byte{0xff}, 30)...)
	pEnc = append(pEnc, 0x7f)
	topBit := p.TransportKey.Bytes()
	topBit[31] |= 0x80

	cases := []struct {
		name, in, field string
	}{
		{"empty", "", "urna-trustee/v1"},
		{"newline only", "\n", "urna-trustee/v1"},
		{"wrong version", strings.Replace(good, "/v1", "/v2", 1), "urna-trustee/v1"},
		{"leading space", " " + good, "urna-trustee/v1"},
		{"two newlines", good + "\n", "transport key"},
		{"CRLF", strings.TrimSuffix(good, "\n") + "\r\n", "transport key"},
		{"trailing space", strings.TrimSuffix(good, "\n") + " \n", "fields"},
		{"double space", strings.Replace(good, " ", "  ", 1), "fields"},
		{"tab", strings.Replace(good, " ", "\t", 1), "urna-trustee/v1"},
		{"missing field", line(f[0], f[1], f[2]), "fields"},
		{"extra field", line(f[0], f[1], f[2], f[3], f[3]), "fields"},
		{"padded name", line(f[0], base64.URLEncoding.EncodeToString([]byte("Alice")), f[2], f[3]), "name"},
		{"standard alphabet", line(f[0], base64.StdEncoding.EncodeToString([]byte{0xfb, 0xff}), f[2], f[3]), "name"},
		{"non-zero trailing bits", line(f[0], "QWxpY2V", f[2], f[3]), "name"},
		{"empty name", line(f[0], "", f[2], f[3]), "name"},
		{"name with newline", line(f[0], b64([]byte("Al\nice")), f[2], f[3]), "name"},
		{"name not UTF-8", line(f[0], b64([]byte{0xff, 'A'}), f[2], f[3]), "name"},
		{"name too long", line(f[0], b64(bytes.Repeat([]byte{'a'}, 256)), f[2], f[3]), "name"},
		{"short signing key", line(f[0], f[1], b64(p.SigningKey[:31]), f[3]), "signing key"},
		{"long signing key", line(f[0], f[1], b64(append(p.SigningKey, 0)), f[3]), "signing key"},
		{"non-canonical signing key", line(f[0], f[1], b64(nonCanonicalY), f[3]), "signing key"},
		{"signing key not a point", line(f[0], f[1], b64(notPoint), f[3]), "signing key"},
		{"identity signing key", line(f[0], f[1], b64(identity), f[3]), "signing key"},
		{"short transport key", line(f[0], f[1], f[2], b64(p.TransportKey.Bytes()[:31])), "transport key"},
		{"zero transport key", line(f[0], f[1], f[2], b64(make([]byte, 32))), "transport key"},
		{"transport key u = 1", line(f[0], f[1], f[2], b64(append([]byte{1}, make([]byte, 31)...))), "transport key"},
		{"transport key u = p", line(f[0], f[1], f[2], b64(pEnc)), "transport key"},
		{"transport key top bit", line(f[0], f[1], f[2], b64(topBit)), "transport key"},
		{"order-8 transport key", line(f[0], f[1], f[2], b64(transportHex(t, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"))), "transport key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePublicIdentity([]byte(tc.in))
			require.ErrorIs(t, err, ErrTrusteeIdentity)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), tc.field)
		})
	}

	// MarshalText refuses what ParsePublicIdentity refuses.
	for name, bad := range map[string]PublicIdentity{
		"name":          {Name: "a\nb", SigningKey: p.SigningKey, TransportKey: p.TransportKey},
		"signing key":   {Name: "A", SigningKey: p.SigningKey[:31], TransportKey: p.TransportKey},
		"transport key": {Name: "A", SigningKey: p.SigningKey},
	} {
		_, err := bad.MarshalText()
		assert.ErrorIs(t, err, ErrTrusteeIdentity, name)
		assert.ErrorContains(t, err, name)
	}
	zero, err := ecdh.X25519().NewPublicKey(make([]byte, 32))
	require.NoError(t, err)
	_, err = (&PublicIdentity{Name: "A", SigningKey: p.SigningKey, TransportKey: zero}).MarshalText()
	assert.ErrorContains(t, err, "small order")
}

func FuzzParseIdentity(f *testing.F) {
	for i, name := range []string{"Alice", "Zoë", strings.Repeat("x", 255)} {
		b, err := testIdentity(f, name, byte(i)).MarshalBinary()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte(identityDomain))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := ParseIdentity(b)
		if err != nil {
			if id != nil || !errors.Is(err, ErrTrusteeIdentity) {
				t.Fatalf("untyped error or result with error: %v", err)
			}
			return
		}
		out, err := id.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed identity does not marshal: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("not canonical:\n in  %x\n out %x", b, out)
		}
	})
}

func FuzzParsePublicIdentity(f *testing.F) {
	for i, name := range []string{"Alice", "Zoë Ångström", "李"} {
		txt, err := new(testIdentity(f, name, byte(i)).Public()).MarshalText()
		require.NoError(f, err)
		f.Add(txt)
		f.Add(bytes.TrimSuffix(txt, []byte("\n")))
	}
	f.Add([]byte("urna-trustee/v1 QQ AAAA AAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePublicIdentity(b)
		if err != nil {
			if p != nil || !errors.Is(err, ErrTrusteeIdentity) {
				t.Fatalf("untyped error or result with error: %v", err)
			}
			return
		}
		out, err := p.MarshalText()
		if err != nil {
			t.Fatalf("parsed identity does not marshal: %v", err)
		}
		if want := append(bytes.Clone(bytes.TrimSuffix(b, []byte("\n"))), '\n'); !bytes.Equal(out, want) {
			t.Fatalf("not canonical:\n in  %q\n out %q", b, out)
		}
	})
}
