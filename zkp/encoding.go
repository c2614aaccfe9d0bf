package zkp

import (
	"fmt"

	"github.com/urnavote/urna/elgamal"
)

// FieldError says which field of an encoded proof failed to decode, and
// where. It wraps the elgamal decoding error (ErrNonCanonical, ErrIdentity,
// ErrLength), so errors.Is tells the caller which check failed.
type FieldError struct {
	Field  string
	Offset int
	Err    error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("field %s at byte %d: %v", e.Field, e.Offset, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// reader decodes fixed-size fields in order and keeps the first error.
type reader struct {
	b   []byte
	off int
	err error
}

func newReader(b []byte) *reader { return &reader{b: b} }

func (r *reader) next(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.off < n {
		r.err = &FieldError{field, r.off, fmt.Errorf("%w: truncated", elgamal.ErrLength)}
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

// element decodes a canonical element; nonIdentity also rejects the
// identity, as for commitments and keys.
func (r *reader) element(field string, e *elgamal.Element, nonIdentity bool) {
	off := r.off
	b := r.next(field, elgamal.ElementSize)
	if b == nil {
		return
	}
	var err error
	if nonIdentity {
		_, err = e.SetCanonicalBytesNonIdentity(b)
	} else {
		_, err = e.SetCanonicalBytes(b)
	}
	if err != nil {
		r.err = &FieldError{field, off, err}
	}
}

// scalar decodes a canonical scalar.
func (r *reader) scalar(field string, s *elgamal.Scalar) {
	off := r.off
	b := r.next(field, elgamal.ScalarSize)
	if b == nil {
		return
	}
	if _, err := s.SetCanonicalBytes(b); err != nil {
		r.err = &FieldError{field, off, err}
	}
}

// done returns the first error, or a length error if bytes are left over.
func (r *reader) done() error {
	if r.err == nil && r.off != len(r.b) {
		r.err = &FieldError{"(end)", r.off, fmt.Errorf("%w: %d trailing bytes", elgamal.ErrLength, len(r.b)-r.off)}
	}
	return r.err
}
