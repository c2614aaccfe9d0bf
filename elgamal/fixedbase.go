package elgamal

// FixedBase is a precomputed table for constant-time multiplication of one
// long-lived element, such as an election public key, by secret scalars.
// It is safe for concurrent use. The generator needs none: ScalarBaseMult
// already uses edwards25519's own table.
type FixedBase struct {
	base Element // TODO(msm): table
}

// NewFixedBase precomputes the table for b.
func NewFixedBase(b *Element) *FixedBase {
	f := &FixedBase{}
	f.base.Set(b)
	return f
}

// ScalarMult returns s·b in constant time.
func (f *FixedBase) ScalarMult(s *Scalar) *Element {
	return new(Element).ScalarMult(s, &f.base)
}
