package threshold

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"filippo.io/edwards25519"
)

// ErrTrusteeIdentity means a trustee identity, secret or public, or a
// trustee name, is malformed.
var ErrTrusteeIdentity = errors.New("invalid trustee identity")

const (
	identityDomain = "urna/v1/trustee-identity\n"
	// PublicIdentityPrefix starts the one-line text form of a public
	// identity.
	PublicIdentityPrefix = "urna-trustee/v1"
)

// identityB64 is base64url without padding, decoding strictly (the unused
// bits of the last character must be zero).
var identityB64 = base64.RawURLEncoding.Strict()

// checkName checks a trustee name: 1 to MaxNameLength bytes of valid UTF-8,
// every character printable (letters, marks, numbers, punctuation, symbols
// and the ASCII space; no control characters, so no newlines), and no space
// at either end.
func checkName(name string) error {
	switch {
	case len(name) == 0:
		return fmt.Errorf("%w: empty name", ErrTrusteeIdentity)
	case len(name) > MaxNameLength:
		return fmt.Errorf("%w: name of %d bytes, at most %d", ErrTrusteeIdentity, len(name), MaxNameLength)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: name %q is not valid UTF-8", ErrTrusteeIdentity, name)
	}
	for i, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: name %q has the unprintable character %U at byte %d", ErrTrusteeIdentity, name, r, i)
		}
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: name %q starts or ends with a space", ErrTrusteeIdentity, name)
	}
	return nil
}

// CheckSigningKey checks an Ed25519 public key (spec/threshold.md §1): 32
// bytes, the canonical encoding of a curve point, not of small order (a
// small-order key lets anyone forge signatures). The board applies it to
// the administrator key too (spec/board.md §2.1).
func CheckSigningKey(b []byte) error {
	if len(b) != ed25519.PublicKeySize {
		return fmt.Errorf("%d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		return errors.New("not a point of edwards25519")
	}
	if !bytes.Equal(p.Bytes(), b) {
		return errors.New("non-canonical encoding")
	}
	if p.MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return errors.New("point of small order")
	}
	return nil
}

// x25519Check is a fixed private key for checkTransportKey. Its scalar is
// clamped to a multiple of 8, so it maps every point of small order to the
// identity, which crypto/ecdh reports as an error.
var x25519Check = func() *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x5a}, 32))
	if err != nil {
		panic(err)
	}
	return k
}()

// checkTransportKey checks an X25519 public key: 32 bytes, a canonical
// u-coordinate (below 2^255 − 19, top bit clear), not of small order (a
// share sealed to it would have a publicly known shared secret).
func checkTransportKey(b []byte) (*ecdh.PublicKey, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("%d bytes, want 32", len(b))
	}
	if b[31]&0x80 != 0 || x25519NotReduced(b) {
		return nil, errors.New("non-canonical encoding")
	}
	k, err := ecdh.X25519().NewPublicKey(b)
	if err != nil {
		return nil, err
	}
	if _, err := x25519Check.ECDH(k); err != nil {
		return nil, errors.New("point of small order")
	}
	return k, nil
}

// x25519NotReduced reports whether the little-endian b (top bit clear) is
// at least p = 2^255 − 19, that is 7fff…ffed to 7fff…ffff.
func x25519NotReduced(b []byte) bool {
	if b[0] < 0xed || b[31] != 0x7f {
		return false
	}
	for _, c := range b[1:31] {
		if c != 0xff {
			return false
		}
	}
	return true
}

// NewIdentity creates a trustee identity. It reads 64 bytes from rand: the
// Ed25519 seed (RFC 8032), then the X25519 private key (RFC 7748), so a
// seeded rand gives a reproducible identity; pass crypto/rand.Reader
// outside of tests. The name must be 1 to 255 bytes of printable UTF-8
// without spaces at the ends.
func NewIdentity(name string, rand io.Reader) (*Identity, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	var b [ed25519.SeedSize + 32]byte
	defer clear(b[:])
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("new trustee identity: reading randomness: %w", err)
	}
	tk, err := ecdh.X25519().NewPrivateKey(b[ed25519.SeedSize:])
	if err != nil {
		return nil, fmt.Errorf("new trustee identity: %w", err) // unreachable
	}
	return &Identity{
		Name:         name,
		SigningKey:   ed25519.NewKeyFromSeed(b[:ed25519.SeedSize]),
		TransportKey: tk,
	}, nil
}

// check verifies that id is complete and well formed.
func (id *Identity) check() error {
	if err := checkName(id.Name); err != nil {
		return err
	}
	if len(id.SigningKey) != ed25519.PrivateKeySize {
		return fmt.Errorf("%w: signing key of %d bytes, want %d", ErrTrusteeIdentity, len(id.SigningKey), ed25519.PrivateKeySize)
	}
	if id.TransportKey == nil || id.TransportKey.Curve() != ecdh.X25519() {
		return fmt.Errorf("%w: missing X25519 transport key", ErrTrusteeIdentity)
	}
	return nil
}

// MarshalBinary encodes the secret identity:
//
//	"urna/v1/trustee-identity\n" ‖ u16 len(name) ‖ name
//	‖ Ed25519 seed (32) ‖ X25519 private key (32)
//
// The result is secret: store it with WriteIdentityFile.
func (id *Identity) MarshalBinary() ([]byte, error) {
	if err := id.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(identityDomain)+2+len(id.Name)+64)
	b = append(b, identityDomain...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(id.Name)))
	b = append(b, id.Name...)
	b = append(b, id.SigningKey.Seed()...)
	return append(b, id.TransportKey.Bytes()...), nil
}

// ParseIdentity decodes the encoding of Identity.MarshalBinary, strictly:
// the error names the field that is wrong.
func ParseIdentity(b []byte) (*Identity, error) {
	r := &cursor{b: b}
	if d := r.take(len(identityDomain), "domain"); r.err == nil && string(d) != identityDomain {
		return nil, fmt.Errorf("%w: not a trustee identity (bad domain string)", ErrTrusteeIdentity)
	}
	name := string(r.take(int(r.u16("name length")), "name"))
	seed := r.take(ed25519.SeedSize, "signing key seed")
	tk := r.take(32, "transport key")
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTrusteeIdentity, err)
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	k, err := ecdh.X25519().NewPrivateKey(tk)
	if err != nil {
		return nil, fmt.Errorf("%w: transport key: %v", ErrTrusteeIdentity, err) // unreachable
	}
	return &Identity{Name: name, SigningKey: ed25519.NewKeyFromSeed(seed), TransportKey: k}, nil
}

// MarshalText encodes the public identity as one line of text, easy to
// send by e-mail:
//
//	urna-trustee/v1 <name> <signing key> <transport key>
//
// followed by a newline, each field in base64url without padding (RFC
// 4648 §5).
func (p *PublicIdentity) MarshalText() ([]byte, error) {
	if err := checkName(p.Name); err != nil {
		return nil, err
	}
	if err := CheckSigningKey(p.SigningKey); err != nil {
		return nil, fmt.Errorf("%w: signing key: %v", ErrTrusteeIdentity, err)
	}
	if p.TransportKey == nil || p.TransportKey.Curve() != ecdh.X25519() {
		return nil, fmt.Errorf("%w: transport key: missing X25519 key", ErrTrusteeIdentity)
	}
	if _, err := checkTransportKey(p.TransportKey.Bytes()); err != nil {
		return nil, fmt.Errorf("%w: transport key: %v", ErrTrusteeIdentity, err)
	}
	var b []byte
	b = append(b, PublicIdentityPrefix...)
	for _, f := range [][]byte{[]byte(p.Name), p.SigningKey, p.TransportKey.Bytes()} {
		b = append(b, ' ')
		b = identityB64.AppendEncode(b, f)
	}
	return append(b, '\n'), nil
}

// ParsePublicIdentity decodes the text of PublicIdentity.MarshalText,
// strictly: exactly the prefix and three fields separated by single
// spaces, at most one trailing newline ("\n"), canonical base64url without
// padding, a valid name, and valid keys. The error names the field that is
// wrong.
func ParsePublicIdentity(b []byte) (*PublicIdentity, error) {
	line := b
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	fields := bytes.Split(line, []byte{' '})
	if len(fields) == 0 || string(fields[0]) != PublicIdentityPrefix {
		return nil, fmt.Errorf("%w: not a public trustee identity (want a line starting %q)", ErrTrusteeIdentity, PublicIdentityPrefix+" ")
	}
	if len(fields) != 4 {
		return nil, fmt.Errorf("%w: %d fields after %q, want 3 (name, signing key, transport key) separated by single spaces", ErrTrusteeIdentity, len(fields)-1, PublicIdentityPrefix)
	}
	var dec [3][]byte
	for i, what := range []string{"name", "signing key", "transport key"} {
		f := fields[i+1]
		v, err := identityB64.AppendDecode(nil, f)
		if err != nil || !bytes.Equal(identityB64.AppendEncode(nil, v), f) {
			return nil, fmt.Errorf("%w: %s: not canonical base64url without padding", ErrTrusteeIdentity, what)
		}
		dec[i] = v
	}
	p := &PublicIdentity{Name: string(dec[0])}
	if err := checkName(p.Name); err != nil {
		return nil, err
	}
	if err := CheckSigningKey(dec[1]); err != nil {
		return nil, fmt.Errorf("%w: signing key: %v", ErrTrusteeIdentity, err)
	}
	p.SigningKey = ed25519.PublicKey(dec[1])
	tk, err := checkTransportKey(dec[2])
	if err != nil {
		return nil, fmt.Errorf("%w: transport key: %v", ErrTrusteeIdentity, err)
	}
	p.TransportKey = tk
	return p, nil
}
