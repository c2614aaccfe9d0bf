package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urnavote/urna/elgamal"
	"github.com/urnavote/urna/vectors"
)

// root is the repository root, where the RFC 9496 vectors are read from.
var root = "."

type rfc9496 struct {
	Multiples []string `json:"multiples"`
	Invalid   []struct {
		Encoding string `json:"encoding"`
		Reason   string `json:"reason"`
	} `json:"invalid"`
	OneWayMap []struct {
		Input  string `json:"input"`
		Output string `json:"output"`
	} `json:"one_way_map"`
}

func loadRFC9496() (*rfc9496, error) {
	b, err := os.ReadFile(filepath.Join(root, "elgamal", "testdata", "rfc9496.json"))
	if err != nil {
		return nil, err
	}
	v := &rfc9496{}
	return v, json.Unmarshal(b, v)
}

// scalarL is ℓ, the smallest non-canonical scalar.
const scalarL = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"

func groupVectors() *set {
	s := &set{}
	rfc, err := loadRFC9496()
	if err != nil {
		s.err = err
		return s
	}
	r := newRNG("group")

	for i, enc := range rfc.Multiples {
		s.valid(&vectors.Case{Type: "ristretto255/decode", Comment: fmt.Sprintf("RFC 9496 A.1: %d·B", i),
			Inputs: map[string]string{"encoding": enc}})
	}
	for i := 0; i < 4; i++ {
		s.valid(&vectors.Case{Type: "ristretto255/decode", Comment: "random element",
			Inputs: map[string]string{"encoding": hx(r.element().Bytes())}})
	}
	for _, v := range rfc.Invalid {
		s.invalid(&vectors.Case{Type: "ristretto255/decode", Comment: "RFC 9496 A.2: " + v.Reason,
			Inputs: map[string]string{"encoding": v.Encoding}})
	}
	g := elgamal.NewGeneratorElement().Bytes()
	top := append([]byte(nil), g...)
	top[31] |= 0x80
	s.invalid(&vectors.Case{Type: "ristretto255/decode", Comment: "generator with the top bit set",
		Inputs: map[string]string{"encoding": hx(top)}})
	s.invalid(&vectors.Case{Type: "ristretto255/decode", Comment: "31 bytes",
		Inputs: map[string]string{"encoding": hx(g[:31])}})
	s.invalid(&vectors.Case{Type: "ristretto255/decode", Comment: "33 bytes",
		Inputs: map[string]string{"encoding": hx(append(g, 0))}})

	for _, v := range rfc.OneWayMap {
		s.valid(&vectors.Case{Type: "ristretto255/from-uniform", Comment: "RFC 9496 A.3",
			Inputs: map[string]string{"uniform": v.Input}, Outputs: map[string]string{"element": v.Output}})
	}
	for i := 0; i < 4; i++ {
		s.valid(&vectors.Case{Type: "ristretto255/from-uniform", Comment: "random input",
			Inputs: map[string]string{"uniform": hx(r.bytes(64))}})
	}
	s.invalid(&vectors.Case{Type: "ristretto255/from-uniform", Comment: "63 bytes",
		Inputs: map[string]string{"uniform": hx(r.bytes(63))}})

	for _, tc := range []struct{ dst, msg string }{
		{"urna/v1/test", ""},
		{"urna/v1/test", "abc"},
		{"urna/v1/mixnet/generators", "election 1 / index 0"},
		{"QUUX-V01-CS02-with-ristretto255_XMD:SHA-512_R255MAP_RO_", "abcdef0123456789"},
	} {
		s.valid(&vectors.Case{Type: "ristretto255/hash-to-element", Comment: "expand_message_xmd SHA-512, RFC 9380",
			Inputs: map[string]string{"dst": tc.dst, "msg": hex.EncodeToString([]byte(tc.msg))}})
		s.valid(&vectors.Case{Type: "ristretto255/hash-to-scalar", Comment: "expand_message_xmd SHA-512, reduced wide",
			Inputs: map[string]string{"dst": tc.dst, "msg": hex.EncodeToString([]byte(tc.msg))}})
	}

	lMinus1, _ := hex.DecodeString(scalarL)
	lMinus1[0]--
	for _, tc := range []struct{ comment, enc string }{
		{"zero", hx(make([]byte, 32))},
		{"ℓ − 1", hx(lMinus1)},
		{"random", hx(r.scalar().Bytes())},
	} {
		s.valid(&vectors.Case{Type: "scalar/decode", Comment: tc.comment, Inputs: map[string]string{"encoding": tc.enc}})
	}
	lPlus1, _ := hex.DecodeString(scalarL)
	lPlus1[0]++
	topBit := r.scalar().Bytes()
	topBit[31] |= 0x80
	for _, tc := range []struct{ comment, enc string }{
		{"ℓ", scalarL},
		{"ℓ + 1", hx(lPlus1)},
		{"top bit set", hx(topBit)},
		{"all ones", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
		{"31 bytes", hx(lMinus1[:31])},
	} {
		s.invalid(&vectors.Case{Type: "scalar/decode", Comment: tc.comment, Inputs: map[string]string{"encoding": tc.enc}})
	}
	return s
}

func elgamalVectors() *set {
	s := &set{}
	r := newRNG("elgamal")
	for i := 0; i < 4; i++ {
		k := r.key()
		pk := hx(k.PublicKey().Bytes())
		m := r.element()
		nonce := r.scalar()
		s.valid(&vectors.Case{Type: "elgamal/encrypt", Comment: "encrypt a random element",
			Inputs: map[string]string{"public_key": pk, "message": hx(m.Bytes()), "randomness": hx(nonce.Bytes())}})
		c := k.PublicKey().EncryptWithNonce(m, nonce)
		s.valid(&vectors.Case{Type: "elgamal/decrypt", Comment: "decrypt the ciphertext of the encrypt case before",
			Inputs:  map[string]string{"private_key": hx(k.Scalar().Bytes()), "ciphertext": hx(c.Bytes())},
			Outputs: map[string]string{"public_key": pk, "message": hx(m.Bytes())}})
		s.valid(&vectors.Case{Type: "elgamal/encrypt-int", Comment: "exponential ElGamal",
			Inputs: map[string]string{"public_key": pk, "m": u(uint64(i * 7)), "randomness": hx(r.scalar().Bytes())}})
		s.valid(&vectors.Case{Type: "elgamal/reencrypt", Comment: "re-encryption",
			Inputs: map[string]string{"public_key": pk, "ciphertext": hx(c.Bytes()), "randomness": hx(r.scalar().Bytes())}})
		s.valid(&vectors.Case{Type: "elgamal/ciphertext-decode", Comment: "valid ciphertext",
			Inputs: map[string]string{"encoding": hx(c.Bytes())}})
		s.valid(&vectors.Case{Type: "elgamal/public-key-decode", Comment: "valid public key",
			Inputs: map[string]string{"encoding": pk}})
	}

	k := r.key()
	c := k.PublicKey().EncryptIntWithNonce(1, r.scalar()).Bytes()
	bad := func(comment string, f func(b []byte) []byte) {
		b := f(append([]byte(nil), c...))
		s.invalid(&vectors.Case{Type: "elgamal/ciphertext-decode", Comment: comment, Inputs: map[string]string{"encoding": hx(b)}})
	}
	bad("identity alpha", func(b []byte) []byte { copy(b, make([]byte, 32)); return b })
	bad("alpha = p (non-canonical)", func(b []byte) []byte { copy(b, fieldP()); return b })
	bad("beta = p (non-canonical)", func(b []byte) []byte { copy(b[32:], fieldP()); return b })
	bad("alpha negative", func(b []byte) []byte { b[0] |= 1; return b })
	bad("beta negative", func(b []byte) []byte { b[32] |= 1; return b })
	bad("63 bytes", func(b []byte) []byte { return b[:63] })
	bad("65 bytes", func(b []byte) []byte { return append(b, 0) })
	s.invalid(&vectors.Case{Type: "elgamal/public-key-decode", Comment: "identity public key",
		Inputs: map[string]string{"encoding": hx(make([]byte, 32))}})
	s.invalid(&vectors.Case{Type: "elgamal/public-key-decode", Comment: "non-canonical public key",
		Inputs: map[string]string{"encoding": hx(fieldP())}})

	for _, d := range []string{"", "A", "write-in: Ada Lovelace", "exactly thirty bytes of data!!"} {
		s.valid(&vectors.Case{Type: "elgamal/data", Comment: fmt.Sprintf("%d bytes of ballot data", len(d)),
			Inputs: map[string]string{"data": hx([]byte(d))}})
	}
	s.invalid(&vectors.Case{Type: "elgamal/data", Comment: "31 bytes do not fit",
		Inputs: map[string]string{"data": hx(r.bytes(31))}})
	return s
}

// fieldP is the encoding of p, a non-canonical field element.
func fieldP() []byte {
	b, _ := hex.DecodeString("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	return b
}
