package elgamal

import (
	"fmt"
	"testing"
)

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

func BenchmarkEncrypt(b *testing.B) {
	r := newTestRand(20)
	k, _ := GenerateKey(r)
	pk := k.PublicKey()
	m := r.element()
	nonce := r.scalar()
	pk.ScalarMult(nonce) // build the table outside the loop
	for b.Loop() {
		pk.EncryptWithNonce(m, nonce)
	}
}

func BenchmarkReEncrypt(b *testing.B) {
	r := newTestRand(21)
	k, _ := GenerateKey(r)
	pk := k.PublicKey()
	c, _, _ := pk.Encrypt(r.element(), r)
	nonce := r.scalar()
	for b.Loop() {
		pk.ReEncryptWithNonce(c, nonce)
	}
}

func BenchmarkDecrypt(b *testing.B) {
	r := newTestRand(22)
	k, _ := GenerateKey(r)
	c, _, _ := k.PublicKey().Encrypt(r.element(), r)
	for b.Loop() {
		k.Decrypt(c)
	}
}

func BenchmarkFixedBase(b *testing.B) {
	r := newTestRand(23)
	f := NewFixedBase(r.element())
	s := r.scalar()
	for b.Loop() {
		f.ScalarMult(s)
	}
}

func BenchmarkDLog(b *testing.B) {
	for _, max := range []uint64{1_000_000, 100_000_000} {
		b.Run(fmt.Sprintf("build/max=%d", max), func(b *testing.B) {
			for b.Loop() {
				NewDLogTable(max)
			}
		})
		t, _ := NewDLogTable(max)
		e := new(Element).ScalarBaseMult(new(Scalar).SetUint64(max))
		b.Run(fmt.Sprintf("lookup-worst/max=%d", max), func(b *testing.B) {
			for b.Loop() {
				t.Lookup(e)
			}
		})
	}
}

func BenchmarkEncodeData(b *testing.B) {
	data := []byte("write-in candidate: 30 bytes!!")
	for b.Loop() {
		EncodeData(data)
	}
}

func BenchmarkDecodeData(b *testing.B) {
	e, _ := EncodeData([]byte("write-in candidate: 30 bytes!!"))
	for b.Loop() {
		DecodeData(e)
	}
}
