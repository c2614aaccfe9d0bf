package bulletin

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testBoardKey(t testing.TB, seed byte) (*BoardKey, string) {
	priv := ed25519.NewKeyFromSeed(make32(seed))
	vkey, err := BoardVerifierKey(testOrigin, priv.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	k, err := ParseBoardKey(vkey)
	require.NoError(t, err)
	return k, vkey
}

func make32(b byte) []byte {
	s := make([]byte, 32)
	for i := range s {
		s[i] = b
	}
	return s
}

func TestParseBoardKey(t *testing.T) {
	k, vkey := testBoardKey(t, 1)
	assert.Equal(t, testOrigin, k.Name)
	assert.Equal(t, vkey, k.String())
	assert.Equal(t, testOrigin, k.Verifier().Name())
	k2, err := ParseBoardKey("  " + vkey + "\n")
	require.NoError(t, err)
	assert.True(t, k.Equal(k2))

	name, rest, _ := strings.Cut(vkey, "+")
	hash, key, _ := strings.Cut(rest, "+")
	raw, _ := base64.StdEncoding.DecodeString(key)
	for _, bad := range []struct{ name, text, want string }{
		{"empty", "", "not <origin>+<hash>+<key>"},
		{"no key", name + "+" + hash, "not <origin>+<hash>+<key>"},
		{"wrong hash", name + "+00000000+" + key, "not in canonical form"},
		{"upper-case hash", name + "+" + strings.ToUpper(hash) + "+" + key, "not in canonical form"},
		{"truncated key", name + "+" + hash + "+" + key[:len(key)-1], "not base64"},
		{"padded key", name + "+" + hash + "+" + key + "==", "not base64"},
		{"other algorithm", name + "+" + hash + "+" + base64.StdEncoding.EncodeToString(append([]byte{2}, raw[1:]...)), "not base64 of 0x01"},
		{"short key", name + "+" + hash + "+" + base64.StdEncoding.EncodeToString(raw[:32]), "not base64 of 0x01"},
		{"bad origin", "a\x01b+" + hash + "+" + key, "origin"},
		{"other name", "urna.example/other+" + hash + "+" + key, "not in canonical form"},
	} {
		_, err := ParseBoardKey(bad.text)
		require.ErrorIs(t, err, ErrBoardKey, bad.name)
		assert.Contains(t, err.Error(), bad.want, bad.name)
	}
}

func TestParseFingerprint(t *testing.T) {
	var f Fingerprint
	for i := range f {
		f[i] = byte(i * 7)
	}
	s := f.String()
	for _, in := range []string{s, strings.ToUpper(s), s[:32] + " " + s[32:], s[:8] + "-" + s[8:40] + ":" + s[40:], "\t" + s + "\n"} {
		g, err := ParseFingerprint(in)
		require.NoError(t, err, in)
		assert.Equal(t, f, g)
	}
	for _, bad := range []string{"", s[:63], s + "0", s[:62] + "zz", "0x" + s[2:], s[:32] + "_" + s[32:]} {
		_, err := ParseFingerprint(bad)
		require.ErrorIs(t, err, ErrFingerprint, bad)
	}
}

// TestElectionFingerprint recomputes the fingerprint from spec/board.md §9
// and checks that each input changes it.
func TestElectionFingerprint(t *testing.T) {
	k, vkey := testBoardKey(t, 1)
	genesis, manifest := []byte("admin key and setup"), []byte("{\"manifest\":1}\n")
	got := ElectionFingerprint(k, genesis, manifest)

	var in []byte
	in = append(in, "urna/v1/election/fingerprint\x00"...)
	in = binary.BigEndian.AppendUint16(in, uint16(len(vkey)))
	in = append(in, vkey...)
	g, m := sha256.Sum256(genesis), sha256.Sum256(manifest)
	in = append(append(in, g[:]...), m[:]...)
	assert.Equal(t, Fingerprint(sha256.Sum256(in)), got)
	assert.Len(t, LabelFingerprint, 29)

	// A restarted ceremony: the restart bodies follow, hashed, in order.
	r1, r2 := []byte("setup 2"), []byte("setup 3")
	d1, d2 := sha256.Sum256(r1), sha256.Sum256(r2)
	restarted := append(append(append([]byte{}, in...), d1[:]...), d2[:]...)
	assert.Equal(t, Fingerprint(sha256.Sum256(restarted)), ElectionFingerprint(k, genesis, manifest, r1, r2))
	assert.NotEqual(t, ElectionFingerprint(k, genesis, manifest, r1, r2), ElectionFingerprint(k, genesis, manifest, r2, r1))

	other, _ := testBoardKey(t, 2)
	assert.NotEqual(t, got, ElectionFingerprint(other, genesis, manifest))
	assert.NotEqual(t, got, ElectionFingerprint(k, append(genesis, 0), manifest))
	assert.NotEqual(t, got, ElectionFingerprint(k, genesis, manifest[:len(manifest)-1]))
}

func TestFingerprintOfEntries(t *testing.T) {
	k, _ := testBoardKey(t, 1)
	admin := ed25519.NewKeyFromSeed(make32(9))
	gen := NewAdminEntry(testOrigin, AdminGenesis, []byte("genesis body"), admin).Bytes()
	man := NewAdminEntry(testOrigin, AdminManifest, []byte("manifest body"), admin).Bytes()
	fp, err := FingerprintOfEntries(k, gen, man)
	require.NoError(t, err)
	assert.Equal(t, ElectionFingerprint(k, []byte("genesis body"), []byte("manifest body")), fp)

	rs := NewAdminEntry(testOrigin, AdminRestart, []byte("setup 2"), admin).Bytes()
	fp2, err := FingerprintOfEntries(k, gen, man, rs)
	require.NoError(t, err)
	assert.Equal(t, ElectionFingerprint(k, []byte("genesis body"), []byte("manifest body"), []byte("setup 2")), fp2)
	_, err = FingerprintOfEntries(k, gen, man, man)
	assert.ErrorContains(t, err, "not a restart entry")

	_, err = FingerprintOfEntries(k, man, gen)
	assert.ErrorContains(t, err, "not a genesis entry")
	foreign := NewAdminEntry("urna.example/other", AdminManifest, []byte("manifest body"), admin).Bytes()
	_, err = FingerprintOfEntries(k, gen, foreign)
	assert.ErrorContains(t, err, "another board")
	_, err = FingerprintOfEntries(k, gen, []byte("urna"))
	assert.Error(t, err)
}

func FuzzParseBoardKey(f *testing.F) {
	_, vkey := testBoardKey(f, 3)
	f.Add(vkey)
	f.Add(vkey + "\n")
	f.Add("a+b+c")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseBoardKey(s)
		if err != nil {
			return
		}
		// Accepted texts are exactly the canonical ones, trimmed.
		require.Equal(t, strings.TrimSpace(s), k.String())
		k2, err := ParseBoardKey(k.String())
		require.NoError(t, err)
		require.True(t, k.Equal(k2))
	})
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(strings.Repeat("AB", 16) + " " + strings.Repeat("cd", 16))
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		if err != nil {
			return
		}
		g, err := ParseFingerprint(fp.String())
		require.NoError(t, err)
		require.Equal(t, fp, g)
	})
}
