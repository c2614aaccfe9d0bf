package bulletin

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func TestCheckpointFormat(t *testing.T) {
	b := newBoard(t, 3)
	signed, err := b.log.Checkpoint(b.signer)
	require.NoError(t, err)
	h := rootOf(b.entries)
	body := testOrigin + "\n3\n" + base64.StdEncoding.EncodeToString(h[:]) + "\n"
	require.True(t, strings.HasPrefix(string(signed), body+"\n— "+testOrigin+" "), string(signed))
	c, err := ParseCheckpoint(signed, b.verifier, testOrigin)
	require.NoError(t, err)
	assert.Equal(t, tlog.Tree{N: 3, Hash: h}, c.Tree)
	assert.Equal(t, testOrigin, c.Origin)
	assert.Empty(t, c.Extensions)
	assert.Equal(t, signed, c.Signed)
}

func TestBoardKeyMatchesNoteKeys(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
	require.NoError(t, err)
	s1, err := note.NewSigner(skey)
	require.NoError(t, err)
	v1, err := note.NewVerifier(vkey)
	require.NoError(t, err)

	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s2, err := NewBoardSigner(testOrigin, priv)
	require.NoError(t, err)
	v2, err := NewBoardVerifier(testOrigin, pub)
	require.NoError(t, err)
	assert.Equal(t, s2.Name(), v2.Name())
	assert.Equal(t, s2.KeyHash(), v2.KeyHash())
	assert.NotEqual(t, s1.KeyHash(), s2.KeyHash())

	l, err := NewLog(NewMemoryHashStore(), testOrigin)
	require.NoError(t, err)
	_, err = l.Append([]byte("x"))
	require.NoError(t, err)
	for _, k := range []struct {
		s note.Signer
		v note.Verifier
	}{{s1, v1}, {s2, v2}} {
		signed, err := l.Checkpoint(k.s)
		require.NoError(t, err)
		_, err = ParseCheckpoint(signed, k.v, testOrigin)
		require.NoError(t, err)
	}
	_, err = NewBoardSigner(testOrigin, priv[:10])
	assert.Error(t, err)
	_, err = NewBoardSigner("bad name", priv)
	assert.Error(t, err)
}

func signBody(t testing.TB, body string, signers ...note.Signer) []byte {
	t.Helper()
	b, err := note.Sign(&note.Note{Text: body}, signers...)
	require.NoError(t, err)
	return b
}

func TestParseCheckpointRejects(t *testing.T) {
	b := newBoard(t, 2)
	other := newBoard(t, 0)
	h := rootOf(b.entries)
	hash := base64.StdEncoding.EncodeToString(h[:])

	good := testOrigin + "\n2\n" + hash + "\n"
	c, err := ParseCheckpoint(signBody(t, good, b.signer), b.verifier, testOrigin)
	require.NoError(t, err)
	assert.Equal(t, int64(2), c.Tree.N)

	// Extension lines and co-signatures by other keys are allowed.
	c, err = ParseCheckpoint(signBody(t, good+"ext one\next two\n", b.signer, other.signer), b.verifier, testOrigin)
	require.NoError(t, err)
	assert.Equal(t, []string{"ext one", "ext two"}, c.Extensions)

	_, err = ParseCheckpoint(signBody(t, good, b.signer), b.verifier, "urna.example/election/other")
	assert.ErrorIs(t, err, ErrCheckpoint, "wrong origin")
	_, err = ParseCheckpoint(signBody(t, good, other.signer), b.verifier, testOrigin)
	assert.ErrorIs(t, err, ErrCheckpoint, "wrong key")

	// A signature by the right key name and hash that does not verify.
	signed := signBody(t, good, b.signer)
	tampered := []byte(strings.Replace(string(signed), "\n2\n", "\n3\n", 1))
	_, err = ParseCheckpoint(tampered, b.verifier, testOrigin)
	assert.ErrorIs(t, err, ErrCheckpoint, "tampered body")

	bad := map[string]string{
		"too few lines":       testOrigin + "\n2\n",
		"empty origin":        "\n2\n" + hash + "\n",
		"origin with space":   " " + testOrigin + "\n2\n" + hash + "\n",
		"leading zero":        testOrigin + "\n02\n" + hash + "\n",
		"plus sign":           testOrigin + "\n+2\n" + hash + "\n",
		"negative size":       testOrigin + "\n-2\n" + hash + "\n",
		"empty size":          testOrigin + "\n\n" + hash + "\n",
		"size overflow":       testOrigin + "\n99999999999999999999\n" + hash + "\n",
		"hex hash":            testOrigin + "\n2\n" + h.String()[:32] + "\n",
		"short hash":          testOrigin + "\n2\n" + base64.StdEncoding.EncodeToString(h[:31]) + "\n",
		"unpadded hash":       testOrigin + "\n2\n" + strings.TrimRight(hash, "=") + "\n",
		"url base64 hash":     testOrigin + "\n2\n" + base64.URLEncoding.EncodeToString(h[:]) + "\n",
		"trailing space hash": testOrigin + "\n2\n" + hash + " \n",
	}
	for name, body := range bad {
		_, err := ParseCheckpoint(signBody(t, body, b.signer), b.verifier, testOrigin)
		assert.ErrorIs(t, err, ErrCheckpoint, name)
	}
	// Bodies note.Sign refuses to produce are refused by note.Open too.
	for _, raw := range []string{"", "garbage", good, good + "\n", good + "\n— x\n"} {
		_, err := ParseCheckpoint([]byte(raw), b.verifier, testOrigin)
		assert.ErrorIs(t, err, ErrCheckpoint, "%q", raw)
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(f, err)
	signer, err := NewBoardSigner(testOrigin, priv)
	require.NoError(f, err)
	verifier, err := NewBoardVerifier(testOrigin, pub)
	require.NoError(f, err)
	l, err := NewLog(NewMemoryHashStore(), testOrigin)
	require.NoError(f, err)
	signed, err := l.Checkpoint(signer)
	require.NoError(f, err)
	f.Add(signed, false)
	_, err = l.Append([]byte("e"))
	require.NoError(f, err)
	signed, err = l.Checkpoint(signer)
	require.NoError(f, err)
	f.Add(signed, false)
	f.Add([]byte(testOrigin+"\n1\nAAAA\n"), true)
	f.Add([]byte(testOrigin+"\n1\n"+strings.Repeat("A", 43)+"=\next\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, sign bool) {
		if sign {
			// Sign arbitrary bodies to reach the body parser.
			s, err := note.Sign(&note.Note{Text: string(data)}, signer)
			if err != nil {
				return
			}
			data = s
		}
		c, err := ParseCheckpoint(data, verifier, testOrigin)
		if err != nil {
			require.ErrorIs(t, err, ErrCheckpoint)
			return
		}
		// Whatever parses re-encodes to the same body.
		body, err := FormatCheckpoint(c.Origin, c.Tree)
		require.NoError(t, err)
		for _, e := range c.Extensions {
			body = append(body, e+"\n"...)
		}
		n, err := note.Open(data, note.VerifierList(verifier))
		require.NoError(t, err)
		require.Equal(t, n.Text, string(body))
		require.Equal(t, testOrigin, c.Origin)
		require.GreaterOrEqual(t, c.Tree.N, int64(0))
	})
}

// TestValidOriginNoteName checks that an origin must also be a valid
// signed-note key name (spec/board-log.md, "Checkpoints").
func TestValidOriginNoteName(t *testing.T) {
	for _, ok := range []string{"urna.example/election/dk-2026", "ørsted.example/valg", "a"} {
		assert.NoError(t, ValidOrigin(ok), "%q", ok)
		_, err := NewBoardVerifier(ok, make([]byte, 32))
		assert.NoError(t, err, "%q", ok)
	}
	for _, bad := range []string{"", " a", "a ", "a b", "a+b", "a\u00a0b", "a\u2003b", "a\u0085b", "a\tb", "a\x7fb"} {
		assert.ErrorIs(t, ValidOrigin(bad), ErrCheckpoint, "%q", bad)
	}
}
