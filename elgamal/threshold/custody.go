package threshold

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/urnavote/urna/elgamal"
)

// Key custody (spec/threshold.md §6). A trustee's secrets are stored in
// age-encrypted files (https://age-encryption.org/v1), to a passphrase
// (scrypt) or to age recipients such as X25519 keys. The files are ASCII
// armored (the PEM-like "-----BEGIN AGE ENCRYPTED FILE-----" form) so that
// they survive being pasted or sent by e-mail; ReadSecretFile also accepts
// the binary age format, and both decrypt with the age command-line tool.
// Files are created exclusively with mode 0600 and are never overwritten.

var (
	// ErrWrongKey means a secret file could not be decrypted with the
	// passphrase or age identities given.
	ErrWrongKey = errors.New("wrong passphrase or key")
	// ErrSecretFile means a file is not an age-encrypted file, or is
	// corrupted.
	ErrSecretFile = errors.New("invalid secret file")
	// ErrKeyShare means a key share encoding is malformed.
	ErrKeyShare = errors.New("invalid key share")
)

// DefaultScryptWorkFactor is the scrypt work factor (log2 N) of
// PassphraseRecipient, about a second on a current machine.
const DefaultScryptWorkFactor = 18

// maxSecretFileSize bounds what ReadSecretFile reads. Secret files are a
// few hundred bytes.
const maxSecretFileSize = 1 << 20

// writeSecret writes to a secret file; tests replace it to make writes fail.
var writeSecret = func(f *os.File, b []byte) (int, error) { return f.Write(b) }

// PassphraseRecipient returns an age recipient that encrypts to a
// passphrase with scrypt at DefaultScryptWorkFactor. age requires a
// passphrase recipient to be the only recipient of a file.
func PassphraseRecipient(pass string) (age.Recipient, error) {
	return PassphraseRecipientWorkFactor(pass, DefaultScryptWorkFactor)
}

// PassphraseRecipientWorkFactor is PassphraseRecipient with the scrypt work
// factor log2 N given, from 1 to 30. Lower values than the default are for
// tests; PassphraseIdentity accepts files up to 22.
func PassphraseRecipientWorkFactor(pass string, logN int) (age.Recipient, error) {
	if logN < 1 || logN > 30 {
		return nil, fmt.Errorf("scrypt work factor %d, want 1 to 30", logN)
	}
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	r.SetWorkFactor(logN)
	return r, nil
}

// PassphraseIdentity returns an age identity that decrypts files encrypted
// to the passphrase.
func PassphraseIdentity(pass string) (age.Identity, error) {
	return age.NewScryptIdentity(pass)
}

// WriteSecretFile encrypts plaintext with age to the recipients and writes
// it, ASCII armored, to a new file at path with mode 0600. It never
// overwrites: if path exists it returns an error wrapping fs.ErrExist and
// leaves the file untouched. The file is synced to disk before
// WriteSecretFile returns; if writing fails, the partial file is removed.
func WriteSecretFile(path string, plaintext []byte, recipients ...age.Recipient) error {
	if len(recipients) == 0 {
		return fmt.Errorf("writing %s: no passphrase or key to encrypt to", path)
	}
	// Encrypt in memory first, so that a bad recipient leaves no file.
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, recipients...)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := aw.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; refusing to overwrite: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("creating secret file: %w", err)
	}
	fail := func(err error) error {
		err = fmt.Errorf("writing %s: %w", path, err)
		_ = f.Close() // a second Close after a failed one is harmless
		if rerr := os.Remove(path); rerr != nil {
			err = errors.Join(err, fmt.Errorf("removing the partial file: %w", rerr))
		}
		return err
	}
	if _, err := writeSecret(f, buf.Bytes()); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// syncDir makes a new directory entry durable where the system allows it.
// Failure is not an error: the file itself is synced, and some systems
// cannot sync directories.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// ReadSecretFile reads and decrypts a file written by WriteSecretFile (or
// any age file, armored or binary) with the given identities. It returns
// an error wrapping ErrWrongKey if none of the identities can decrypt the
// file, and one wrapping ErrSecretFile if the file is not an age file or
// is corrupted.
func ReadSecretFile(path string, identities ...age.Identity) ([]byte, error) {
	if len(identities) == 0 {
		return nil, fmt.Errorf("reading %s: no passphrase or key to decrypt with", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading secret file: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("reading secret file %s: %w", path, err)
	}
	if len(data) > maxSecretFileSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrSecretFile, path, maxSecretFileSize)
	}
	var src io.Reader
	switch {
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armor.Header)):
		src = armor.NewReader(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("age-encryption.org/")):
		src = bytes.NewReader(data)
	default:
		return nil, fmt.Errorf("%w: %s is not an age-encrypted file", ErrSecretFile, path)
	}
	r, err := age.Decrypt(src, identities...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, fmt.Errorf("%w for %s", ErrWrongKey, path)
		}
		return nil, fmt.Errorf("%w: %s is corrupted or unsupported: %v", ErrSecretFile, path, err)
	}
	pt, err := io.ReadAll(r)
	if err != nil {
		clear(pt)
		return nil, fmt.Errorf("%w: %s is corrupted: %v", ErrSecretFile, path, err)
	}
	return pt, nil
}

// WriteIdentityFile stores a trustee identity with WriteSecretFile.
func WriteIdentityFile(path string, id *Identity, recipients ...age.Recipient) error {
	b, err := id.MarshalBinary()
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer clear(b)
	return WriteSecretFile(path, b, recipients...)
}

// ReadIdentityFile reads a trustee identity stored by WriteIdentityFile.
func ReadIdentityFile(path string, identities ...age.Identity) (*Identity, error) {
	b, err := ReadSecretFile(path, identities...)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	id, err := ParseIdentity(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return id, nil
}

// WriteKeyShareFile stores a key share with WriteSecretFile.
func WriteKeyShareFile(path string, ks *KeyShare, recipients ...age.Recipient) error {
	b, err := ks.MarshalBinary()
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer clear(b)
	return WriteSecretFile(path, b, recipients...)
}

// ReadKeyShareFile reads a key share stored by WriteKeyShareFile.
func ReadKeyShareFile(path string, identities ...age.Identity) (*KeyShare, error) {
	b, err := ReadSecretFile(path, identities...)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	ks, err := ParseKeyShare(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

const keyShareDomain = "urna/v1/key-share\n"

// MarshalBinary encodes the key share:
//
//	"urna/v1/key-share\n" ‖ ceremony hash (32) ‖ u32 index ‖ x (32)
//
// The result is secret: store it with WriteKeyShareFile.
func (ks *KeyShare) MarshalBinary() ([]byte, error) {
	if ks.Index < 1 || ks.Index > MaxTrustees {
		return nil, fmt.Errorf("%w: index %d, want 1 to %d", ErrKeyShare, ks.Index, MaxTrustees)
	}
	b := make([]byte, 0, len(keyShareDomain)+32+4+elgamal.ScalarSize)
	b = append(b, keyShareDomain...)
	b = append(b, ks.Ceremony[:]...)
	b = binary.BigEndian.AppendUint32(b, ks.Index)
	return append(b, ks.X.Bytes()...), nil
}

// ParseKeyShare decodes the encoding of KeyShare.MarshalBinary, strictly:
// the error names the field that is wrong.
func ParseKeyShare(b []byte) (*KeyShare, error) {
	r := &cursor{b: b}
	if d := r.take(len(keyShareDomain), "domain"); r.err == nil && string(d) != keyShareDomain {
		return nil, fmt.Errorf("%w: not a key share (bad domain string)", ErrKeyShare)
	}
	ks := &KeyShare{}
	copy(ks.Ceremony[:], r.take(32, "ceremony hash"))
	ks.Index = r.u32("index")
	x := r.take(elgamal.ScalarSize, "share")
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyShare, err)
	}
	if ks.Index < 1 || ks.Index > MaxTrustees {
		return nil, fmt.Errorf("%w: index %d, want 1 to %d", ErrKeyShare, ks.Index, MaxTrustees)
	}
	if _, err := ks.X.SetCanonicalBytes(x); err != nil {
		return nil, fmt.Errorf("%w: share: %w", ErrKeyShare, err)
	}
	return ks, nil
}
