package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/election"
	"github.com/urnavote/urna/elgamal/threshold"
)

// urnaIn runs the CLI in dir and returns its exit code and output.
func urnaIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"urna"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestRegistrarDelivery checks the credential flow of spec/ballot.md
// §1.3 end to end: 'urna registrar new --deliver' writes each voter's
// credential once, to a new file only its owner can read, and the
// registrar file it keeps holds the public mapping and no seed, so
// nothing the registrar keeps can sign a ballot; 'urna registrar
// credential' is gone.
func TestRegistrarDelivery(t *testing.T) {
	t.Setenv("URNA_TEST_SCRYPT_LOG_N", "10")
	t.Setenv(passphraseEnv, "registrar-secret")
	dir := t.TempDir()
	ids := []string{"anna-1", "Søren", "bo.2", "a..b"}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roll.txt"), []byte("anna-1\nSøren\nbo.2\na..b\n"), 0o644))
	code, out, errOut := urnaIn(t, dir, "registrar", "new", "--roll", "roll.txt", "-o", "reg.age", "--public", "credentials.pub", "--deliver", "creds")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "generated 4 credentials")

	fi, err := os.Stat(filepath.Join(dir, "creds"))
	require.NoError(t, err)
	if runtime.GOOS != "windows" {
		assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	}
	entries, err := os.ReadDir(filepath.Join(dir, "creds"))
	require.NoError(t, err)
	assert.Len(t, entries, len(ids))
	var seeds [][]byte
	var pubs [][32]byte
	for _, id := range ids {
		p := filepath.Join(dir, "creds", id+".cred")
		fi, err := os.Stat(p)
		require.NoError(t, err, id)
		if runtime.GOOS != "windows" {
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), id)
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		c, err := election.ParseCredential(b)
		require.NoError(t, err, id)
		seeds = append(seeds, b[len(election.CredentialPrefix):len(b)-1])
		pubs = append(pubs, [32]byte(c.Public()))
	}
	pl, err := os.ReadFile(filepath.Join(dir, "credentials.pub"))
	require.NoError(t, err)
	assert.Equal(t, election.MarshalPublicList(pubs), pl)

	// What the registrar keeps: the public mapping, and no seed.
	ident, err := threshold.PassphraseIdentity("registrar-secret")
	require.NoError(t, err)
	plain, err := threshold.ReadSecretFile(filepath.Join(dir, "reg.age"), ident)
	require.NoError(t, err)
	reg, err := election.ParseRegistrar(plain)
	require.NoError(t, err)
	for i, id := range ids {
		assert.NotContains(t, string(plain), string(seeds[i]), id)
		raw, err := base64.RawURLEncoding.DecodeString(string(seeds[i]))
		require.NoError(t, err)
		assert.False(t, bytes.Contains(plain, raw), id)
		pub, ok := reg.PublicCredential(id)
		require.True(t, ok, id)
		assert.Equal(t, pubs[i], pub, id)
	}

	// No re-issue.
	code, _, errOut = urnaIn(t, dir, "registrar", "credential", "--registrar", "reg.age", "-o", "x.cred", "anna-1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "'urna registrar credential' is gone")
	assert.NoFileExists(t, filepath.Join(dir, "x.cred"))

	// Delivery never mixes with an earlier one.
	code, _, errOut = urnaIn(t, dir, "registrar", "new", "--roll", "roll.txt", "-o", "reg2.age", "--public", "credentials2.pub", "--deliver", "creds")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "--deliver creds is not empty")
	assert.NoFileExists(t, filepath.Join(dir, "reg2.age"))
}

// TestRegistrarDeliveryStaysInside checks that no voter ID can make
// 'urna registrar new' write outside the delivery directory.
func TestRegistrarDeliveryStaysInside(t *testing.T) {
	t.Setenv("URNA_TEST_SCRYPT_LOG_N", "10")
	t.Setenv(passphraseEnv, "registrar-secret")
	for _, bad := range []string{"../evil", "a/b", "/tmp/evil", `a\b`, `..\evil`, "..", ".", ".hidden", "../../../../tmp/x"} {
		t.Run(bad, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.Mkdir(filepath.Join(dir, "work"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "work", "roll.txt"), []byte("anna\n"+bad+"\n"), 0o644))
			code, _, errOut := urnaIn(t, filepath.Join(dir, "work"), "registrar", "new", "--roll", "roll.txt", "-o", "reg.age", "--public", "credentials.pub", "--deliver", "creds")
			assert.Equal(t, 1, code)
			assert.Contains(t, errOut, "cannot name a credential file")
			// Nothing at all was written, inside or outside.
			var files []string
			require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					files = append(files, p)
				}
				return err
			}))
			assert.Equal(t, []string{filepath.Join(dir, "work", "roll.txt")}, files)
			assert.NoFileExists(t, "/tmp/evil.cred")
		})
	}
}

func TestCredentialFileName(t *testing.T) {
	for _, ok := range []string{"anna", "Søren", "bo.2", "a..b", "x.", "voter-000001"} {
		name, err := credentialFileName(ok)
		require.NoError(t, err, ok)
		assert.Equal(t, ok+".cred", name)
	}
	for _, bad := range []string{"a/b", `a\b`, "..", ".", ".a", "../a", "/a"} {
		_, err := credentialFileName(bad)
		assert.Error(t, err, bad)
	}
}

// TestRegistrarRefusesV1 checks that a registrar file of the retired
// version 1, which held every voter's seed, is refused with a hint.
func TestRegistrarRefusesV1(t *testing.T) {
	t.Setenv("URNA_TEST_SCRYPT_LOG_N", "10")
	t.Setenv(passphraseEnv, "registrar-secret")
	dir := t.TempDir()
	r, err := threshold.PassphraseRecipientWorkFactor("registrar-secret", 10)
	require.NoError(t, err)
	v1 := "urna-registrar/v1\nanna " + base64.RawURLEncoding.EncodeToString(make([]byte, 32)) + "\n"
	require.NoError(t, threshold.WriteSecretFile(filepath.Join(dir, "reg.age"), []byte(v1), r))
	code, _, errOut := urnaIn(t, dir, "registrar", "overrides", "--registrar", "reg.age", "-o", "x.pub", "anna")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "reg.age: an urna-registrar/v1 file, which holds every voter's secret credential; it is no longer read")
	assert.Contains(t, errOut, "hint: whoever holds it can vote in any voter's name")
	assert.NoFileExists(t, filepath.Join(dir, "x.pub"))
}
