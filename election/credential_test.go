package election

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func seeded(b byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{b}) }

func TestCredentialDeterministicAndRoundTrip(t *testing.T) {
	c1, err := NewCredential(seeded(1))
	require.NoError(t, err)
	c2, err := NewCredential(seeded(1))
	require.NoError(t, err)
	c3, err := NewCredential(seeded(2))
	require.NoError(t, err)
	assert.Equal(t, c1.Public(), c2.Public())
	assert.NotEqual(t, c1.Public(), c3.Public())
	assert.Len(t, c1.Public(), CredentialPublicSize)
	require.NoError(t, CheckPublicCredential(c1.Public()))

	enc := c1.Bytes()
	assert.True(t, strings.HasPrefix(string(enc), "urna-credential/v1 "))
	assert.True(t, strings.HasSuffix(string(enc), "\n"))
	back, err := ParseCredential(enc)
	require.NoError(t, err)
	assert.Equal(t, c1.Public(), back.Public())
}

func TestParseCredentialStrict(t *testing.T) {
	c, err := NewCredential(seeded(1))
	require.NoError(t, err)
	good := string(c.Bytes())
	for name, bad := range map[string]string{
		"no newline":   strings.TrimSuffix(good, "\n"),
		"crlf":         strings.TrimSuffix(good, "\n") + "\r\n",
		"two newlines": good + "\n",
		"prefix":       strings.Replace(good, "v1", "v2", 1),
		"padding":      strings.TrimSuffix(good, "\n") + "=\n",
		"std base64":   strings.NewReplacer("-", "+", "_", "/").Replace(good) + "",
		"short":        good[:len(good)-3] + "\n",
		"space":        " " + good,
		"empty":        "",
	} {
		if bad == good {
			continue
		}
		_, err := ParseCredential([]byte(bad))
		assert.ErrorIs(t, err, ErrCredential, name)
	}
}

func TestRegistrar(t *testing.T) {
	ids := []string{"voter-3", "voter-1", "voter-2"}
	r, creds, err := GenerateCredentials(ids, seeded(7))
	require.NoError(t, err)
	require.Len(t, creds, len(ids))
	assert.Equal(t, 3, r.Len())
	list := r.PublicList()
	require.Len(t, list, 3)
	for i := 1; i < len(list); i++ {
		assert.Negative(t, bytes.Compare(list[i-1][:], list[i][:]))
	}
	for i, id := range ids {
		pub, ok := r.PublicCredential(id)
		require.True(t, ok)
		assert.Equal(t, creds[i].Public(), ed25519.PublicKey(pub[:]))
		got, ok := r.VoterOf(creds[i].Public())
		require.True(t, ok)
		assert.Equal(t, id, got)
	}
	_, ok := r.PublicCredential("nobody")
	assert.False(t, ok)
	_, ok = r.VoterOf(make([]byte, 32))
	assert.False(t, ok)

	// The same seed gives the same credentials, in the order of the IDs.
	r2, creds2, err := GenerateCredentials(ids, seeded(7))
	require.NoError(t, err)
	assert.Equal(t, r.Bytes(), r2.Bytes())
	for i := range creds {
		assert.Equal(t, creds[i].Bytes(), creds2[i].Bytes())
	}
	src := seeded(7)
	for i := range ids {
		c, err := NewCredential(src)
		require.NoError(t, err)
		assert.Equal(t, c.Bytes(), creds[i].Bytes())
	}

	// Round trips.
	back, err := ParseRegistrar(r.Bytes())
	require.NoError(t, err)
	assert.Equal(t, r.Bytes(), back.Bytes())
	assert.Equal(t, list, back.PublicList())

	pl := MarshalPublicList(list)
	assert.Len(t, pl, 3*32)
	gotList, err := ParsePublicList(pl)
	require.NoError(t, err)
	assert.Equal(t, list, gotList)
}

// TestRegistrarKeepsNoSecret checks the credential flow of spec/ballot.md
// §1.3: after delivery, nothing the registrar keeps can sign a ballot. The
// Registrar type has no method returning a *Credential or a seed (a
// compile-time fact); its file holds only voter IDs and public
// credentials, in the exact layout of the spec, so no seed, private key
// or credential encoding appears in it in any encoding; and the retired
// version 1 file, which held the seeds, is refused.
func TestRegistrarKeepsNoSecret(t *testing.T) {
	ids := []string{"anna", "bo", "Søren"}
	r, creds, err := GenerateCredentials(ids, seeded(9))
	require.NoError(t, err)
	file := r.Bytes()

	// Byte for byte: the header, then "<ID> <base64url(public)>\n" in
	// ascending ID order, and nothing else.
	want := RegistrarHeader
	for _, i := range []int{2, 0, 1} { // "Søren" < "anna" < "bo" bytewise
		want += ids[i] + " " + base64.RawURLEncoding.EncodeToString(creds[i].Public()) + "\n"
	}
	assert.Equal(t, want, string(file))

	for i, c := range creds {
		seed := c.priv.Seed()
		for name, enc := range map[string][]byte{
			"raw seed":        seed,
			"base64url seed":  []byte(base64.RawURLEncoding.EncodeToString(seed)),
			"base64 seed":     []byte(base64.StdEncoding.EncodeToString(seed)),
			"hex seed":        []byte(hex.EncodeToString(seed)),
			"credential file": bytes.TrimSuffix(c.Bytes(), []byte("\n")),
			"private scalar":  []byte(base64.RawURLEncoding.EncodeToString(c.priv)),
		} {
			assert.False(t, bytes.Contains(file, enc), "voter %s: %s in the registrar file", ids[i], name)
		}
	}

	// Parsed back, the registrar knows each voter's public credential and
	// nothing else: signing a ballot needs a *Credential, which only the
	// voters hold.
	back, err := ParseRegistrar(file)
	require.NoError(t, err)
	for i, id := range ids {
		pub, ok := back.PublicCredential(id)
		require.True(t, ok)
		assert.Equal(t, creds[i].Public(), ed25519.PublicKey(pub[:]))
	}
	assert.Equal(t, file, back.Bytes())

	// A version 1 file, "<ID> <base64url seed>\n" per voter, is refused.
	v1 := "urna-registrar/v1\n"
	for _, i := range []int{2, 0, 1} {
		v1 += ids[i] + " " + base64.RawURLEncoding.EncodeToString(creds[i].priv.Seed()) + "\n"
	}
	_, err = ParseRegistrar([]byte(v1))
	assert.ErrorIs(t, err, ErrRegistrarV1)
	assert.ErrorIs(t, err, ErrCredential)
	assert.Contains(t, err.Error(), "secret credentials")
}

func TestGenerateCredentialsRejects(t *testing.T) {
	for name, ids := range map[string][]string{
		"none":      nil,
		"empty":     {"a", ""},
		"duplicate": {"a", "b", "a"},
		"space":     {"a b"},
		"control":   {"a\nb"},
		"too long":  {strings.Repeat("x", MaxVoterIDLength+1)},
		"not utf8":  {"\xff"},
	} {
		_, _, err := GenerateCredentials(ids, seeded(1))
		assert.Error(t, err, name)
	}
}

func TestParseRegistrarStrict(t *testing.T) {
	r, _, err := GenerateCredentials([]string{"a", "b"}, seeded(3))
	require.NoError(t, err)
	good := string(r.Bytes())
	lines := strings.SplitAfter(good, "\n")
	for name, bad := range map[string]string{
		"empty":          "",
		"header only":    RegistrarHeader,
		"bad header":     "urna-registrar/v3\n" + strings.Join(lines[1:], ""),
		"v1 header":      "urna-registrar/v1\n" + strings.Join(lines[1:], ""),
		"long pub":       strings.Replace(good, "a ", "a A", 1),
		"small order":    lines[0] + "a AQ" + strings.Repeat("A", 41) + "\n" + lines[2],
		"unsorted":       lines[0] + lines[2] + lines[1],
		"duplicate":      lines[0] + lines[1] + lines[1],
		"no newline":     strings.TrimSuffix(good, "\n"),
		"blank line":     good + "\n",
		"double space":   strings.Replace(good, "a ", "a  ", 1),
		"same cred":      lines[0] + lines[1] + "c" + strings.TrimPrefix(lines[1], "a"),
		"trailing space": strings.Replace(good, "\nb", " \nb", 1),
	} {
		_, err := ParseRegistrar([]byte(bad))
		assert.ErrorIs(t, err, ErrCredential, name)
	}
}

func TestParsePublicListStrict(t *testing.T) {
	r, _, err := GenerateCredentials([]string{"a", "b"}, seeded(3))
	require.NoError(t, err)
	list := r.PublicList()
	good := MarshalPublicList(list)
	rev := append(append([]byte(nil), list[1][:]...), list[0][:]...)
	dup := append(append([]byte(nil), list[0][:]...), list[0][:]...)
	identity := make([]byte, 32)
	identity[0] = 1 // the identity point has small order
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	nonCanonical[31] = 0x7f
	for name, bad := range map[string][]byte{
		"empty":         nil,
		"short":         good[:63],
		"reversed":      rev,
		"duplicate":     dup,
		"small order":   identity,
		"non-canonical": nonCanonical,
	} {
		_, err := ParsePublicList(bad)
		assert.ErrorIs(t, err, ErrCredential, name)
	}
}

func FuzzParseRegistrar(f *testing.F) {
	r, _, err := GenerateCredentials([]string{"a", "b"}, seeded(3))
	require.NoError(f, err)
	f.Add(r.Bytes())
	f.Add([]byte(RegistrarHeader))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRegistrar(b)
		if err != nil {
			return
		}
		assert.Equal(t, b, r.Bytes())
	})
}

func FuzzParsePublicList(f *testing.F) {
	r, _, err := GenerateCredentials([]string{"a", "b"}, seeded(3))
	require.NoError(f, err)
	f.Add(MarshalPublicList(r.PublicList()))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParsePublicList(b)
		if err != nil {
			return
		}
		assert.Equal(t, b, MarshalPublicList(l))
	})
}

func FuzzParseCredential(f *testing.F) {
	c, err := NewCredential(seeded(1))
	require.NoError(f, err)
	f.Add(c.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCredential(b)
		if err != nil {
			return
		}
		assert.Equal(t, b, c.Bytes())
	})
}
