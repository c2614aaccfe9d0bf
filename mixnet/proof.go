package mixnet

import (
	"bytes"
	"fmt"
	"math"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/zkp"
)

// Proof is a proof of a shuffle of N vectors of width w (spec/mixnet.md
// §5): the permutation commitment c_1..c_N, the commitment chain
// ĉ_1..ĉ_N, the commitments t̂_1..t̂_N, t1, t2, t3 and t4 (w ciphertexts),
// and the responses s1, s2, s3, s4 (w scalars), ŝ_1..ŝ_N and s′_1..s′_N.
//
// A Proof is kept as its canonical wire encoding, 160·N + 96·w + 192
// bytes, which Verify hashes directly and decodes chunk by chunk. Make one
// with Prove or ParseProof; the zero value does not verify.
type Proof struct {
	n, width int
	b        []byte
}

// ProofSize returns the length of an encoded proof for n vectors of the
// given width, 32·(5n + 3·width + 6) bytes, or 0 if n is not in
// 1..MaxVectors or width not in 1..MaxWidth.
func ProofSize(n, width int) int {
	if n < 1 || uint64(n) > MaxVectors || width < 1 || width > MaxWidth {
		return 0
	}
	size := 32 * (5*uint64(n) + 3*uint64(width) + 6)
	if size > math.MaxInt {
		return 0
	}
	return int(size)
}

// N returns the number of vectors the proof is for.
func (p *Proof) N() int { return p.n }

// Width returns the width of the vectors the proof is for.
func (p *Proof) Width() int { return p.width }

// Bytes returns the proof's encoding (spec/mixnet.md §5.3), a fresh copy.
func (p *Proof) Bytes() []byte { return bytes.Clone(p.b) }

// AppendBinary appends the proof's encoding to b (encoding.BinaryAppender),
// without the intermediate copy of Bytes: 160 bytes per vector.
func (p *Proof) AppendBinary(b []byte) ([]byte, error) { return append(b, p.b...), nil }

// layout gives the byte offsets of a proof's fields. Indices i are 0-based
// here; field names and the specification count from 1.
type layout struct{ n, w int }

func (l layout) c(i int) int      { return 32 * i }
func (l layout) chat(i int) int   { return 32 * (l.n + i) }
func (l layout) that(i int) int   { return 32 * (2*l.n + i) }
func (l layout) t1() int          { return 32 * 3 * l.n }
func (l layout) t2() int          { return l.t1() + 32 }
func (l layout) t3() int          { return l.t1() + 64 }
func (l layout) t4(k int) int     { return l.t1() + 96 + 64*k } // α; β at +32
func (l layout) s1() int          { return l.t4(l.w) }
func (l layout) s2() int          { return l.s1() + 32 }
func (l layout) s3() int          { return l.s1() + 64 }
func (l layout) s4(k int) int     { return l.s1() + 96 + 32*k }
func (l layout) shat(i int) int   { return l.s4(l.w) + 32*i }
func (l layout) sprime(i int) int { return l.shat(l.n) + 32*i }
func (l layout) size() int        { return l.sprime(l.n) }

// field names the field at byte offset off, which must be below size.
func (l layout) field(off int) string {
	i := off / 32
	switch {
	case off < l.chat(0):
		return fmt.Sprintf("c[%d]", i+1)
	case off < l.that(0):
		return fmt.Sprintf("chat[%d]", i-l.n+1)
	case off < l.t1():
		return fmt.Sprintf("that[%d]", i-2*l.n+1)
	case off < l.t4(0):
		return fmt.Sprintf("t%d", i-3*l.n+1)
	case off < l.s1():
		k := (off - l.t4(0)) / 64
		if (off-l.t4(0))%64 < 32 {
			return fmt.Sprintf("t4[%d].alpha", k)
		}
		return fmt.Sprintf("t4[%d].beta", k)
	case off < l.s4(0):
		return fmt.Sprintf("s%d", (off-l.s1())/32+1)
	case off < l.shat(0):
		return fmt.Sprintf("s4[%d]", (off-l.s4(0))/32)
	case off < l.sprime(0):
		return fmt.Sprintf("shat[%d]", (off-l.shat(0))/32+1)
	default:
		return fmt.Sprintf("sprime[%d]", (off-l.sprime(0))/32+1)
	}
}

// element decodes the element at off, rejecting the identity.
func (l layout) element(b []byte, off int, e *elgamal.Element) error {
	if _, err := e.SetCanonicalBytesNonIdentity(b[off : off+32]); err != nil {
		return &zkp.FieldError{Field: l.field(off), Offset: off, Err: err}
	}
	return nil
}

// scalar decodes the canonical scalar at off.
func (l layout) scalar(b []byte, off int, s *elgamal.Scalar) error {
	if _, err := s.SetCanonicalBytes(b[off : off+32]); err != nil {
		return &zkp.FieldError{Field: l.field(off), Offset: off, Err: err}
	}
	return nil
}

// firstFieldErr returns the error with the lowest offset, or nil.
func firstFieldErr(errs []error) error {
	var first *zkp.FieldError
	for _, err := range errs {
		if fe, ok := err.(*zkp.FieldError); ok && (first == nil || fe.Offset < first.Offset) {
			first = fe
		}
	}
	if first == nil {
		return nil
	}
	return first
}

// ParseProof decodes a proof of a shuffle of n vectors of the given width
// strictly: exactly ProofSize(n, width) bytes, every element and scalar
// canonical, and no commitment (c_j, ĉ_i, t̂_i, t1, t2, t3, t4) the
// identity. Errors name the first failing field and its byte offset with
// a *zkp.FieldError wrapping elgamal.ErrLength, ErrNonCanonical or
// ErrIdentity. The elements are decoded on all cores.
func ParseProof(b []byte, n, width int) (*Proof, error) {
	size := ProofSize(n, width)
	if size == 0 {
		return nil, fmt.Errorf("mixnet: shuffle proof: %w: %d vectors of width %d (N must be in 1..%d, width in 1..%d)",
			elgamal.ErrLength, n, width, uint64(MaxVectors), MaxWidth)
	}
	l := layout{n, width}
	if len(b) < size {
		off := len(b) &^ 31
		return nil, fmt.Errorf("mixnet: shuffle proof: %w", &zkp.FieldError{Field: l.field(off), Offset: off,
			Err: fmt.Errorf("%w: truncated", elgamal.ErrLength)})
	}
	if len(b) > size {
		return nil, fmt.Errorf("mixnet: shuffle proof: %w", &zkp.FieldError{Field: "(end)", Offset: size,
			Err: fmt.Errorf("%w: %d trailing bytes", elgamal.ErrLength, len(b)-size)})
	}

	// The N-long sections, in parallel; each chunk keeps its first error
	// and the one with the lowest offset wins.
	const chunk = 512
	errs := make([]error, (n+chunk-1)/chunk)
	forChunks(n, chunk, nil, func(_, lo, hi int) error {
		var e elgamal.Element
		var s elgamal.Scalar
		var chunkErrs []error
		for _, sec := range []func(int) int{l.c, l.chat, l.that} {
			for i := lo; i < hi; i++ {
				if err := l.element(b, sec(i), &e); err != nil {
					chunkErrs = append(chunkErrs, err)
					break
				}
			}
		}
		for _, sec := range []func(int) int{l.shat, l.sprime} {
			for i := lo; i < hi; i++ {
				if err := l.scalar(b, sec(i), &s); err != nil {
					chunkErrs = append(chunkErrs, err)
					break
				}
			}
		}
		errs[lo/chunk] = firstFieldErr(chunkErrs)
		return nil
	})
	// The fixed fields.
	var e elgamal.Element
	var s elgamal.Scalar
	for off := l.t1(); off < l.s1(); off += 32 {
		if err := l.element(b, off, &e); err != nil {
			errs = append(errs, err)
			break
		}
	}
	for off := l.s1(); off < l.shat(0); off += 32 {
		if err := l.scalar(b, off, &s); err != nil {
			errs = append(errs, err)
			break
		}
	}
	if err := firstFieldErr(errs); err != nil {
		return nil, fmt.Errorf("mixnet: shuffle proof: %w", err)
	}
	return &Proof{n: n, width: width, b: bytes.Clone(b)}, nil
}
