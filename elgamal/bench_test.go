package elgamal

import "testing"

func BenchmarkElementEncode(b *testing.B) {
	e := newTestRand(9).element()
	for b.Loop() {
		e.Bytes()
	}
}

func BenchmarkElementDecode(b *testing.B) {
	enc := newTestRand(9).element().Bytes()
	var e Element
	for b.Loop() {
		e.SetCanonicalBytes(enc)
	}
}

func BenchmarkScalarBaseMult(b *testing.B) {
	s := newTestRand(9).scalar()
	var e Element
	for b.Loop() {
		e.ScalarBaseMult(s)
	}
}

func BenchmarkScalarMult(b *testing.B) {
	r := newTestRand(9)
	s, p := r.scalar(), r.element()
	var e Element
	for b.Loop() {
		e.ScalarMult(s, p)
	}
}
