package elgamal

import (
	"errors"
	"fmt"

	"filippo.io/edwards25519/field"
)

// MaxDataSize is the most bytes EncodeData can put into one element.
const MaxDataSize = 30

var (
	// ErrDataTooLong means data does not fit into one element.
	ErrDataTooLong = errors.New("data longer than 30 bytes")
	// ErrNotData means an element is not the encoding of any data, such as
	// a mixnet ballot that was not made by EncodeData.
	ErrNotData = errors.New("element does not encode ballot data")
)

// dataTries is how many candidate encodings EncodeData tries. About a
// quarter of candidates decode (ℓ ≈ 2^252 elements among the ≈ 2^254
// non-negative canonical field encodings), so for a given data value all
// fail with probability about (3/4)^128 ≈ 2^-53: some data values of 3
// bytes or more cannot be encoded at all (spec/group.md §4). Every value
// of at most 2 bytes can (TestDataShortValuesEncode).
const dataTries = 128

// EncodeData maps up to 30 bytes reversibly and injectively to an element,
// for ballots that are mixed rather than added up (write-ins, ranked
// ballots).
//
// The element's canonical encoding s is, byte by byte: s[0] = 2k for a
// counter k, s[1..30] = data padded with zeros, s[31] = len(data). That is
// below p with a clear low bit, so s is a canonical field encoding; EncodeData
// picks the first k for which s decodes (RFC 9496 §4.3.1). It runs in
// constant time with respect to data: it tries every k and selects the
// first success without branching, because the data is a secret vote.
func EncodeData(data []byte) (*Element, error) {
	if len(data) > MaxDataSize {
		return nil, fmt.Errorf("elgamal: encode data: %w: got %d bytes", ErrDataTooLong, len(data))
	}
	var s [32]byte
	copy(s[1:], data)
	s[31] = byte(len(data))

	out := NewElement()
	found := 0
	var cand Element
	for k := 0; k < dataTries; k++ {
		s[0] = byte(2 * k)
		ok := cand.setDecoded(&s)
		take := ok &^ found
		out.Select(&cand, out, take)
		found |= ok
	}
	if found == 0 {
		return nil, fmt.Errorf("elgamal: encode data: no candidate encoding decoded")
	}
	return out, nil
}

// DataEncodes reports whether EncodeData(data) succeeds. It runs in
// variable time, stopping at the first counter that decodes, so it is for
// public data only, such as checking that every ballot a manifest allows
// can be encoded.
func DataEncodes(data []byte) bool {
	if len(data) > MaxDataSize {
		return false
	}
	var s [32]byte
	copy(s[1:], data)
	s[31] = byte(len(data))
	var cand Element
	for k := 0; k < dataTries; k++ {
		s[0] = byte(2 * k)
		if cand.setDecoded(&s) == 1 {
			return true
		}
	}
	return false
}

// setDecoded sets e from the encoding s in constant time and returns 1, or
// leaves e set to some valid point and returns 0 if s is not canonical.
func (e *Element) setDecoded(s *[32]byte) int {
	var X, Y, Z, T field.Element
	ok := rDecode(s, &X, &Y, &Z, &T)
	// A failed decode may leave a point off the curve; replace it with the
	// identity so that the Point stays valid, without branching.
	iX, iY, iZ, iT := NewElement().p.ExtendedCoordinates()
	X.Select(&X, iX, ok)
	Y.Select(&Y, iY, ok)
	Z.Select(&Z, iZ, ok)
	T.Select(&T, iT, ok)
	if _, err := e.p.SetExtendedCoordinates(&X, &Y, &Z, &T); err != nil {
		panic("elgamal: decoded point off the curve")
	}
	return ok
}

// DecodeData returns the data encoded in e by EncodeData, or an error
// wrapping ErrNotData.
func DecodeData(e *Element) ([]byte, error) {
	s := e.Bytes()
	n := int(s[31])
	if n > MaxDataSize {
		return nil, fmt.Errorf("elgamal: decode data: %w: length byte %d", ErrNotData, n)
	}
	for _, b := range s[1+n : 31] {
		if b != 0 {
			return nil, fmt.Errorf("elgamal: decode data: %w: non-zero padding", ErrNotData)
		}
	}
	// EncodeData takes the first counter that decodes, so a smaller one
	// that decodes means e did not come from EncodeData. This keeps
	// DecodeData the exact inverse of EncodeData. It is variable time, as
	// decoding happens on public mixnet output.
	var cand [32]byte
	copy(cand[:], s)
	var tmp Element
	for k := 0; 2*k < int(s[0]); k++ {
		cand[0] = byte(2 * k)
		if tmp.setDecoded(&cand) == 1 {
			return nil, fmt.Errorf("elgamal: decode data: %w: counter %d is not the first that decodes", ErrNotData, s[0]/2)
		}
	}
	return append(make([]byte, 0, n), s[1:1+n]...), nil
}
