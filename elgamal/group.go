package elgamal

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"

	"github.com/urnavote/urna/internal/msm"
)

// ElementSize and ScalarSize are the lengths of canonical encodings;
// UniformSize is the input length of the one-way map and of wide reductions.
const (
	ElementSize = 32
	ScalarSize  = 32
	UniformSize = 64
)

// Decoding errors. Decoders wrap them, so callers test with errors.Is and
// print the wrapped error for the field that failed.
var (
	// ErrLength means an encoding had the wrong number of bytes.
	ErrLength = errors.New("wrong length")
	// ErrNonCanonical means bytes were not the unique canonical encoding
	// (for scalars: not reduced modulo ℓ; for elements: a field value ≥ p,
	// a negative s, or an s that decodes to no element, RFC 9496 §4.3.1).
	ErrNonCanonical = errors.New("non-canonical encoding")
	// ErrIdentity means the identity element appeared where it is not
	// allowed (keys, commitments, ciphertext α).
	ErrIdentity = errors.New("identity element not allowed")
	// ErrZeroScalar means a scalar was zero where it must not be.
	ErrZeroScalar = errors.New("zero scalar not allowed")
)

// Element is an element of the ristretto255 prime-order group (RFC 9496).
//
// Like math/big, methods set the receiver and return it, and arguments may
// alias the receiver. The zero value is not valid: use NewElement,
// NewGeneratorElement or a setter. All operations are constant time unless
// their name starts with VarTime.
type Element struct {
	p edwards25519.Point
}

// NewElement returns the identity element.
func NewElement() *Element {
	e := &Element{}
	e.p.Set(edwards25519.NewIdentityPoint())
	return e
}

// NewGeneratorElement returns the canonical generator of RFC 9496 §4.4.
func NewGeneratorElement() *Element {
	e := &Element{}
	e.p.Set(edwards25519.NewGeneratorPoint())
	return e
}

// Set sets e = x and returns e.
func (e *Element) Set(x *Element) *Element {
	e.p.Set(&x.p)
	return e
}

// Add sets e = a + b and returns e.
func (e *Element) Add(a, b *Element) *Element {
	e.p.Add(&a.p, &b.p)
	return e
}

// Subtract sets e = a − b and returns e.
func (e *Element) Subtract(a, b *Element) *Element {
	e.p.Subtract(&a.p, &b.p)
	return e
}

// Negate sets e = −a and returns e.
func (e *Element) Negate(a *Element) *Element {
	e.p.Negate(&a.p)
	return e
}

// ScalarMult sets e = s·a and returns e, in constant time.
func (e *Element) ScalarMult(s *Scalar, a *Element) *Element {
	e.p.ScalarMult(&s.s, &a.p)
	return e
}

// ScalarBaseMult sets e = s·G, with G the generator, in constant time using
// a precomputed table.
func (e *Element) ScalarBaseMult(s *Scalar) *Element {
	e.p.ScalarBaseMult(&s.s)
	return e
}

// VarTimeScalarMult sets e = s·a. It leaks s through timing: public data only.
func (e *Element) VarTimeScalarMult(s *Scalar, a *Element) *Element {
	var zero edwards25519.Scalar
	e.p.VarTimeDoubleScalarBaseMult(&s.s, &a.p, &zero)
	return e
}

// VarTimeDoubleScalarBaseMult sets e = a·A + b·G. Public data only.
func (e *Element) VarTimeDoubleScalarBaseMult(a *Scalar, A *Element, b *Scalar) *Element {
	e.p.VarTimeDoubleScalarBaseMult(&a.s, &A.p, &b.s)
	return e
}

// MultiScalarMult sets e = Σ scalars[i]·elements[i] in constant time.
// It panics if the slices differ in length.
func (e *Element) MultiScalarMult(scalars []*Scalar, elements []*Element) *Element {
	ss, ps := unwrap(scalars, elements)
	e.p.MultiScalarMult(ss, ps)
	return e
}

// VarTimeMultiScalarMult sets e = Σ scalars[i]·elements[i] with a bucket
// (Pippenger) multi-scalar multiplication that uses all cores for large
// inputs. Public data only. It panics if the slices differ in length.
func (e *Element) VarTimeMultiScalarMult(scalars []*Scalar, elements []*Element) *Element {
	ss, ps := unwrap(scalars, elements)
	e.p.Set(msm.VarTimeMultiScalarMult(ss, ps))
	return e
}

func unwrap(scalars []*Scalar, elements []*Element) ([]*edwards25519.Scalar, []*edwards25519.Point) {
	if len(scalars) != len(elements) {
		panic("elgamal: multi-scalar multiplication with mismatched lengths")
	}
	ss := make([]*edwards25519.Scalar, len(scalars))
	ps := make([]*edwards25519.Point, len(elements))
	for i := range scalars {
		ss[i] = &scalars[i].s
		ps[i] = &elements[i].p
	}
	return ss, ps
}

// Select sets e to a if cond == 1 and to b if cond == 0, in constant time.
func (e *Element) Select(a, b *Element, cond int) *Element {
	e.p.Select(&a.p, &b.p, cond)
	return e
}

// Equal returns 1 if e and x are the same group element and 0 otherwise, in
// constant time (RFC 9496 §4.3.3).
func (e *Element) Equal(x *Element) int {
	X1, Y1, _, _ := e.p.ExtendedCoordinates()
	X2, Y2, _, _ := x.p.ExtendedCoordinates()
	return rEqual(X1, Y1, X2, Y2)
}

// IsIdentity reports whether e is the identity element, in constant time.
func (e *Element) IsIdentity() int {
	// The identity class is exactly the points with X = 0 or Y = 0.
	X, Y, _, _ := e.p.ExtendedCoordinates()
	var zero field.Element
	return X.Equal(&zero) | Y.Equal(&zero)
}

// Bytes returns the 32-byte canonical encoding of e (RFC 9496 §4.3.2).
func (e *Element) Bytes() []byte {
	var out [ElementSize]byte
	X, Y, Z, T := e.p.ExtendedCoordinates()
	rEncode(&out, X, Y, Z, T)
	return out[:]
}

// SetCanonicalBytes sets e to the element encoded by b (RFC 9496 §4.3.1).
// It returns an error wrapping ErrLength or ErrNonCanonical, and leaves e
// unchanged, unless b is exactly a canonical encoding. It accepts the
// identity: callers that must not, check IsIdentity or use
// SetCanonicalBytesNonIdentity.
func (e *Element) SetCanonicalBytes(b []byte) (*Element, error) {
	if len(b) != ElementSize {
		return nil, fmt.Errorf("element: %w: got %d bytes, want %d", ErrLength, len(b), ElementSize)
	}
	var in [32]byte
	copy(in[:], b)
	var X, Y, Z, T field.Element
	if rDecode(&in, &X, &Y, &Z, &T) != 1 {
		return nil, fmt.Errorf("element: %w", ErrNonCanonical)
	}
	if _, err := e.p.SetExtendedCoordinates(&X, &Y, &Z, &T); err != nil {
		// Unreachable: a successful decode is always on the curve.
		return nil, fmt.Errorf("element: %w", ErrNonCanonical)
	}
	return e, nil
}

// SetCanonicalBytesNonIdentity is SetCanonicalBytes that also rejects the
// identity with ErrIdentity, for keys, commitments and ciphertext α.
func (e *Element) SetCanonicalBytesNonIdentity(b []byte) (*Element, error) {
	var x Element
	if _, err := x.SetCanonicalBytes(b); err != nil {
		return nil, err
	}
	if x.IsIdentity() == 1 {
		return nil, fmt.Errorf("element: %w", ErrIdentity)
	}
	return e.Set(&x), nil
}

// SetUniformBytes sets e by the one-way map of RFC 9496 §4.3.4 from 64
// uniformly random bytes. The result is uniform and nobody knows its
// discrete logarithm to any other element, which is what independent
// generators need.
func (e *Element) SetUniformBytes(b []byte) (*Element, error) {
	if len(b) != UniformSize {
		return nil, fmt.Errorf("element: uniform bytes: %w: got %d bytes, want %d", ErrLength, len(b), UniformSize)
	}
	var X1, Y1, Z1, T1, X2, Y2, Z2, T2 field.Element
	t1, _ := new(field.Element).SetBytes(b[:32])
	t2, _ := new(field.Element).SetBytes(b[32:])
	rMap(t1, &X1, &Y1, &Z1, &T1)
	rMap(t2, &X2, &Y2, &Z2, &T2)
	var p1, p2 edwards25519.Point
	if _, err := p1.SetExtendedCoordinates(&X1, &Y1, &Z1, &T1); err != nil {
		panic("elgamal: one-way map left the curve")
	}
	if _, err := p2.SetExtendedCoordinates(&X2, &Y2, &Z2, &T2); err != nil {
		panic("elgamal: one-way map left the curve")
	}
	e.p.Add(&p1, &p2)
	return e, nil
}

// HashToElement hashes msg to a group element under the domain separation
// tag dst, as hash_to_ristretto255 with expand_message_xmd and SHA-512
// (RFC 9380 §5.3.1, suite ristretto255_XMD:SHA-512_R255MAP_RO_).
func HashToElement(dst string, msg ...[]byte) *Element {
	u := expandMessageXMD(dst, UniformSize, msg...)
	e, _ := new(Element).SetUniformBytes(u)
	return e
}

// Scalar is an integer modulo ℓ = 2^252 + 27742317777372353535851937790883648493,
// the order of the group. Like Element, methods set and return the receiver,
// arguments may alias, and everything is constant time. The zero value is
// the scalar 0.
type Scalar struct {
	s edwards25519.Scalar
}

// NewScalar returns the scalar 0.
func NewScalar() *Scalar { return &Scalar{} }

// Set sets s = x and returns s.
func (s *Scalar) Set(x *Scalar) *Scalar {
	s.s.Set(&x.s)
	return s
}

// SetUint64 sets s = n and returns s.
func (s *Scalar) SetUint64(n uint64) *Scalar {
	var b [32]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(n >> (8 * i))
	}
	if _, err := s.s.SetCanonicalBytes(b[:]); err != nil {
		panic(err) // unreachable: n < 2^64 < ℓ
	}
	return s
}

// Add sets s = x + y mod ℓ.
func (s *Scalar) Add(x, y *Scalar) *Scalar {
	s.s.Add(&x.s, &y.s)
	return s
}

// Subtract sets s = x − y mod ℓ.
func (s *Scalar) Subtract(x, y *Scalar) *Scalar {
	s.s.Subtract(&x.s, &y.s)
	return s
}

// Negate sets s = −x mod ℓ.
func (s *Scalar) Negate(x *Scalar) *Scalar {
	s.s.Negate(&x.s)
	return s
}

// Multiply sets s = x·y mod ℓ.
func (s *Scalar) Multiply(x, y *Scalar) *Scalar {
	s.s.Multiply(&x.s, &y.s)
	return s
}

// MultiplyAdd sets s = x·y + z mod ℓ.
func (s *Scalar) MultiplyAdd(x, y, z *Scalar) *Scalar {
	s.s.MultiplyAdd(&x.s, &y.s, &z.s)
	return s
}

// Invert sets s = 1/x mod ℓ. If x is 0, s is set to 0.
func (s *Scalar) Invert(x *Scalar) *Scalar {
	s.s.Invert(&x.s)
	return s
}

// Select sets s to a if cond == 1 and to b if cond == 0, in constant time.
// It computes b + cond·(a − b) so that no branch or memory access depends
// on cond.
func (s *Scalar) Select(a, b *Scalar, cond int) *Scalar {
	var d, c Scalar
	d.Subtract(a, b)
	c.SetUint64(uint64(cond & 1))
	return s.MultiplyAdd(&c, &d, b)
}

// Equal returns 1 if s == x and 0 otherwise, in constant time.
func (s *Scalar) Equal(x *Scalar) int { return s.s.Equal(&x.s) }

// IsZero returns 1 if s == 0 and 0 otherwise, in constant time.
func (s *Scalar) IsZero() int { return s.s.Equal(&edwards25519.Scalar{}) }

// Bytes returns the 32-byte little-endian canonical encoding of s.
func (s *Scalar) Bytes() []byte { return s.s.Bytes() }

// SetCanonicalBytes sets s from a 32-byte little-endian encoding, and
// returns an error wrapping ErrLength or ErrNonCanonical unless the value is
// fully reduced (below ℓ).
func (s *Scalar) SetCanonicalBytes(b []byte) (*Scalar, error) {
	if len(b) != ScalarSize {
		return nil, fmt.Errorf("scalar: %w: got %d bytes, want %d", ErrLength, len(b), ScalarSize)
	}
	if _, err := s.s.SetCanonicalBytes(b); err != nil {
		return nil, fmt.Errorf("scalar: %w: value is not below the group order", ErrNonCanonical)
	}
	return s, nil
}

// SetUniformBytes sets s to the 64-byte little-endian value b reduced
// modulo ℓ. The bias of this wide reduction is about 2^-259, so uniform
// bytes give a uniform scalar.
func (s *Scalar) SetUniformBytes(b []byte) (*Scalar, error) {
	if len(b) != UniformSize {
		return nil, fmt.Errorf("scalar: uniform bytes: %w: got %d bytes, want %d", ErrLength, len(b), UniformSize)
	}
	if _, err := s.s.SetUniformBytes(b); err != nil {
		return nil, err
	}
	return s, nil
}

// RandomScalar returns a uniformly random scalar from 64 bytes of rand,
// reduced wide. Pass crypto/rand.Reader outside of tests.
func RandomScalar(rand io.Reader) (*Scalar, error) {
	var b [UniformSize]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("elgamal: reading randomness: %w", err)
	}
	s, _ := new(Scalar).SetUniformBytes(b[:])
	return s, nil
}

// HashToScalar hashes msg to a scalar under the domain separation tag dst:
// expand_message_xmd with SHA-512 to 64 bytes (RFC 9380 §5.3.1), reduced
// wide. This is hash_to_field for ristretto255 scalars.
func HashToScalar(dst string, msg ...[]byte) *Scalar {
	u := expandMessageXMD(dst, UniformSize, msg...)
	s, _ := new(Scalar).SetUniformBytes(u)
	return s
}

// expandMessageXMD is expand_message_xmd of RFC 9380 §5.3.1 with SHA-512.
// The message is the concatenation of msg. dst must be at most 255 bytes,
// and n at most 255·64.
func expandMessageXMD(dst string, n int, msg ...[]byte) []byte {
	const bInBytes, rInBytes = sha512.Size, sha512.BlockSize
	if len(dst) > 255 {
		panic("elgamal: domain separation tag longer than 255 bytes")
	}
	ell := (n + bInBytes - 1) / bInBytes
	if ell > 255 || n > 65535 {
		panic("elgamal: expand_message_xmd output too long")
	}
	dstPrime := append([]byte(dst), byte(len(dst)))

	h := sha512.New()
	h.Write(make([]byte, rInBytes)) // Z_pad
	for _, m := range msg {
		h.Write(m)
	}
	h.Write([]byte{byte(n >> 8), byte(n), 0})
	h.Write(dstPrime)
	b0 := h.Sum(nil)

	h.Reset()
	h.Write(b0)
	h.Write([]byte{1})
	h.Write(dstPrime)
	bi := h.Sum(nil)
	out := append([]byte(nil), bi...)
	for i := 2; i <= ell; i++ {
		x := make([]byte, bInBytes)
		for j := range x {
			x[j] = b0[j] ^ bi[j]
		}
		h.Reset()
		h.Write(x)
		h.Write([]byte{byte(i)})
		h.Write(dstPrime)
		bi = h.Sum(nil)
		out = append(out, bi...)
	}
	return out[:n]
}
