package elgamal

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// CiphertextSize is the length of an encoded Ciphertext: α then β.
const CiphertextSize = 2 * ElementSize

// PrivateKey is an ElGamal decryption key x with public key H = x·G. In a
// threshold election no single party ever holds the whole key; this type is
// for single-party use and tests.
type PrivateKey struct {
	x   Scalar
	pub *PublicKey
}

// GenerateKey returns a fresh key pair with a uniformly random non-zero x.
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	for {
		x, err := RandomScalar(rand)
		if err != nil {
			return nil, err
		}
		if x.IsZero() == 0 {
			return NewPrivateKey(x)
		}
	}
}

// NewPrivateKey returns the key pair for secret x, which must not be zero.
func NewPrivateKey(x *Scalar) (*PrivateKey, error) {
	if x.IsZero() == 1 {
		return nil, fmt.Errorf("elgamal: private key: %w", ErrZeroScalar)
	}
	k := &PrivateKey{}
	k.x.Set(x)
	k.pub = newPublicKey(new(Element).ScalarBaseMult(x))
	return k, nil
}

// PublicKey returns the public key of k.
func (k *PrivateKey) PublicKey() *PublicKey { return k.pub }

// Scalar returns a copy of the secret scalar x.
func (k *PrivateKey) Scalar() *Scalar { return new(Scalar).Set(&k.x) }

// Decrypt returns the plaintext element β − x·α of c, in constant time.
func (k *PrivateKey) Decrypt(c *Ciphertext) *Element {
	s := new(Element).ScalarMult(&k.x, &c.Alpha)
	return s.Subtract(&c.Beta, s)
}

// PublicKey is an ElGamal encryption key H. Encryption computes r·H for
// every ciphertext, so the key keeps a constant-time fixed-base table that
// is built on first use and shared by all goroutines.
type PublicKey struct {
	h     Element
	enc   []byte // canonical encoding of h, hashed into every proof
	once  sync.Once
	table *FixedBase
}

func newPublicKey(h *Element) *PublicKey {
	pk := &PublicKey{}
	pk.h.Set(h)
	pk.enc = h.Bytes()
	return pk
}

// NewPublicKey returns the public key H. The identity is rejected: it would
// make every ciphertext's β equal its plaintext.
func NewPublicKey(h *Element) (*PublicKey, error) {
	if h.IsIdentity() == 1 {
		return nil, fmt.Errorf("elgamal: public key: %w", ErrIdentity)
	}
	return newPublicKey(h), nil
}

// ParsePublicKey decodes a canonical, non-identity public key encoding.
func ParsePublicKey(b []byte) (*PublicKey, error) {
	h, err := new(Element).SetCanonicalBytesNonIdentity(b)
	if err != nil {
		return nil, fmt.Errorf("elgamal: public key: %w", err)
	}
	return NewPublicKey(h)
}

// Element returns a copy of the key's group element H.
func (pk *PublicKey) Element() *Element { return new(Element).Set(&pk.h) }

// Bytes returns the canonical encoding of H.
func (pk *PublicKey) Bytes() []byte { return append([]byte(nil), pk.enc...) }

// Equal reports whether pk and q are the same key.
func (pk *PublicKey) Equal(q *PublicKey) bool { return pk.h.Equal(&q.h) == 1 }

// ScalarMult returns r·H in constant time using the key's fixed-base table.
func (pk *PublicKey) ScalarMult(r *Scalar) *Element {
	pk.once.Do(func() { pk.table = NewFixedBase(&pk.h) })
	return pk.table.ScalarMult(r)
}

// Ciphertext is an ElGamal ciphertext (α, β) = (r·G, M + r·H) of a group
// element M under public key H with randomness r.
type Ciphertext struct {
	Alpha, Beta Element
}

// NewCiphertext returns the ciphertext (identity, identity), the neutral
// element of homomorphic addition.
func NewCiphertext() *Ciphertext {
	c := &Ciphertext{}
	c.Alpha.Set(NewElement())
	c.Beta.Set(NewElement())
	return c
}

// Set sets c = x and returns c.
func (c *Ciphertext) Set(x *Ciphertext) *Ciphertext {
	c.Alpha.Set(&x.Alpha)
	c.Beta.Set(&x.Beta)
	return c
}

// Add sets c to the component-wise sum a + b, an encryption of the sum of
// the plaintexts under the sum of the randomness, and returns c.
func (c *Ciphertext) Add(a, b *Ciphertext) *Ciphertext {
	c.Alpha.Add(&a.Alpha, &b.Alpha)
	c.Beta.Add(&a.Beta, &b.Beta)
	return c
}

// Equal returns 1 if c and x are the same ciphertext, in constant time.
func (c *Ciphertext) Equal(x *Ciphertext) int {
	return c.Alpha.Equal(&x.Alpha) & c.Beta.Equal(&x.Beta)
}

// Bytes returns the 64-byte encoding α ‖ β.
func (c *Ciphertext) Bytes() []byte {
	return append(c.Alpha.Bytes(), c.Beta.Bytes()...)
}

// SetCanonicalBytes decodes α ‖ β. Both must be canonical and α must not
// be the identity: an honest encryption has α = r·G with r ≠ 0, and α = 0
// would expose the plaintext as β.
func (c *Ciphertext) SetCanonicalBytes(b []byte) (*Ciphertext, error) {
	if len(b) != CiphertextSize {
		return nil, fmt.Errorf("ciphertext: %w: got %d bytes, want %d", ErrLength, len(b), CiphertextSize)
	}
	var x Ciphertext
	if _, err := x.Alpha.SetCanonicalBytesNonIdentity(b[:ElementSize]); err != nil {
		return nil, fmt.Errorf("ciphertext: alpha: %w", err)
	}
	if _, err := x.Beta.SetCanonicalBytes(b[ElementSize:]); err != nil {
		return nil, fmt.Errorf("ciphertext: beta: %w", err)
	}
	return c.Set(&x), nil
}

// EncryptWithNonce returns the encryption of m with randomness r. Use it
// when r is needed for a proof; r must be uniformly random and secret.
func (pk *PublicKey) EncryptWithNonce(m *Element, r *Scalar) *Ciphertext {
	c := &Ciphertext{}
	c.Alpha.ScalarBaseMult(r)
	c.Beta.Add(m, pk.ScalarMult(r))
	return c
}

// Encrypt encrypts m with fresh randomness and returns the ciphertext and
// the randomness, which proofs about the ciphertext need.
func (pk *PublicKey) Encrypt(m *Element, rand io.Reader) (*Ciphertext, *Scalar, error) {
	r, err := RandomScalar(rand)
	if err != nil {
		return nil, nil, err
	}
	return pk.EncryptWithNonce(m, r), r, nil
}

// EncryptInt encrypts the integer m as the element m·G (exponential
// ElGamal), so that ciphertexts add up to an encryption of the sum.
func (pk *PublicKey) EncryptInt(m uint64, rand io.Reader) (*Ciphertext, *Scalar, error) {
	return pk.Encrypt(new(Element).ScalarBaseMult(new(Scalar).SetUint64(m)), rand)
}

// EncryptIntWithNonce is EncryptInt with caller-chosen randomness r.
func (pk *PublicKey) EncryptIntWithNonce(m uint64, r *Scalar) *Ciphertext {
	return pk.EncryptWithNonce(new(Element).ScalarBaseMult(new(Scalar).SetUint64(m)), r)
}

// ReEncryptWithNonce returns c + (r·G, r·H): a fresh-looking ciphertext of
// the same plaintext.
func (pk *PublicKey) ReEncryptWithNonce(c *Ciphertext, r *Scalar) *Ciphertext {
	d := &Ciphertext{}
	d.Alpha.ScalarBaseMult(r)
	d.Alpha.Add(&d.Alpha, &c.Alpha)
	d.Beta.Add(&c.Beta, pk.ScalarMult(r))
	return d
}

// ReEncrypt re-randomises c with fresh randomness, returned for proofs.
func (pk *PublicKey) ReEncrypt(c *Ciphertext, rand io.Reader) (*Ciphertext, *Scalar, error) {
	r, err := RandomScalar(rand)
	if err != nil {
		return nil, nil, err
	}
	return pk.ReEncryptWithNonce(c, r), r, nil
}

// CiphertextVector is a vector of ciphertexts of fixed width w, encrypted
// with independent randomness: one ballot is one vector.
type CiphertextVector []Ciphertext

// EncryptVector encrypts each element of ms independently.
func (pk *PublicKey) EncryptVector(ms []*Element, rand io.Reader) (CiphertextVector, []*Scalar, error) {
	v := make(CiphertextVector, len(ms))
	rs := make([]*Scalar, len(ms))
	for i, m := range ms {
		c, r, err := pk.Encrypt(m, rand)
		if err != nil {
			return nil, nil, err
		}
		v[i], rs[i] = *c, r
	}
	return v, rs, nil
}

// ReEncryptVector re-randomises every component of v independently.
func (pk *PublicKey) ReEncryptVector(v CiphertextVector, rand io.Reader) (CiphertextVector, []*Scalar, error) {
	out := make(CiphertextVector, len(v))
	rs := make([]*Scalar, len(v))
	for i := range v {
		c, r, err := pk.ReEncrypt(&v[i], rand)
		if err != nil {
			return nil, nil, err
		}
		out[i], rs[i] = *c, r
	}
	return out, rs, nil
}

// ErrWidth means two ciphertext vectors, or a vector and its expected
// width, disagree.
var ErrWidth = errors.New("ciphertext vector width mismatch")

// Add sets v to the component-wise sum a + b. The widths must match.
func (v CiphertextVector) Add(a, b CiphertextVector) error {
	if len(a) != len(b) || len(v) != len(a) {
		return fmt.Errorf("elgamal: %w: %d, %d and %d", ErrWidth, len(v), len(a), len(b))
	}
	for i := range v {
		v[i].Add(&a[i], &b[i])
	}
	return nil
}

// DecryptVector decrypts every component of v.
func (k *PrivateKey) DecryptVector(v CiphertextVector) []*Element {
	out := make([]*Element, len(v))
	for i := range v {
		out[i] = k.Decrypt(&v[i])
	}
	return out
}

// Bytes returns the concatenated encodings of the components.
func (v CiphertextVector) Bytes() []byte {
	out := make([]byte, 0, len(v)*CiphertextSize)
	for i := range v {
		out = append(out, v[i].Bytes()...)
	}
	return out
}

// ParseCiphertextVector decodes a vector of exactly width components; the
// error names the component that failed.
func ParseCiphertextVector(b []byte, width int) (CiphertextVector, error) {
	if width <= 0 || len(b) != width*CiphertextSize {
		return nil, fmt.Errorf("ciphertext vector: %w: got %d bytes, want %d components of %d", ErrLength, len(b), width, CiphertextSize)
	}
	v := make(CiphertextVector, width)
	for i := range v {
		if _, err := v[i].SetCanonicalBytes(b[i*CiphertextSize : (i+1)*CiphertextSize]); err != nil {
			return nil, fmt.Errorf("ciphertext vector: component %d: %w", i, err)
		}
	}
	return v, nil
}
