package elgamal

import "github.com/urnavote/urna/internal/msm"

// FixedBase is a precomputed table for constant-time multiplication of one
// long-lived element, such as an election public key, by secret scalars:
// about 11 µs instead of 38 µs for ScalarMult. The table takes 60 KiB and
// about 150 µs to build. It is safe for concurrent use. The generator
// needs none: ScalarBaseMult already uses edwards25519's own table.
type FixedBase struct {
	t *msm.FixedBase
}

// NewFixedBase precomputes the table for b.
func NewFixedBase(b *Element) *FixedBase {
	return &FixedBase{msm.NewFixedBase(&b.p)}
}

// ScalarMult returns s·b in constant time.
func (f *FixedBase) ScalarMult(s *Scalar) *Element {
	e := &Element{}
	e.p.Set(f.t.ScalarMult(&s.s))
	return e
}
