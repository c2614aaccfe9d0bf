// Package threshold implements urna's trustee ceremony: a Pedersen /
// joint-Feldman distributed key generation with complaints, share
// transport over HPKE, key custody with age, and threshold decryption with
// Chaum–Pedersen proofs, as specified in spec/threshold.md.
//
// The election secret key is never reconstructed anywhere: each trustee
// holds a share, publishes decryption shares with proofs, and anyone
// combines t valid shares with Lagrange coefficients.
package threshold

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits of a ceremony.
const (
	MaxTrustees    = 64
	MaxNameLength  = 255
	MaxElectionLen = 1024
)

const setupDomain = "urna/v1/dkg/setup"

// ErrSetup means a ceremony setup is malformed or inconsistent.
var ErrSetup = errors.New("invalid ceremony setup")

// PublicIdentity is what a trustee shares with the others before the
// ceremony: a name, an Ed25519 key that signs its entries, and an X25519
// key that shares are encrypted to.
type PublicIdentity struct {
	Name         string
	SigningKey   ed25519.PublicKey
	TransportKey *ecdh.PublicKey
}

// Setup fixes a ceremony: the threshold, the election context and the
// trustees, whose index is their position in Trustees plus one.
type Setup struct {
	Threshold int
	Election  []byte
	Trustees  []PublicIdentity
}

// N returns the number of trustees.
func (s *Setup) N() int { return len(s.Trustees) }

// Trustee returns the identity of trustee i (1-based), or nil.
func (s *Setup) Trustee(i uint32) *PublicIdentity {
	if i < 1 || int(i) > len(s.Trustees) {
		return nil
	}
	return &s.Trustees[i-1]
}

// Validate checks the rules of spec/threshold.md §1.
func (s *Setup) Validate() error {
	n := len(s.Trustees)
	switch {
	case n < 1 || n > MaxTrustees:
		return fmt.Errorf("%w: %d trustees, want 1 to %d", ErrSetup, n, MaxTrustees)
	case s.Threshold < 1 || s.Threshold > n:
		return fmt.Errorf("%w: threshold %d with %d trustees, want 1 ≤ t ≤ n", ErrSetup, s.Threshold, n)
	case len(s.Election) > MaxElectionLen:
		return fmt.Errorf("%w: election context of %d bytes, at most %d", ErrSetup, len(s.Election), MaxElectionLen)
	}
	names := map[string]int{}
	sig := map[string]int{}
	tr := map[string]int{}
	for k, t := range s.Trustees {
		i := k + 1
		if err := checkName(t.Name); err != nil {
			return fmt.Errorf("%w: trustee %d: %v", ErrSetup, i, err)
		}
		if err := CheckSigningKey(t.SigningKey); err != nil {
			return fmt.Errorf("%w: trustee %d (%s): signing key: %v", ErrSetup, i, t.Name, err)
		}
		if t.TransportKey == nil || t.TransportKey.Curve() != ecdh.X25519() {
			return fmt.Errorf("%w: trustee %d (%s): missing X25519 transport key", ErrSetup, i, t.Name)
		}
		if _, err := checkTransportKey(t.TransportKey.Bytes()); err != nil {
			return fmt.Errorf("%w: trustee %d (%s): transport key: %v", ErrSetup, i, t.Name, err)
		}
		for _, d := range []struct {
			seen map[string]int
			key  string
			what string
		}{{names, t.Name, "name"}, {sig, string(t.SigningKey), "signing key"}, {tr, string(t.TransportKey.Bytes()), "transport key"}} {
			if j, dup := d.seen[d.key]; dup {
				return fmt.Errorf("%w: trustees %d and %d have the same %s", ErrSetup, j, i, d.what)
			}
			d.seen[d.key] = i
		}
	}
	return nil
}

// Bytes returns the canonical encoding of spec/threshold.md §1.
func (s *Setup) Bytes() []byte {
	var b bytes.Buffer
	b.WriteString(setupDomain)
	put16 := func(v int) { b.Write(binary.BigEndian.AppendUint16(nil, uint16(v))) }
	put16(s.Threshold)
	put16(len(s.Trustees))
	put16(len(s.Election))
	b.Write(s.Election)
	for _, t := range s.Trustees {
		put16(len(t.Name))
		b.WriteString(t.Name)
		b.Write(t.SigningKey)
		b.Write(t.TransportKey.Bytes())
	}
	return b.Bytes()
}

// Hash returns the ceremony hash, SHA-256 of the setup's encoding, which
// binds every entry and proof of the ceremony.
func (s *Setup) Hash() [32]byte { return sha256.Sum256(s.Bytes()) }

// ParseSetup decodes and validates a setup encoding.
func ParseSetup(b []byte) (*Setup, error) {
	r := &cursor{b: b}
	if string(r.take(len(setupDomain), "domain")) != setupDomain && r.err == nil {
		return nil, fmt.Errorf("%w: not a setup (bad domain string)", ErrSetup)
	}
	s := &Setup{}
	s.Threshold = int(r.u16("threshold"))
	n := int(r.u16("trustees"))
	s.Election = append([]byte(nil), r.take(int(r.u16("election length")), "election")...)
	if r.err == nil && n > MaxTrustees {
		return nil, fmt.Errorf("%w: %d trustees, at most %d", ErrSetup, n, MaxTrustees)
	}
	for i := 1; i <= n && r.err == nil; i++ {
		var t PublicIdentity
		t.Name = string(r.take(int(r.u16(fmt.Sprintf("trustee %d name length", i))), fmt.Sprintf("trustee %d name", i)))
		t.SigningKey = append(ed25519.PublicKey(nil), r.take(ed25519.PublicKeySize, fmt.Sprintf("trustee %d signing key", i))...)
		tk := r.take(32, fmt.Sprintf("trustee %d transport key", i))
		if r.err != nil {
			break
		}
		k, err := checkTransportKey(tk)
		if err != nil {
			return nil, fmt.Errorf("%w: trustee %d transport key: %v", ErrSetup, i, err)
		}
		t.TransportKey = k
		s.Trustees = append(s.Trustees, t)
	}
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// cursor reads big-endian fields and keeps the first error, which names
// the field.
type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) take(n int, field string) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || len(c.b)-c.off < n {
		c.err = fmt.Errorf("field %s at byte %d: truncated", field, c.off)
		return nil
	}
	v := c.b[c.off : c.off+n]
	c.off += n
	return v
}

func (c *cursor) u16(field string) uint16 {
	v := c.take(2, field)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint16(v)
}

func (c *cursor) u32(field string) uint32 {
	v := c.take(4, field)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func (c *cursor) u8(field string) uint8 {
	v := c.take(1, field)
	if v == nil {
		return 0
	}
	return v[0]
}

func (c *cursor) done() error {
	if c.err == nil && c.off != len(c.b) {
		c.err = fmt.Errorf("%d trailing bytes at byte %d", len(c.b)-c.off, c.off)
	}
	return c.err
}
