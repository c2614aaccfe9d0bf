package threshold

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
)

// TestCustodyKey: the custody key is age's X25519 key of the derived
// scalar (checked against the recipient computed independently), the same
// for the same identity and different for another, and it decrypts the
// files encrypted to it, which a passphrase does not.
func TestCustodyKey(t *testing.T) {
	id, err := NewIdentity("Alice", bytes.NewReader(bytes.Repeat([]byte{7}, 200)))
	require.NoError(t, err)
	ci, err := id.CustodyIdentity()
	require.NoError(t, err)
	k, err := id.custodyScalar()
	require.NoError(t, err)
	priv, err := ecdh.X25519().NewPrivateKey(k)
	require.NoError(t, err)
	want, err := bech32Encode("age", priv.PublicKey().Bytes())
	require.NoError(t, err)
	require.Equal(t, want, ci.Recipient().String())
	again, err := id.CustodyIdentity()
	require.NoError(t, err)
	require.Equal(t, ci.String(), again.String())

	other, err := NewIdentity("Bob", bytes.NewReader(bytes.Repeat([]byte{8}, 200)))
	require.NoError(t, err)
	oci, err := other.CustodyIdentity()
	require.NoError(t, err)
	require.NotEqual(t, ci.String(), oci.String())

	r, err := id.CustodyRecipient()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "share")
	ks := &KeyShare{Index: 1}
	ks.X.SetUint64(5)
	require.NoError(t, WriteKeyShareFile(path, ks, r))
	got, err := ReadKeyShareFile(path, ci)
	require.NoError(t, err)
	require.Equal(t, ks.Index, got.Index)
	_, err = ReadKeyShareFile(path, oci)
	require.ErrorIs(t, err, ErrWrongKey)
	pass, err := PassphraseIdentity("secret")
	require.NoError(t, err)
	_, err = ReadKeyShareFile(path, pass)
	require.ErrorIs(t, err, ErrWrongKey)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), "BEGIN AGE ENCRYPTED FILE")
	var _ age.Identity = ci
}

// TestCustodyKeyKnownAnswer pins the derivation of spec/threshold.md §6
// for the identity whose Ed25519 seed is 32 bytes of 0x01.
func TestCustodyKeyKnownAnswer(t *testing.T) {
	seed := bytes.Repeat([]byte{1}, 32)
	id := &Identity{Name: "x", SigningKey: ed25519.NewKeyFromSeed(seed)}
	ci, err := id.CustodyIdentity()
	require.NoError(t, err)
	// Computed independently (Python: cryptography's HKDF and X25519, and
	// BIP 173 Bech32).
	require.Equal(t, "age18lmepfk5k6lw3gkxzpmz4vt2g29m03wd9zq48wp83j35rw5595aq6hvkcu", ci.Recipient().String())
}
