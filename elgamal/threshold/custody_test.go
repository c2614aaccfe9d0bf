package threshold

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/urnavote/urna/elgamal"
)

// custodyWorkFactor keeps scrypt fast in tests.
const custodyWorkFactor = 4

func custodyPass(t testing.TB, pass string) (age.Recipient, age.Identity) {
	t.Helper()
	r, err := PassphraseRecipientWorkFactor(pass, custodyWorkFactor)
	require.NoError(t, err)
	id, err := PassphraseIdentity(pass)
	require.NoError(t, err)
	return r, id
}

func custodyKeyShare(t testing.TB) *KeyShare {
	t.Helper()
	ks := &KeyShare{Ceremony: transportCeremony(9), Index: 3}
	ks.X.Set(transportScalar(t, 9))
	return ks
}

func TestSecretFilePassphrase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.age")
	r, id := custodyPass(t, "correct horse battery staple")
	secret := []byte("the trustee's secret material")
	require.NoError(t, WriteSecretFile(path, secret, r))

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	assert.True(t, st.Mode().IsRegular())

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(raw, []byte(armor.Header+"\n")), "armored")
	assert.NotContains(t, string(raw), string(secret))

	got, err := ReadSecretFile(path, id)
	require.NoError(t, err)
	assert.Equal(t, secret, got)

	// A wrong passphrase.
	_, wrong := custodyPass(t, "correct horse battery stapler")
	_, err = ReadSecretFile(path, wrong)
	require.ErrorIs(t, err, ErrWrongKey)
	assert.NotErrorIs(t, err, ErrSecretFile)
	assert.ErrorContains(t, err, "wrong passphrase or key for "+path)

	// An age key instead of the passphrase.
	x, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	_, err = ReadSecretFile(path, x)
	assert.ErrorIs(t, err, ErrWrongKey)

	// The age command line reads it: the plain age API decrypts the armor.
	dr, err := age.Decrypt(armor.NewReader(bytes.NewReader(raw)), id)
	require.NoError(t, err)
	pt, err := io.ReadAll(dr)
	require.NoError(t, err)
	assert.Equal(t, secret, pt)
}

func TestSecretFileX25519(t *testing.T) {
	dir := t.TempDir()
	alice, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	bob, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	eve, err := age.GenerateX25519Identity()
	require.NoError(t, err)

	path := filepath.Join(dir, "two.age")
	secret := bytes.Repeat([]byte{0xa5}, 1000)
	require.NoError(t, WriteSecretFile(path, secret, alice.Recipient(), bob.Recipient()))
	for _, id := range []age.Identity{alice, bob} {
		got, err := ReadSecretFile(path, id)
		require.NoError(t, err)
		assert.Equal(t, secret, got)
	}
	got, err := ReadSecretFile(path, eve, bob)
	require.NoError(t, err, "any matching identity will do")
	assert.Equal(t, secret, got)

	_, err = ReadSecretFile(path, eve)
	assert.ErrorIs(t, err, ErrWrongKey)
	_, pass := custodyPass(t, "pw")
	_, err = ReadSecretFile(path, pass)
	assert.ErrorIs(t, err, ErrWrongKey)

	// An empty secret round trips too.
	empty := filepath.Join(dir, "empty.age")
	require.NoError(t, WriteSecretFile(empty, nil, alice.Recipient()))
	got, err = ReadSecretFile(empty, alice)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestSecretFileBinaryAge(t *testing.T) {
	// A file made with the age tool without -a is accepted.
	path := filepath.Join(t.TempDir(), "binary.age")
	x, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, x.Recipient())
	require.NoError(t, err)
	_, err = w.Write([]byte("binary"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))

	got, err := ReadSecretFile(path, x)
	require.NoError(t, err)
	assert.Equal(t, []byte("binary"), got)
}

func TestSecretFileNoOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "exists.age")
	original := []byte("do not touch")
	require.NoError(t, os.WriteFile(path, original, 0o644))
	before, err := os.Stat(path)
	require.NoError(t, err)

	r, _ := custodyPass(t, "pw")
	err = WriteSecretFile(path, []byte("new"), r)
	require.ErrorIs(t, err, fs.ErrExist)
	assert.ErrorContains(t, err, path+" already exists; refusing to overwrite")

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, original, got)
	after, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, before.Mode(), after.Mode())
	assert.Equal(t, before.ModTime(), after.ModTime())

	// A second write of a file we made is refused too.
	p2 := filepath.Join(dir, "ours.age")
	require.NoError(t, WriteSecretFile(p2, []byte("one"), r))
	raw, err := os.ReadFile(p2)
	require.NoError(t, err)
	require.ErrorIs(t, WriteSecretFile(p2, []byte("two"), r), fs.ErrExist)
	raw2, err := os.ReadFile(p2)
	require.NoError(t, err)
	assert.Equal(t, raw, raw2)

	// A dangling symlink is not followed to create its target.
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link.age")
	require.NoError(t, os.Symlink(target, link))
	require.ErrorIs(t, WriteSecretFile(link, []byte("x"), r), fs.ErrExist)
	_, err = os.Lstat(target)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestSecretFileWriteErrors(t *testing.T) {
	dir := t.TempDir()
	r, _ := custodyPass(t, "pw")
	x, err := age.GenerateX25519Identity()
	require.NoError(t, err)

	// No recipients, or recipients age refuses to mix: no file is left.
	path := filepath.Join(dir, "a.age")
	assert.ErrorContains(t, WriteSecretFile(path, []byte("s")), "no passphrase or key")
	assert.Error(t, WriteSecretFile(path, []byte("s"), r, x.Recipient()))
	_, err = os.Lstat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	// A missing directory.
	err = WriteSecretFile(filepath.Join(dir, "no", "such", "dir.age"), []byte("s"), r)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	// A failing write removes the partial file.
	saved := writeSecret
	t.Cleanup(func() { writeSecret = saved })
	boom := errors.New("disk full")
	writeSecret = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2])
		return n, boom
	}
	err = WriteSecretFile(path, []byte("s"), r)
	require.ErrorIs(t, err, boom)
	assert.ErrorContains(t, err, path)
	_, err = os.Lstat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist, "partial file removed")
	writeSecret = saved
	require.NoError(t, WriteSecretFile(path, []byte("s"), r), "the path is free again")
}

func TestSecretFileCorrupted(t *testing.T) {
	dir := t.TempDir()
	r, id := custodyPass(t, "pw")
	path := filepath.Join(dir, "good.age")
	require.NoError(t, WriteSecretFile(path, bytes.Repeat([]byte("secret "), 20), r))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(string(raw), "\n")
	require.GreaterOrEqual(t, len(lines), 4)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	// Decode the armor, flip a bit anywhere in the age file, re-armor.
	bin, err := io.ReadAll(armor.NewReader(bytes.NewReader(raw)))
	require.NoError(t, err)
	for i := 0; i < len(bin); i += 7 {
		bad := append([]byte{}, bin...)
		bad[i] ^= 0x04
		var buf bytes.Buffer
		aw := armor.NewWriter(&buf)
		_, err := aw.Write(bad)
		require.NoError(t, err)
		require.NoError(t, aw.Close())
		_, err = ReadSecretFile(write("flip.age", buf.Bytes()), id)
		require.Error(t, err, "bit flip at byte %d", i)
		assert.True(t, errors.Is(err, ErrSecretFile) || errors.Is(err, ErrWrongKey), "byte %d: %v", i, err)
		require.NoError(t, os.Remove(filepath.Join(dir, "flip.age")))
	}

	cases := map[string][]byte{
		"truncated armor":   raw[:len(raw)/2],
		"truncated payload": []byte(strings.Join(lines[:len(lines)-3], "\n") + "\n" + lines[len(lines)-2] + "\n"),
		"not base64":        []byte(strings.Replace(string(raw), lines[1], "!!!!"+lines[1][4:], 1)),
		"trailing data":     append(append([]byte{}, raw...), "garbage\n"...),
	}
	for name, b := range cases {
		_, err := ReadSecretFile(write(name, b), id)
		assert.ErrorIs(t, err, ErrSecretFile, name)
	}

	for name, b := range map[string][]byte{
		"empty":    nil,
		"text":     []byte("hello, world\n"),
		"identity": []byte("urna-trustee/v1 QQ AAAA AAAA\n"),
	} {
		_, err := ReadSecretFile(write(name, b), id)
		assert.ErrorIs(t, err, ErrSecretFile, name)
		assert.ErrorContains(t, err, "not an age-encrypted file")
	}

	big := write("big", append([]byte("age-encryption.org/v1\n"), make([]byte, maxSecretFileSize)...))
	_, err = ReadSecretFile(big, id)
	assert.ErrorIs(t, err, ErrSecretFile)

	_, err = ReadSecretFile(filepath.Join(dir, "missing.age"), id)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = ReadSecretFile(path)
	assert.ErrorContains(t, err, "no passphrase or key")
}

func TestPassphraseRecipient(t *testing.T) {
	_, err := PassphraseRecipient("")
	assert.Error(t, err)
	_, err = PassphraseIdentity("")
	assert.Error(t, err)
	for _, logN := range []int{0, -1, 31} {
		_, err = PassphraseRecipientWorkFactor("pw", logN)
		assert.Error(t, err, logN)
	}

}

func TestPassphraseRecipientDefaultWorkFactor(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt at the default work factor takes a second")
	}
	// The default work factor is written into the file.
	r, err := PassphraseRecipient("pw")
	require.NoError(t, err)
	s, ok := r.(*age.ScryptRecipient)
	require.True(t, ok)
	stanzas, err := s.Wrap(make([]byte, 16))
	require.NoError(t, err)
	require.Len(t, stanzas, 1)
	assert.Equal(t, "scrypt", stanzas[0].Type)
	assert.Equal(t, "18", stanzas[0].Args[1])
}

func TestIdentityFile(t *testing.T) {
	dir := t.TempDir()
	r, id := custodyPass(t, "trustee pass")
	trustee := testIdentity(t, "Alice", 7)
	path := filepath.Join(dir, "alice.identity")
	require.NoError(t, WriteIdentityFile(path, trustee, r))

	got, err := ReadIdentityFile(path, id)
	require.NoError(t, err)
	assert.Equal(t, trustee.Name, got.Name)
	assert.Equal(t, trustee.SigningKey, got.SigningKey)
	assert.True(t, trustee.TransportKey.Equal(got.TransportKey))

	_, wrong := custodyPass(t, "not it")
	_, err = ReadIdentityFile(path, wrong)
	assert.ErrorIs(t, err, ErrWrongKey)

	require.ErrorIs(t, WriteIdentityFile(path, trustee, r), fs.ErrExist)
	assert.Error(t, WriteIdentityFile(filepath.Join(dir, "bad"), &Identity{Name: "x"}, r))
	_, err = os.Lstat(filepath.Join(dir, "bad"))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	// A key share file is not an identity file, and the reverse.
	ksPath := filepath.Join(dir, "share")
	require.NoError(t, WriteKeyShareFile(ksPath, custodyKeyShare(t), r))
	_, err = ReadIdentityFile(ksPath, id)
	assert.ErrorIs(t, err, ErrTrusteeIdentity)
	assert.ErrorContains(t, err, ksPath)
	_, err = ReadKeyShareFile(path, id)
	assert.ErrorIs(t, err, ErrKeyShare)
	assert.ErrorContains(t, err, path)
}

func TestKeyShareFile(t *testing.T) {
	dir := t.TempDir()
	x, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	ks := custodyKeyShare(t)
	path := filepath.Join(dir, "share.age")
	require.NoError(t, WriteKeyShareFile(path, ks, x.Recipient()))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())

	got, err := ReadKeyShareFile(path, x)
	require.NoError(t, err)
	assert.Equal(t, ks.Ceremony, got.Ceremony)
	assert.Equal(t, ks.Index, got.Index)
	assert.Equal(t, 1, ks.X.Equal(&got.X))

	require.ErrorIs(t, WriteKeyShareFile(path, ks, x.Recipient()), fs.ErrExist)
	assert.ErrorIs(t, WriteKeyShareFile(filepath.Join(dir, "zero"), &KeyShare{}, x.Recipient()), ErrKeyShare)
}

func TestKeyShareEncoding(t *testing.T) {
	ks := custodyKeyShare(t)
	b, err := ks.MarshalBinary()
	require.NoError(t, err)
	want := append([]byte("urna/v1/key-share\n"), ks.Ceremony[:]...)
	want = binary.BigEndian.AppendUint32(want, 3)
	want = append(want, ks.X.Bytes()...)
	assert.Equal(t, want, b)

	got, err := ParseKeyShare(b)
	require.NoError(t, err)
	assert.Equal(t, *ks, *got)

	idxOff := len(keyShareDomain) + 32
	for n := range len(b) {
		_, err := ParseKeyShare(b[:n])
		require.ErrorIs(t, err, ErrKeyShare, "truncated to %d", n)
	}
	_, err = ParseKeyShare(b[:len(b)-1])
	assert.ErrorContains(t, err, "share")
	_, err = ParseKeyShare(b[:idxOff+2])
	assert.ErrorContains(t, err, "index")
	_, err = ParseKeyShare(append(append([]byte{}, b...), 0))
	assert.ErrorContains(t, err, "trailing")

	bad := append([]byte{}, b...)
	bad[0] = 'U'
	_, err = ParseKeyShare(bad)
	assert.ErrorContains(t, err, "domain")

	for _, idx := range []uint32{0, MaxTrustees + 1, 0xffffffff} {
		bad := append([]byte{}, b...)
		binary.BigEndian.PutUint32(bad[idxOff:], idx)
		_, err := ParseKeyShare(bad)
		assert.ErrorIs(t, err, ErrKeyShare, idx)
		assert.ErrorContains(t, err, "index")
		_, err = (&KeyShare{Index: idx}).MarshalBinary()
		assert.ErrorIs(t, err, ErrKeyShare, idx)
	}

	// ℓ and 2^256 − 1 are not canonical scalars.
	for _, x := range []string{
		"edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	} {
		bad := append(append([]byte{}, b[:idxOff+4]...), transportHex(t, x)...)
		_, err := ParseKeyShare(bad)
		assert.ErrorIs(t, err, ErrKeyShare)
		assert.ErrorIs(t, err, elgamal.ErrNonCanonical)
	}
}

func FuzzParseKeyShare(f *testing.F) {
	b, err := custodyKeyShare(f).MarshalBinary()
	require.NoError(f, err)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		ks, err := ParseKeyShare(b)
		if err != nil {
			if ks != nil || !errors.Is(err, ErrKeyShare) {
				t.Fatalf("untyped error or result with error: %v", err)
			}
			return
		}
		out, err := ks.MarshalBinary()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("not canonical: %v\n in  %x\n out %x", err, b, out)
		}
	})
}
